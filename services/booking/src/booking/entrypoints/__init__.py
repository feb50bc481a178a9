"""The ways in: the gRPC servicer, the payment-event consumer and the background jobs."""
