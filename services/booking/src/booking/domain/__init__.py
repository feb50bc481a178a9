"""The booking context's pure model: standard library only."""
