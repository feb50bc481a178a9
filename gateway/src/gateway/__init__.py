"""The REST gateway: JSON over HTTP in front of the gRPC services (``gateway.app.create_app``)."""
