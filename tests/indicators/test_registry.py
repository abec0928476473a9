"""Discovery (``available()``), the registry's declared parameters/outputs against what the
functions really do, TA-Lib's defaults, and the spec form of every indicator."""

from __future__ import annotations

import inspect

import numpy as np
import polars as pl
import pytest

import projectx.indicators as ind
from projectx.exceptions import ValidationError
from projectx.indicators import REGISTRY, IndicatorSpec, available
from tests.indicators.data import make_bars

talib = pytest.importorskip("talib")
from talib import abstract  # noqa: E402

ISSUE_LIST = {
    "overlap": "SMA EMA WMA DEMA TEMA TRIMA KAMA MAMA T3 MA MAVP MIDPOINT MIDPRICE BBANDS SAR "
    "SAREXT HT_TRENDLINE",
    "volatility": "ATR NATR TRANGE STDDEV",
    "volume": "OBV AD ADOSC VWAP",
}


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    df = make_bars(300, seed=2)
    return df.with_columns(pl.lit(10.0).alias("periods"))


def test_every_listed_indicator_is_available() -> None:
    names = {r["name"]: r for r in available()}
    for group, listed in ISSUE_LIST.items():
        for name in listed.split():
            assert names[name]["group"] == group
            assert hasattr(ind, name)
    assert len(available("patterns")) >= 6
    assert [r["name"] for r in available("volume")] == ["AD", "ADOSC", "OBV", "VWAP"]


def test_available_rows_describe_the_function(frame: pl.DataFrame) -> None:
    for row in available():
        func = REGISTRY[row["name"]].func
        sig = inspect.signature(func)
        for p, default in row["params"].items():
            assert sig.parameters[p].default == default, (row["name"], p)
        out = func(frame)
        added = tuple(c for c in out.columns if c not in frame.columns)
        assert added == row["outputs"], row["name"]
        assert set(row["inputs"]) <= set(frame.columns), row["name"]
        assert row["streaming"] == (row["name"] in ind.STREAMS), row["name"]
        assert row["doc"]


@pytest.mark.parametrize("group", ["overlap", "volatility", "volume"])
def test_defaults_are_talibs(group: str) -> None:
    for row in available(group):
        if row["name"] not in talib.get_functions():
            continue
        theirs = dict(abstract.Function(row["name"]).info["parameters"])  # type: ignore[attr-defined]
        ours = {("timeperiod" if k == "period" else k): v for k, v in row["params"].items()}
        ours.pop("periods", None)  # MAVP's second input column, an input in TA-Lib
        ours.pop("anchor", None)  # VWAP: TA-Lib's is ours with anchor=None (see test below)
        assert ours == theirs, row["name"]


def test_spec_form(frame: pl.DataFrame) -> None:
    spec = ind.SMA(period=20)
    assert isinstance(spec, IndicatorSpec)
    assert spec.outputs == ("sma",) and spec.streaming and repr(spec) == "SMA(period=20)"
    assert frame.pipe(spec).equals(ind.SMA(frame, period=20))
    assert ind.spec("BBANDS", prefix="bb").outputs == (
        "bb_upperband",
        "bb_middleband",
        "bb_lowerband",
    )
    assert ind.MAMA().outputs == ("mama", "fama")
    assert {ind.SMA(period=20): 1}[ind.SMA(period=20)] == 1
    assert ind.SMA(period=20) != ind.SMA(period=21)
    assert not ind.KAMA().streaming
    with pytest.raises(ValidationError, match="period"):
        ind.EMA(period=-1)
    with pytest.raises(ValidationError, match="unknown indicator"):
        ind.spec("NOPE")
    with pytest.raises(ValidationError, match="DataFrame"):
        ind.SMA(None, period=3)  # type: ignore[call-overload]


def test_every_indicator_has_a_spec_form() -> None:
    for row in available():
        s = getattr(ind, row["name"])()
        assert isinstance(s, IndicatorSpec) and s.outputs == row["outputs"], row["name"]


def test_vwap_unanchored_is_talibs_vwap() -> None:
    """TA-Lib's VWAP is cumulative over the whole series: ours with ``anchor=None``.

    Documented difference: where the cumulated volume is still 0 TA-Lib returns 0.0; we
    return null (0 is not a price)."""
    df = make_bars(3000, seed=9)
    h, lo, c, v = (
        np.asarray(df.get_column(x), dtype=np.float64) for x in ("high", "low", "close", "volume")
    )
    ours = ind.VWAP(df, anchor=None).get_column("vwap").to_numpy()
    np.testing.assert_allclose(ours, talib.VWAP(h, lo, c, v), rtol=1e-12)
