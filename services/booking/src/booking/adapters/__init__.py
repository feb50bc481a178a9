"""Implementations of the service layer's ports: PostgreSQL, the outbox, gRPC clients."""
