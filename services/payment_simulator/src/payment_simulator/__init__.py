"""A stand-in for an external payment provider (like Stripe): checkout sessions, a checkout page,
refunds, and signed webhooks delivered with retries. ``create_app(settings)`` builds the app."""
