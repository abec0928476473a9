"""projectx.compat.utils mirrors project-x-py 4.4.1's utilities over the core."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from projectx import sessions
from projectx.compat import utils
from projectx.compat.exceptions import ProjectXConnectionError, ProjectXDataError, ProjectXError
from projectx.compat.utils import deprecation, error_messages, logging_config, task_management
from projectx.exceptions import ValidationError
from projectx.redaction import forget_secret, register_secret
from projectx.timeframes import TimeframeError
from tests.compat._pxpy_facts import FACTS, modules, problems

API = json.loads(Path(__file__).with_name("pxpy_public_api.json").read_text())["modules"]
SKIPPED = {"lock_benchmarker", "lock_optimization", "lock_profiler_tool"}


@pytest.mark.parametrize("module", modules("project_x_py.utils"))
def test_names_and_signatures_match_project_x_py(module: str) -> None:
    assert problems(module) == []


def test_every_module_but_the_lock_tools_is_mirrored() -> None:
    mirrored = {m.rsplit(".", 1)[-1] for m in FACTS if m.startswith("project_x_py.utils.")}
    listed = {m.rsplit(".", 1)[-1] for m in API if m.startswith("project_x_py.utils.")}
    assert listed - mirrored == SKIPPED
    assert sorted(utils.__all__) == sorted(API["project_x_py.utils"])


# ------------------------------------------------------------------ trading calculations
def test_round_to_tick_size_is_on_the_grid() -> None:
    assert utils.round_to_tick_size(100.37, 0.25) == 100.25
    assert utils.round_to_tick_size(100.38, 0.25) == 100.5
    assert utils.round_to_tick_size(4500.125, 0.25) == 4500.25  # half away from zero
    assert utils.round_to_tick_size(1.23456, 0.1) == 1.2
    with pytest.raises(ValidationError):
        utils.round_to_tick_size(100.0, 0)
    with pytest.raises(ValidationError):
        utils.round_to_tick_size(-1.0, 0.25)


def test_tick_and_position_value() -> None:
    # MNQ: tick 0.25 worth $0.50 -> $2 a point
    assert utils.calculate_tick_value(-10.0, 0.25, 0.5) == 20.0
    assert utils.calculate_position_value(-3, 20000.0, 0.5, 0.25) == 3 * 20000.0 * 2.0
    with pytest.raises(ValidationError):
        utils.calculate_position_value(1.5, 1.0, 0.5, 0.25)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        utils.calculate_tick_value(1.0, 0.25, -1.0)


def test_risk_reward_ratio() -> None:
    assert utils.calculate_risk_reward_ratio(100.0, 95.0, 110.0) == 2.0
    assert utils.calculate_risk_reward_ratio(100.0, 104.0, 90.0) == 2.5
    for args in ((100.0, 100.0, 110.0), (100.0, 95.0, 99.0), (100.0, 105.0, 101.0)):
        with pytest.raises(ValidationError):
            utils.calculate_risk_reward_ratio(*args)


def test_position_sizing_uses_fractions() -> None:
    out = utils.calculate_position_sizing(50_000, 0.01, 20_000.0, 19_990.0, 0.5, 0.25)
    # 10 points = 40 ticks = $20 a contract; budget $500 -> 25 contracts
    assert out["position_size"] == 25
    assert out["dollar_risk_per_contract"] == 20.0
    assert out["max_dollar_risk"] == 500.0
    assert out["actual_risk_percent"] == pytest.approx(0.01)
    assert "error" in utils.calculate_position_sizing(50_000, 0.01, 100.0, 100.0)
    with pytest.raises(ValidationError):
        utils.calculate_position_sizing(50_000, 1.5, 100.0, 99.0)


# ----------------------------------------------------------------- portfolio analytics
def test_sharpe_ratio_matches_the_definition() -> None:
    returns = [0.01, -0.005, 0.002, 0.007, -0.001, 0.004]
    arr = np.asarray(returns)
    expected = (arr.mean() * 252 - 0.02) / (arr.std(ddof=1) * math.sqrt(252))
    got = utils.calculate_sharpe_ratio(pl.DataFrame({"returns": returns}))
    assert got == pytest.approx(expected)
    assert utils.calculate_sharpe_ratio(pl.DataFrame({"returns": [0.01, 0.01]})) == 0.0
    with pytest.raises(ValidationError):
        utils.calculate_sharpe_ratio(pl.DataFrame({"r": [0.1]}))


def test_max_drawdown_is_measured_from_the_running_peak() -> None:
    prices = [100.0, 110.0, 99.0, 105.0, 120.0, 108.0]
    out = utils.calculate_max_drawdown(pl.DataFrame({"close": prices}))
    assert out["max_drawdown"] == pytest.approx(99.0 / 110.0 - 1)
    assert out["max_drawdown_duration"] == 2  # 99 and 105 below the 110 peak


def test_portfolio_metrics() -> None:
    trades = [{"pnl": 500.0}, {"pnl": -200.0}, {"pnl": -300.0}, {"pnl": 1000.0}, {}]
    m = utils.calculate_portfolio_metrics(trades, initial_balance=10_000.0)
    assert m["total_trades"] == 5 and m["total_pnl"] == 1000.0
    assert m["win_rate"] == 0.4 and m["profit_factor"] == 1500.0 / 500.0
    assert m["max_drawdown"] == pytest.approx(500.0 / 10_500.0)
    assert m["max_drawdown_duration"] == 2
    assert m["expectancy"] == 200.0 and m["total_return"] == 0.1
    assert (m["largest_win"], m["largest_loss"]) == (1000.0, -300.0)
    assert "error" in utils.calculate_portfolio_metrics([])
    assert utils.calculate_portfolio_metrics([{"pnl": 5.0}])["profit_factor"] == math.inf


def test_volatility_and_correlation() -> None:
    close = [100.0, 101.0, 100.5, 102.0, 101.0, 103.0]
    v = utils.calculate_volatility_metrics(pl.DataFrame({"close": close}), window=3)
    r = np.diff(close) / np.asarray(close[:-1])
    assert v["volatility"] == pytest.approx(r.std(ddof=1))
    assert v["annualized_return"] == pytest.approx(r.mean() * 252)
    assert "avg_rolling_volatility" in v
    frame = pl.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 4.0, 6.0, 8.5], "c": [4, 3, 2, 1]})
    m = utils.calculate_correlation_matrix(frame)
    assert m["column"].to_list() == ["a", "b", "c"]
    assert m.filter(pl.col("column") == "a")["c"][0] == pytest.approx(-1.0)
    assert m.filter(pl.col("column") == "a")["b"][0] == pytest.approx(
        np.corrcoef([1, 2, 3, 4], [2, 4, 6, 8.5])[0, 1]
    )


# ------------------------------------------------------------------------ market utils
def test_contract_ids_and_timeframes() -> None:
    assert utils.validate_contract_id("CON.F.US.MNQ.Z25") and utils.validate_contract_id("MNQ")
    assert not utils.validate_contract_id("CON.F.US.MNQ.Z2")
    assert utils.extract_symbol_from_contract_id("CON.F.US.MES.H26") == "MES"
    assert utils.extract_symbol_from_contract_id("garbage") is None
    assert [
        utils.convert_timeframe_to_seconds(t) for t in ("30s", "5min", "1h", "4hr", "1d", "2w")
    ] == [
        30,
        300,
        3600,
        14400,
        86400,
        1_209_600,
    ]
    with pytest.raises(TimeframeError):
        utils.convert_timeframe_to_seconds("5 fortnights")


def test_market_hours_agree_with_the_core_calendar() -> None:
    now_ns = time.time_ns()
    info = utils.get_market_session_info("America/Chicago")
    assert info["is_open"] == sessions.in_session(now_ns, "ETH") == utils.is_market_hours()
    assert info["current_time"].tzinfo is not None and info["timezone"] == "America/Chicago"
    key = "time_until_close" if info["is_open"] else "time_until_open"
    assert isinstance(info[key], timedelta) and info[key] > timedelta(0)
    with pytest.raises(ValidationError):
        utils.is_market_hours("Nowhere/Land")


# --------------------------------------------------------------------- data and format
def test_formatting_and_data_utils() -> None:
    assert utils.format_price(1234.5) == "$1,234.50"
    assert [utils.format_volume(v) for v in (999, 1500, 2_500_000)] == ["999", "1.5K", "2.5M"]
    t0 = datetime(2025, 1, 6, 15, tzinfo=UTC)
    df = pl.DataFrame({"timestamp": [t0, t0 + timedelta(minutes=5)], "close": [1.0, 3.0]})
    assert utils.get_polars_rows(df) == 2 and utils.get_polars_last_value(df, "close") == 3.0
    snap = utils.create_data_snapshot(df, "x")
    assert snap["row_count"] == 2 and snap["timespan"] == 300.0
    assert snap["statistics"]["close"]["mean"] == 2.0
    assert utils.create_data_snapshot(df.head(0))["empty"] is True


def test_get_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PX_TEST_VAR", raising=False)
    assert utils.get_env_var("PX_TEST_VAR", "d") == "d"
    with pytest.raises(ValidationError):
        utils.get_env_var("PX_TEST_VAR", required=True)


# ------------------------------------------------------------------------- patterns
def test_candlestick_patterns_follow_the_definitions() -> None:
    bars = pl.DataFrame(
        {
            "o": [10.0, 10.0, 9.2, 10.0],
            "h": [10.5, 10.1, 10.0, 12.0],
            "l": [9.5, 8.0, 9.15, 10.0],
            "c": [10.02, 10.05, 9.3, 11.9],
        }
    )
    out = utils.detect_candlestick_patterns(bars, "o", "h", "l", "c")
    assert out["doji"].to_list() == [True, True, False, False]
    assert out["hammer"].to_list() == [False, True, False, False]
    assert out["shooting_star"].to_list() == [False, False, True, False]
    assert out["long_body"].to_list() == [False, False, False, True]
    assert out["bullish_candle"].to_list() == [True, True, True, True]
    with pytest.raises(ValidationError):
        utils.detect_candlestick_patterns(bars)


def test_chart_patterns_find_a_double_top() -> None:
    prices = [100.0] * 5 + [110.0] + [100.0] * 3 + [109.5] + [100.0] * 10
    out = utils.detect_chart_patterns(pl.DataFrame({"close": prices}), window=5)
    assert out["double_tops"][0]["index1"] == 5 and out["double_tops"][0]["index2"] == 9
    assert "error" in utils.detect_chart_patterns(pl.DataFrame({"close": prices[:9]}), window=5)


# -------------------------------------------------------------------------- logging
@pytest.fixture
def restore_logging() -> object:
    root, sdk = logging.getLogger(), logging.getLogger("projectx")
    saved = (root.level, list(root.handlers), sdk.level, list(sdk.handlers), sdk.propagate)
    yield
    for logger, handlers in ((root, saved[1]), (sdk, saved[3])):
        for h in list(logger.handlers):
            if h not in handlers:
                logger.removeHandler(h)
                h.close()
    root.setLevel(saved[0])
    sdk.setLevel(saved[2])
    sdk.propagate = saved[4]


@pytest.mark.usefixtures("restore_logging")
def test_setup_logging_configures_a_file_and_scrubs_secrets(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    logger = utils.setup_logging("debug", "%(levelname)s %(name)s %(message)s", str(path))
    assert logger.name == "projectx"
    assert logging.getLogger().level == logging.DEBUG
    register_secret("s3cret-token-value")
    try:
        logging.getLogger("user.strategy").warning("token=%s", "s3cret-token-value")
    finally:
        forget_secret("s3cret-token-value")
    text = path.read_text()
    assert "WARNING user.strategy token=***" in text and "s3cret" not in text
    utils.setup_logging("INFO", filename=str(path))  # replaces, does not add
    assert (
        sum(
            getattr(h, "_projectx_compat_setup_logging", False)
            for h in logging.getLogger().handlers
        )
        == 1
    )
    with pytest.raises(ValidationError):
        utils.setup_logging("LOUD")


@pytest.mark.usefixtures("restore_logging")
def test_configure_sdk_logging_json_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    path = tmp_path / "sdk.jsonl"
    utils.configure_sdk_logging(logging.DEBUG, format_json=True, log_file=str(path))
    sdk = logging.getLogger("projectx")
    assert sdk.level == logging.DEBUG and not sdk.propagate and len(sdk.handlers) == 2
    register_secret("api-key-abcdef-123")
    try:
        logging.getLogger("projectx.compat.test").info(
            "placed %s", "order", extra={"order_id": 7, "key": "api-key-abcdef-123"}
        )
    finally:
        forget_secret("api-key-abcdef-123")
    for text in (stream.getvalue(), path.read_text()):
        record = json.loads(text.strip().splitlines()[-1])
        assert record["message"] == "placed order" and record["order_id"] == 7
        assert record["level"] == "INFO" and record["logger"] == "projectx.compat.test"
        assert record["key"] == "***" and "api-key-abcdef" not in text
    utils.configure_sdk_logging(logging.WARNING)
    assert len(sdk.handlers) == 1 and sdk.level == logging.WARNING


def test_log_context_and_helpers(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("projectx.compat.ctx")
    with caplog.at_level(logging.DEBUG, logger="projectx.compat.ctx"):
        with utils.LogContext(log, order_id=42) as adapter:
            log.info("inside")
            adapter.info("adapter")
        log.info("outside")
        utils.log_api_call(log, "POST", "/Order/place", status_code=200, duration=0.25)
        logging_config.log_performance(log, "op", time.time() - 1.0)
    inside, adapted, outside, api, perf = caplog.records
    assert inside.order_id == 42 and adapted.order_id == 42  # type: ignore[attr-defined]
    assert not hasattr(outside, "order_id")
    assert api.levelno == logging.DEBUG and api.duration_ms == 250.0  # type: ignore[attr-defined]
    assert perf.duration_seconds >= 1.0  # type: ignore[attr-defined]
    assert utils.LogMessages.API_ERROR == "API request failed"


def test_projectx_logger_gets_a_structured_handler() -> None:
    log = utils.ProjectXLogger.get_logger("projectx.compat.structured-test")
    try:
        assert isinstance(log.handlers[0].formatter, logging_config.StructuredFormatter)
        assert not log.propagate
    finally:
        log.handlers.clear()


# ----------------------------------------------------------------- errors, decorators
async def test_handle_errors_translates_and_defaults() -> None:
    @utils.handle_errors("op")
    async def boom() -> None:
        raise KeyError("k")

    @utils.handle_errors("op", reraise=False, default_return=5)
    def quiet() -> int:
        raise ProjectXDataError("bad")

    with pytest.raises(ProjectXError) as info:
        await boom()
    assert isinstance(info.value.__cause__, KeyError)
    assert quiet() == 5


async def test_retry_on_network_error_retries_then_raises() -> None:
    calls = []

    @utils.retry_on_network_error(max_attempts=3, initial_delay=0.0)
    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ProjectXConnectionError("down")
        return "ok"

    assert await flaky() == "ok" and len(calls) == 3

    @utils.retry_on_network_error(max_attempts=2, initial_delay=0.0)
    def never() -> None:
        raise ProjectXConnectionError("down")

    with pytest.raises(ProjectXConnectionError):
        never()


def test_validate_response_and_error_context(caplog: pytest.LogCaptureFixture) -> None:
    @utils.validate_response(required_fields=["id"], response_type=dict)
    def answer(x: object) -> object:
        return x

    assert answer({"id": 1}) == {"id": 1}
    for bad in ({"x": 1}, [1]):
        with pytest.raises(ProjectXDataError):
            answer(bad)
    with caplog.at_level(logging.ERROR), utils.ErrorContext("batch") as ctx:
        ctx.add_error("a", ValueError("x"))
        ctx.add_error("b", ValueError("y"))
    assert ctx.get_summary() == "2 errors: 2 ValueError"
    assert "Errors during batch" in caplog.text


def test_error_messages() -> None:
    assert (
        utils.format_error_message(utils.ErrorMessages.ORDER_NOT_FOUND, order_id=7)
        == "Order not found: 7"
    )
    assert "missing value" in utils.format_error_message("{a}")
    assert (
        error_messages.get_error_code(ProjectXConnectionError("x")) == utils.ErrorCode.CONN_FAILED
    )
    assert error_messages.get_error_code(ValueError()) is None
    wrapped = error_messages.enhance_exception(ValueError("v"), "place", order=1)
    assert isinstance(wrapped, ProjectXError) and wrapped.response_data["order"] == 1


async def test_rate_limiter_spaces_requests() -> None:
    limiter = utils.RateLimiter(max_requests=2, window_seconds=0.2)
    start = time.monotonic()
    for _ in range(3):
        await limiter.acquire()
    assert time.monotonic() - start >= 0.19
    with pytest.raises(ValidationError):
        utils.RateLimiter(0, 1.0)


def test_deprecation_helpers() -> None:
    @deprecation.deprecated("old", version="1.0", replacement="new()")
    def old() -> int:
        return 1

    with pytest.warns(DeprecationWarning, match=r"old Deprecated since v1.0. Use new\(\) instead."):
        assert old() == 1
    assert deprecation.check_deprecated_usage(old)["replacement"] == "new()"  # type: ignore[index]

    @deprecation.deprecated_class("gone")
    class Old:
        pass

    with pytest.warns(DeprecationWarning, match="Old is deprecated"):
        Old()

    @deprecation.deprecated_parameter("size", "use qty")
    def f(size: int | None = None) -> None:
        return None

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f()
    with pytest.warns(DeprecationWarning, match="Parameter 'size'"):
        f(size=1)


async def test_task_management() -> None:
    failures: list[BaseException] = []

    async def fail() -> None:
        raise RuntimeError("x")

    task = task_management.create_fire_and_forget_task(fail(), "t", failures.append)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert task.done() and isinstance(failures[0], RuntimeError)

    async with task_management.AsyncContextManager() as manager:
        sleeper = manager._create_task(asyncio.sleep(10), "sleeper", persistent=True)
        assert manager.get_task_stats()["pending_tasks"] == 1
    assert sleeper.cancelled()
