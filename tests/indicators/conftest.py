"""Fixtures of the indicator tests."""

from __future__ import annotations

import polars as pl
import pytest

from tests.indicators.data import make_bars


@pytest.fixture(scope="session")
def bars() -> pl.DataFrame:
    """3000 random-walk 1-minute bars (seed 11)."""
    return make_bars(3000, seed=11)
