"""PostgreSQL tables and repositories, the provider's HTTP API, booking's gRPC API."""
