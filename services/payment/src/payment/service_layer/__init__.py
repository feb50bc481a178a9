"""Use cases of the payment context and the ports they need."""
