"""Protobuf replies rendered as the REST API's camelCase JSON documents (plain dicts).

Dicts are built field by field from the message, without a pydantic model in between: a seat map
of a few hundred seats is rendered on every poll of every viewer, so this is the hot path. The
models in ``gateway.schemas`` describe the same documents for OpenAPI; tests check they agree.
"""
