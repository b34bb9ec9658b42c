"""CLI command groups; each module exposes ``register(app)`` and is owned by one stage."""
