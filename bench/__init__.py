"""Benchmarks that print figures; run them with ``uv run python -m bench.<name>``."""
