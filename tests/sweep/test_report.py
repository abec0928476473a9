"""The report's figures (no Ray, no browser): aggregation over inputs, the best set per heatmap
cell, cells no run tried, the best curves; bad options are typed errors."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from projectx.exceptions import ValidationError
from projectx.sweep.report import aggregate, report_data, write_report
from projectx.sweep.result import SweepResult

PARAMS = [
    {"fast": 3, "slow": 8, "stop": 1.0},
    {"fast": 3, "slow": 8, "stop": 2.0},
    {"fast": 5, "slow": 8, "stop": 1.0},
    {"fast": 3, "slow": 13, "stop": 1.0},
]
NET = {0: [10.0, -4.0], 1: [2.0, 9.0], 2: [-1.0, -2.0], 3: [None, 5.0]}  # per input
WIN = {0: [0.5, 1.0], 1: [0.25, 0.75], 2: [0.0, 0.0], 3: [None, 1.0]}


def _result() -> SweepResult:
    rows = [
        {"param_set": i, **p, "input_index": j, "input": f"in{j}", "net_pnl": NET[i][j],
         "win_rate": WIN[i][j], "error": None if NET[i][j] is not None else "ValueError: x"}
        for i, p in enumerate(PARAMS) for j in range(2)
    ]  # fmt: skip
    trades = pl.DataFrame(
        {
            "param_set": [1, 1, 1, 0, 0],
            "input_index": [1, 0, 0, 0, 1],
            "exit_ns": [5, 9, 1, 3, 2],
            "pnl": [9.0, 3.0, -1.0, 10.0, -4.0],
        }
    )
    return SweepResult(
        pl.DataFrame(rows), trades, pl.DataFrame(), PARAMS, ["in0", "in1"], "s", 0.0, 0.0, 1, ""
    )


def test_a_set_is_scored_over_its_inputs_summed_or_averaged() -> None:
    net = aggregate(_result(), "net_pnl")
    assert net["param_set"].to_list() == [1, 0, 2, 3]  # best first, failed last
    assert net["value"].to_list() == [11.0, 6.0, -3.0, None]
    win = aggregate(_result(), "win_rate")
    assert win["value"].to_list()[:3] == [0.75, 0.5, 0.0]
    with pytest.raises(ValidationError, match="unknown metric"):
        aggregate(_result(), "pnl")


def test_each_heatmap_cell_is_the_best_set_with_its_two_values() -> None:
    data = report_data(_result(), top=2)
    assert (data["x"], data["y"], data["xs"], data["ys"]) == ("fast", "slow", [3, 5], [8, 13])
    cells = {(data["xs"][c["x"]], data["ys"][c["y"]]): c for c in data["cells"]}
    assert cells[(3, 8)]["value"] == 11.0 and cells[(3, 8)]["params"]["stop"] == 2.0
    assert cells[(5, 8)]["value"] == -3.0
    assert cells[(3, 13)]["run"] and cells[(3, 13)]["value"] is None  # its run failed
    assert not cells[(5, 13)]["run"] and cells[(5, 13)]["value"] is None  # never run
    assert [c["param_set"] for c in data["curves"]] == [1, 0]
    # input after input, in exit order within an input
    assert data["curves"][0]["equity"] == [0.0, -1.0, 2.0, 11.0]
    assert data["curves"][1]["equity"] == [0.0, 10.0, 6.0]


def test_the_page_embeds_its_data_and_loads_nothing(tmp_path: Path) -> None:
    result = _result()
    page = write_report(result, tmp_path / "sub" / "r.html", x="stop", y="fast", top=1)
    text = page.read_text()
    assert result.files["report"] == page
    assert '"x": "stop", "y": "fast"' in text
    assert "default-src 'none'" in text and "<script src" not in text and "<link" not in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"x": "nope"}, "'nope' is not a parameter"),
        ({"x": "fast", "y": "fast"}, "both 'fast'"),
        ({"top": -1}, "top must be >= 0"),
        ({"metric": "pnl"}, "unknown metric"),
    ],
)
def test_bad_report_options_are_typed_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        report_data(_result(), **options)  # type: ignore[arg-type]
