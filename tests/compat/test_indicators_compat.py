"""projectx.compat.indicators mirrors project-x-py 4.4.1's indicators over projectx.indicators.

Facts (names, signatures, column names and values on a fixed frame) come from
``pxpy_indicator_facts.json`` (``gen_pxpy_indicator_facts.py``); these tests do not need
project-x-py. Values are checked twice: equal to the core's (the compat layer only renames),
and equal to project-x-py's where project-x-py is right (``SAME_AS_PXPY``); every other
indicator is listed in ``DIFFERENT`` with the reason, and the test holds that it does differ.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import projectx.compat.indicators as ci
from projectx.compat.indicators import base
from projectx.exceptions import ValidationError
from tests.compat._indicator_facts import case_id, compat_module, facts, frame, run_case

API = json.loads(Path(__file__).with_name("pxpy_public_api.json").read_text())["modules"]
MODULES = sorted(m for m in API if m.startswith("project_x_py.indicators"))
CASES = [c for c in facts()["cases"] if "error" not in c]


def _params(fn: Any) -> list[tuple[str, str]]:
    return [(p.name, p.kind.name) for p in inspect.signature(fn).parameters.values()]


def _fact_params(params: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(p["name"], p["kind"]) for p in params]


def _defaults(fn: Any) -> dict[str, Any]:
    return {
        p.name: p.default
        for p in inspect.signature(fn).parameters.values()
        if p.default is not inspect.Parameter.empty
    }


# -- (1) names and signatures ------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_exists(module: str) -> None:
    mod = compat_module(module)
    assert [n for n in API[module] if not hasattr(mod, n)] == []


def test_the_package_top_has_96_names() -> None:
    assert len(API["project_x_py.indicators"]) == 96
    assert set(API["project_x_py.indicators"]) <= set(ci.__all__)


@pytest.mark.parametrize("module", MODULES)
def test_signatures_match(module: str) -> None:
    mod = compat_module(module)
    problems: list[str] = []
    for name, fact in facts()["signatures"][module].items():
        obj = getattr(mod, name)
        where = f"{module}.{name}"
        if fact["kind"] == "function":
            if _params(obj) != _fact_params(fact["params"]):
                problems.append(f"{where}: {_params(obj)}")
            want = {p["name"]: p["default"] for p in fact["params"] if "default" in p}
            if {k: _defaults(obj).get(k) for k in want} != want:
                problems.append(f"{where}: defaults {_defaults(obj)}")
            continue
        assert inspect.isclass(obj), where
        if fact.get("init") and _params(obj.__init__) != _fact_params(fact["init"]):
            problems.append(f"{where}.__init__: {_params(obj.__init__)}")
        for method, info in fact["methods"].items():
            member = inspect.getattr_static(obj, method, None)
            if member is None or _params(member) != _fact_params(info["params"]):
                problems.append(f"{where}.{method}")
        mro = {b.__name__ for b in obj.__mro__}
        if not set(fact.get("bases", [])) <= mro:
            problems.append(f"{where}: bases {sorted(mro)}")
        kwargs = fact.get("calculate_kwargs")
        if kwargs:  # the keywords project-x-py's calculate() reads, with its defaults
            ours = dict(obj.parameters)
            if {k: ours.get(k, "<missing>") for k in kwargs} != kwargs:
                problems.append(f"{where}.calculate keywords: {ours}")
    assert problems == []


def test_indicator_error_is_the_cores_validation_error() -> None:
    assert issubclass(ci.IndicatorError, ValidationError)
    assert issubclass(ci.IndicatorError, ValueError)
    assert ci.IndicatorError is base.IndicatorError


def test_catalogue() -> None:
    groups = ci.get_indicator_groups()
    assert list(groups) == ["overlap", "momentum", "volatility", "volume", "patterns"]
    assert ci.get_all_indicators() == sorted(n for ns in groups.values() for n in ns)
    assert len(ci.get_all_indicators()) == 63
    assert ci.get_indicator_info("rsi").startswith("Relative Strength Index")
    assert ci.get_indicator_info("nope") == "Indicator not found"
    for name in ci.get_all_indicators():
        assert ci.get_indicator_info(name) != "Indicator not found", name


def test_helpers() -> None:
    df = pl.DataFrame({"a": [1.0, -2.0, 3.0, -4.0], "b": [2.0, 0.0, 1.0, 4.0]})
    out = df.select(base.safe_division(pl.col("a"), pl.col("b"), default=-1.0)).to_series()
    assert out.to_list() == [0.5, -1.0, 3.0, -1.0]
    pos = df.select(base.rolling_sum_positive(pl.col("a"), 2)).to_series().to_list()
    neg = df.select(base.rolling_sum_negative(pl.col("a"), 2)).to_series().to_list()
    assert pos == [None, 1.0, 3.0, 3.0] and neg == [None, 2.0, 2.0, 4.0]
    assert ci.ema_alpha(14) == pytest.approx(2 / 15)


# -- (2) column names --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_columns_and_dtypes_are_project_x_pys(case: dict[str, Any]) -> None:
    data = frame()
    out = run_case(case, data)
    added = [c for c in out.columns if c not in data.columns]
    assert added == case["columns"]
    assert [str(out[c].dtype) for c in added] == case["dtypes"]
    assert out.columns[: data.width] == data.columns and out.height == data.height


# -- (3) values are the core's -----------------------------------------------------------------

import projectx.indicators as core  # noqa: E402

# compat call -> (core call on the frame, {compat column: core column})
CORE: dict[str, tuple[Any, Any, dict[str, str]]] = {
    "SMA": (lambda d: ci.SMA(d), lambda d: core.SMA(d, period=20), {"sma_20": "sma"}),
    "EMA": (lambda d: ci.EMA(d), lambda d: core.EMA(d, period=20), {"ema_20": "ema"}),
    "WMA": (lambda d: ci.WMA(d), lambda d: core.WMA(d, period=20), {"wma_20": "wma"}),
    "DEMA": (lambda d: ci.DEMA(d), lambda d: core.DEMA(d, period=20), {"dema_20": "dema"}),
    "TEMA": (lambda d: ci.TEMA(d), lambda d: core.TEMA(d, period=20), {"tema_20": "tema"}),
    "TRIMA": (lambda d: ci.TRIMA(d), lambda d: core.TRIMA(d, period=20), {"trima_20": "trima"}),
    "T3": (lambda d: ci.T3(d), lambda d: core.T3(d, period=5), {"t3_5": "t3"}),
    "KAMA": (lambda d: ci.KAMA(d), lambda d: core.KAMA(d, period=30), {"kama_30": "kama"}),
    "MA": (
        lambda d: ci.MA(d, ma_type="tema", period=9),
        lambda d: core.MA(d, period=9, matype=4),
        {"tema_9": "ma"},
    ),
    "BBANDS": (
        lambda d: ci.BBANDS(d, std_dev=1.5),
        lambda d: core.BBANDS(d, period=20, nbdevup=1.5, nbdevdn=1.5),
        {"bb_upper_20": "upperband", "bb_middle_20": "middleband", "bb_lower_20": "lowerband"},
    ),
    "MIDPOINT": (lambda d: ci.MIDPOINT(d), lambda d: core.MIDPOINT(d), {"midpoint_14": "midpoint"}),
    "MIDPRICE": (lambda d: ci.MIDPRICE(d), lambda d: core.MIDPRICE(d), {"midprice_14": "midprice"}),
    "HT_TRENDLINE": (
        lambda d: ci.HT_TRENDLINE(d),
        core.HT_TRENDLINE,
        {"ht_trendline": "ht_trendline"},
    ),
    "MAMA": (lambda d: ci.MAMA(d), core.MAMA, {"mama": "mama", "fama": "fama"}),
    "SAR": (lambda d: ci.SAR(d), core.SAR, {"sar": "sar"}),
    "RSI": (lambda d: ci.RSI(d), lambda d: core.RSI(d, period=14), {"rsi_14": "rsi"}),
    "MACD": (
        lambda d: ci.MACD(d),
        core.MACD,
        {"macd": "macd", "macd_signal": "macdsignal", "macd_histogram": "macdhist"},
    ),
    "STOCH": (
        lambda d: ci.STOCH(d),
        lambda d: core.STOCHF(d, fastk_period=14, fastd_period=3),
        {"stoch_k_14": "fastk", "stoch_d_3": "fastd"},
    ),
    "WILLR": (lambda d: ci.WILLR(d), core.WILLR, {"williams_r_14": "willr"}),
    "CCI": (lambda d: ci.CCI(d), lambda d: core.CCI(d, period=20), {"cci_20": "cci"}),
    "ROC": (lambda d: ci.ROC(d), core.ROC, {"roc_10": "roc"}),
    "MOM": (lambda d: ci.MOM(d), core.MOM, {"mom_10": "mom"}),
    "ADX": (
        lambda d: ci.ADX(d),
        lambda d: core.ADX(core.PLUS_DI(core.MINUS_DI(d))),
        {"adx_14": "adx", "plus_di_14": "plus_di", "minus_di_14": "minus_di"},
    ),
    "ULTOSC": (lambda d: ci.ULTOSC(d), core.ULTOSC, {"ultosc_7_14_28": "ultosc"}),
    "ATR": (lambda d: ci.ATR(d), core.ATR, {"atr_14": "atr"}),
    "NATR": (lambda d: ci.NATR(d), core.NATR, {"natr_14": "natr"}),
    "TRANGE": (lambda d: ci.TRANGE(d), core.TRANGE, {"trange": "trange"}),
    "STDDEV": (
        lambda d: ci.STDDEV(d, ddof=0),
        lambda d: core.STDDEV(d, period=5),
        {"stddev_5": "stddev"},
    ),
    "OBV": (lambda d: ci.OBV(d), core.OBV, {"obv": "obv"}),
    "VWAP": (lambda d: ci.VWAP(d), lambda d: core.VWAP(d, anchor=None), {"vwap": "vwap"}),
    "AD": (lambda d: ci.AD(d), core.AD, {"ad": "ad"}),
    "ADOSC": (lambda d: ci.ADOSC(d), core.ADOSC, {"adosc_3_10": "adosc"}),
    "MFI": (lambda d: ci.calculate_money_flow_index(d), core.MFI, {"mfi_14": "mfi"}),
    "AROON": (
        lambda d: ci.calculate_aroon(d),
        core.AROON,
        {"aroon_up_14": "aroonup", "aroon_down_14": "aroondown"},
    ),
    "LORENZ": (
        lambda d: ci.LORENZ(d),
        core.LORENZ,
        {"lorenz_x": "lorenz_x", "lorenz_y": "lorenz_y", "lorenz_z": "lorenz_z"},
    ),
    "ORDERBLOCK": (
        lambda d: ci.ORDERBLOCK(d),
        lambda d: core.ORDER_BLOCK_ZONES(d, lookback=3, min_volume_percentile=50),
        {"ob_bullish": "ob_bull", "ob_top": "ob_top", "ob_strength": "ob_strength"},
    ),
    "FVG": (
        lambda d: ci.FVG(d),
        core.FVG_ZONES,
        {"fvg_gap_size": "fvg_size", "fvg_gap_percent": "fvg_percent", "fvg_bullish": "fvg_bull"},
    ),
    "WAE": (
        lambda d: ci.WAE(d),
        lambda d: core.WAE(d, atr_period=100, deadzone_mult=3.6),
        {"wae_explosion": "wae_explosion", "wae_dead_zone": "wae_deadzone"},
    ),
    "DOJI": (lambda d: ci.DOJI(d), core.DOJI_SCORE, {"doji_strength": "doji_score"}),
    "HAMMER": (lambda d: ci.HAMMER(d), core.HAMMER_SCORE, {"hammer_strength": "hammer_score"}),
}


@pytest.mark.parametrize("name", sorted(CORE))
def test_values_are_the_cores(name: str) -> None:
    ours, theirs, columns = CORE[name]
    data = frame()
    got, want = ours(data), theirs(data)
    for compat_col, core_col in columns.items():
        assert got[compat_col].to_list() == want[core_col].to_list(), compat_col


def test_custom_column_names_are_read() -> None:
    data = frame().rename({"high": "H", "low": "L", "close": "C"})
    got = ci.ATR(data, high_column="H", low_column="L", close_column="C")
    assert got["atr_14"].to_list() == ci.ATR(frame())["atr_14"].to_list()
    got = ci.SMA(frame(), column="open", period=10)
    assert got["sma_10"].to_list() == core.SMA(frame(), column="open", period=10)["sma"].to_list()


# -- (4) values against project-x-py's ---------------------------------------------------------

# Where project-x-py computes the textbook value: equal to 1e-9 on every row where ours has a
# value (ours is null on warm-up rows, where project-x-py often has 0).
SAME_AS_PXPY = {
    "SMA", "WMA", "TRIMA", "MA", "MIDPOINT", "MIDPRICE", "SAR", "SAREXT", "MAVP", "ROC", "ROCP",
    "ROCR", "ROCR100", "MOM", "WILLR", "STOCH", "STOCHF", "ULTOSC", "MFI", "BOP", "TRANGE",
    "STDDEV", "VWAP", "AD", "DOJI", "LORENZ", "LORENZIndicator", "SMAIndicator",
}  # fmt: skip

# Where project-x-py's formula is wrong or not the standard one: the reason (the test holds
# that the values do differ, so this list stays exact).
DIFFERENT = {
    "MA:ema": "as EMA",
    "EMA": "project-x-py's EMA is polars ewm_mean(adjust=True) from the first bar, no SMA seed",
    "DEMA": "built on project-x-py's unseeded EMA",
    "TEMA": "built on project-x-py's unseeded EMA",
    "T3": "built on project-x-py's unseeded EMA",
    "KAMA": "project-x-py seeds with the mean of the first period+1 values",
    "BBANDS": "project-x-py uses the sample deviation; Bollinger (and TA-Lib) the population one",
    "HT_TRENDLINE": "project-x-py's is an EMA(alpha=1/16), not the Hilbert transform trendline",
    "MAMA": "project-x-py's uses a fixed alpha, not Ehlers' phase-adaptive one",
    "RSI": "project-x-py's Wilder average starts at 0 on the first bar, not the SMA seed",
    "RSIIndicator": "as RSI",
    "STOCHRSI": "built on project-x-py's RSI",
    "MACD": "built on project-x-py's unseeded EMA",
    "MACDIndicator": "as MACD",
    "MACDEXT": "built on project-x-py's unseeded EMA",
    "MACDFIX": "built on project-x-py's unseeded EMA",
    "PPO": "built on project-x-py's unseeded EMA",
    "APO": "built on project-x-py's unseeded EMA",
    "TRIX": "unseeded EMAs and a 10000 scale (TA-Lib's TRIX is a percent)",
    "CMO": "project-x-py sums gains/losses; TA-Lib's CMO is Wilder-smoothed like its RSI",
    "CCI": "project-x-py's mean deviation is around each bar's own SMA, not the window's",
    "ADX": "project-x-py's Wilder averages start at 0 on the first bar (no SMA seed)",
    "ADXR": "as ADX, and project-x-py averages with ADX period bars back, TA-Lib period-1",
    "DX": "as ADX",
    "PLUS_DI": "as ADX",
    "MINUS_DI": "as ADX",
    "PLUS_DM": "project-x-py's is an average; TA-Lib's (Wilder's) DM is the smoothed sum",
    "MINUS_DM": "as PLUS_DM",
    "AROON": "project-x-py's window is period bars; Aroon's (TA-Lib's) is period+1",
    "AROONOSC": "as AROON",
    "ATR": "project-x-py's Wilder average starts at the first TR, not the SMA seed",
    "ATRIndicator": "as ATR",
    "NATR": "as ATR",
    "OBV": "project-x-py starts at 0; TA-Lib's OBV starts at the first bar's volume",
    "ADOSC": "built on project-x-py's unseeded EMA",
    "WAE": "project-x-py's explosion is BB width * |MACD| * sensitivity / bb_period and its "
    "trend the MACD's sign; LazyBear's WAE: explosion = BB width, trend = MACD change",
    "FVG": "project-x-py also requires the middle candle to leave the gap open",
    "ORDERBLOCK": "project-x-py confirms with a later *high* above the block (any wick); ours "
    "with a close beyond it (the usual definition)",
    "OrderBlock": "as ORDERBLOCK",
    "HAMMER": "project-x-py caps the sum of the sub-scores at 100, then divides by 3, so "
    "is_hammer is never True with min_strength=50; ours caps the mean",
    "Hammer": "as HAMMER",
    "SHOOTINGSTAR": "as HAMMER",
    "ShootingStar": "as HAMMER",
    "BULLISHENGULFING": "project-x-py's engulfing compares open/close strictly and not the "
    "bodies' sizes; ours is the core's ENGULFING",
    "BullishEngulfing": "as BULLISHENGULFING",
}


def _key(case: dict[str, Any]) -> str:
    name: str = case["name"]
    if name.startswith("calculate_"):
        stem = name.removeprefix("calculate_").upper()
        aliases = {
            "BOLLINGER_BANDS": "BBANDS",
            "COMMODITY_CHANNEL_INDEX": "CCI",
            "MONEY_FLOW_INDEX": "MFI",
            "STOCHASTIC": "STOCH",
            "ULTIMATE_OSCILLATOR": "ULTOSC",
            "WILLIAMS_R": "WILLR",
            "ORDER_BLOCK": "ORDERBLOCK",
        }
        return aliases.get(stem, stem)
    if name in ("MA", "calculate_ma") and case["kwargs"].get("ma_type", "sma") not in (
        "sma",
        "wma",
    ):
        return f"MA:{case['kwargs']['ma_type']}"
    return {"Doji": "DOJI"}.get(name, name)


def _same(ours: list[Any], theirs: list[Any]) -> bool:
    for x, y in zip(ours, theirs, strict=True):
        if x is None:
            continue
        if y is None or y == "NaN":
            return False
        if isinstance(x, bool) or isinstance(y, bool):
            if x != y:
                return False
        elif not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
            return False
    return True


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_values_against_project_x_py(case: dict[str, Any]) -> None:
    key = _key(case)
    assert key in SAME_AS_PXPY or key in DIFFERENT, f"{key}: classify it"
    out = run_case(case, frame())
    same = {c: _same(out[c].to_list(), case["values"][c]) for c in case["columns"]}
    if key in SAME_AS_PXPY:
        assert all(same.values()), same
        nulls = [i for i, v in enumerate(out[case["columns"][-1]].to_list()) if v is None]
        assert nulls == list(range(len(nulls))), "ours is null only on the leading warm-up"
    else:
        assert not all(same.values()), f"{key} now equals project-x-py: move it to SAME_AS_PXPY"


# -- (5) bad input -----------------------------------------------------------------------------

BAD_CALLS = {
    "wrong column": lambda d: ci.SMA(d, column="nope"),
    "wrong high column": lambda d: ci.ATR(d, high_column="nope"),
    "period 0": lambda d: ci.RSI(d, period=0),
    "negative period": lambda d: ci.EMA(d, period=-3),
    "float period": lambda d: ci.SMA(d, period=2.5),
    "str period": lambda d: ci.MACD(d, fast_period="12"),
    "bool period": lambda d: ci.ATR(d, period=True),
    "empty frame": lambda d: ci.SMA(d.clear()),
    "not a frame": lambda d: ci.RSI({"close": [1.0]}),
    "None": lambda d: ci.BBANDS(None),
    "fast >= slow": lambda d: ci.MACD(d, fast_period=26, slow_period=12),
    "unknown MA type": lambda d: ci.MA(d, ma_type="hull"),
    "too few rows": lambda d: ci.SMA(d.head(5), period=20),
    "class, period 0": lambda d: ci.OrderBlock().calculate(d, lookback_periods=0),
    "class, wrong column": lambda d: ci.RSIIndicator().calculate(d, column="nope"),
    "bad std_dev": lambda d: ci.BBANDS(d, std_dev=0),
}


@pytest.mark.parametrize("what", sorted(BAD_CALLS))
def test_bad_input_raises_indicator_error(what: str) -> None:
    with pytest.raises(ci.IndicatorError) as info:
        BAD_CALLS[what](frame())
    assert isinstance(info.value, ValidationError) and str(info.value)


def test_a_core_error_is_raised_as_indicator_error() -> None:
    with_gap = frame().with_columns(
        pl.when(pl.int_range(pl.len()) == 50).then(None).otherwise(pl.col("close")).alias("close")
    )
    with pytest.raises(ci.IndicatorError) as info:
        ci.RSI(with_gap)
    assert isinstance(info.value.__cause__, ValidationError)


# -- the README's chaining and the class interface ----------------------------------------------


def test_pipe_chains_as_in_the_readme() -> None:
    data = frame().pipe(ci.SMA, period=20).pipe(ci.RSI, period=14)
    assert {"sma_20", "rsi_14"} <= set(data.columns)
    assert data["rsi_14"].to_list() == core.RSI(frame(), period=14)["rsi"].to_list()
    again = data.pipe(ci.SMA, period=20)
    assert again.columns == data.columns  # same name: replaced, not duplicated


def test_class_interface_and_cache() -> None:
    ob = ci.OrderBlock()
    assert ob.name == "OrderBlock" and isinstance(ob, ci.BaseIndicator)
    first = ob(frame(), use_wicks=False)
    assert ob(frame(), use_wicks=False) is first  # cached on content and keywords
    assert ob(frame(), use_wicks=True) is not first
    changed = frame().with_columns(pl.col("volume") + 1)
    assert ob(changed, use_wicks=False) is not first
    rsi = ci.RSIIndicator()
    assert isinstance(rsi, ci.MomentumIndicator) and rsi.category == "momentum"
    assert rsi.calculate(frame(), period=7).columns[-1] == "rsi_7"
