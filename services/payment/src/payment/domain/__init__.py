"""Payments, refunds and the provider's webhooks as pure Python rules (no I/O, no frameworks)."""
