"""gRPC servicer, booking event consumer and background jobs."""
