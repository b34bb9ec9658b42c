"""Repository functions: each takes a ``session``; the caller owns the transaction."""
