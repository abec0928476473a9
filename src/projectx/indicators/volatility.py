"""volatility indicators (in progress)."""

__all__: list[str] = []
