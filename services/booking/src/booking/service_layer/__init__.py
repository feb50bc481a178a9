"""Use cases of the booking context and the ports they need from the outside."""
