"""A sweep's HTML report: one self-contained file (no network, no CDN, no external file).

Two parts, drawn as inline SVG by a small inline script from the data embedded in the page:

* a heatmap of a metric over two chosen parameters (``x`` and ``y``): one cell per pair of
  their values; a cell shows the best parameter set with those two values (the other
  parameters at whatever value scores highest), its metric aggregated over the inputs (summed
  for the additive figures of :data:`SUMMED`, else the mean); a pair no run tried (an Optuna
  search tries only some) is a grey cell marked ``not run``;
* the equity curves of the best ``top`` parameter sets by the same aggregate: the cumulated
  P&L of their round trips, input after input in input order, against the round-trip number.

The figures are the sweep table's own (:class:`~projectx.sweep.result.SweepResult`); the
page's cells carry them in ``data-value`` attributes and ``<title>`` tooltips.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import Any

import polars as pl

from projectx.exceptions import ValidationError
from projectx.sweep.metrics import METRIC_SCHEMA
from projectx.sweep.result import SweepResult

__all__ = ["SUMMED", "aggregate", "report_data", "write_report"]

#: metrics summed over a parameter set's inputs (the others are averaged)
SUMMED = frozenset({"net_pnl", "gross_pnl", "fees", "trades", "fills"})


def _names(result: SweepResult) -> list[str]:
    return list(result.params[0]) if result.params else []


def aggregate(result: SweepResult, metric: str = "net_pnl") -> pl.DataFrame:
    """One row per parameter set: ``param_set``, the parameters and ``value`` (``metric``
    summed or averaged over the inputs, see :data:`SUMMED`; null when a run of the set failed),
    best first."""
    if metric not in METRIC_SCHEMA:
        raise ValidationError(f"unknown metric {metric!r}; one of {', '.join(METRIC_SCHEMA)}")
    names = _names(result)
    col = pl.col(metric).cast(pl.Float64)
    agg = col.sum() if metric in SUMMED else col.mean()
    value = pl.when(pl.col(metric).null_count() > 0).then(None).otherwise(agg)
    return (
        result.table.group_by("param_set", maintain_order=True)
        .agg(*[pl.col(n).first() for n in names], value.alias("value"))
        .sort(["value", "param_set"], descending=[True, False], nulls_last=True)
    )


def _finite(v: Any) -> float | None:
    return float(v) if v is not None and math.isfinite(float(v)) else None


def report_data(
    result: SweepResult,
    *,
    x: str | None = None,
    y: str | None = None,
    metric: str = "net_pnl",
    top: int = 5,
) -> dict[str, Any]:
    """What the page draws (see the module docstring), as JSON-ready data. ``x``/``y``
    default to the first two parameters (``y`` to none with a single parameter)."""
    names = _names(result)
    x = x or (names[0] if names else None)
    y = y if y is not None else (next((n for n in names if n != x), None))
    for axis, name in (("x", x), ("y", y)):
        if name is not None and name not in names:
            raise ValidationError(f"report {axis}: {name!r} is not a parameter ({names})")
    if x is None:
        raise ValidationError("a report needs a swept parameter")
    if x == y:
        raise ValidationError(f"report x and y are both {x!r}")
    if top < 0:
        raise ValidationError(f"report top must be >= 0, got {top}")
    scores = aggregate(result, metric)
    xs = sorted(set(p[x] for p in result.params), key=_order)
    ys = sorted(set(p[y] for p in result.params), key=_order) if y else [None]
    cells: list[dict[str, Any]] = []
    for yi, yv in enumerate(ys):
        for xi, xv in enumerate(xs):
            rows = scores.filter(pl.col(x) == xv)
            if y is not None:
                rows = rows.filter(pl.col(y) == yv)
            best = rows.row(0, named=True) if rows.height else None
            cells.append(
                {
                    "x": xi,
                    "y": yi,
                    "value": _finite(best["value"]) if best else None,
                    "run": best is not None,
                    "params": {n: best[n] for n in names} if best else None,
                }
            )
    curves: list[dict[str, Any]] = []
    ranked = scores.filter(pl.col("value").is_not_null()).head(top)
    for row in ranked.iter_rows(named=True):
        equity = [0.0]
        if result.trades.height:
            trades = result.trades.filter(pl.col("param_set") == row["param_set"])
            for pnl in trades.sort(["input_index", "exit_ns"])["pnl"].to_list():
                equity.append(equity[-1] + float(pnl))
        curves.append(
            {
                "param_set": row["param_set"],
                "params": {n: row[n] for n in names},
                "value": _finite(row["value"]),
                "equity": equity,
            }
        )
    return {
        "strategy": result.strategy,
        "metric": metric,
        "aggregate": "sum" if metric in SUMMED else "mean",
        "x": x,
        "y": y,
        "xs": xs,
        "ys": ys,
        "cells": cells,
        "curves": curves,
        "runs": result.table.height,
        "inputs": result.inputs,
    }


def _order(v: Any) -> tuple[int, Any]:
    return (0, v) if isinstance(v, int | float) else (1, str(v))


def write_report(
    result: SweepResult,
    path: str | os.PathLike[str],
    *,
    x: str | None = None,
    y: str | None = None,
    metric: str = "net_pnl",
    top: int = 5,
) -> Path:
    """Write the report of ``result`` to ``path`` (one HTML file) and return its path."""
    data = report_data(result, x=x, y=y, metric=metric, top=top)
    blob = json.dumps(data, allow_nan=False).replace("</", "<\\/")
    title = html.escape(f"sweep of {result.strategy}")
    page = _PAGE.replace("{{title}}", title).replace("{{data}}", blob)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    result.files["report"] = out
    return out


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>{{title}}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
svg text { font: 12px system-ui, sans-serif; }
.cell.empty { fill: #ddd; }
.curve { fill: none; stroke-width: 2; }
</style></head>
<body>
<h1>{{title}}</h1>
<p id="summary"></p>
<h2 id="heatmap-title"></h2><div id="heatmap"></div>
<h2 id="curves-title"></h2><div id="curves"></div>
<script type="application/json" id="sweep-data">{{data}}</script>
<script>
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("sweep-data").textContent);
  const NS = "http://www.w3.org/2000/svg";
  function el(tag, attrs, parent, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(v) { return v === null ? "n/a" : v.toFixed(2); }
  function label(p) { return Object.keys(p).map(k => k + "=" + p[k]).join(" "); }
  const what = D.metric + " (" + D.aggregate + " over " + D.inputs.length + " input(s))";
  document.getElementById("summary").textContent =
    D.runs + " runs of " + D.strategy + "; heatmap and ranking by " + what;
  document.getElementById("heatmap-title").textContent =
    what + " by " + D.x + (D.y ? " and " + D.y : "");
  const cw = 72, ch = 32, left = 90, topm = 10;
  const hm = el("svg", {id: "heatmap-svg", width: left + cw * D.xs.length + 20,
    height: topm + ch * D.ys.length + 50}, document.getElementById("heatmap"));
  const vals = D.cells.filter(c => c.value !== null).map(c => Math.abs(c.value));
  const scale = vals.length ? Math.max(...vals) || 1 : 1;
  for (const c of D.cells) {
    const x = left + c.x * cw, y = topm + (D.ys.length - 1 - c.y) * ch;
    let fill = "#ddd";
    if (c.value !== null) {
      const t = Math.min(Math.abs(c.value) / scale, 1);
      const other = Math.round(255 - 180 * t);
      fill = c.value >= 0 ? `rgb(${other},${Math.round(255 - 60 * t)},${other})`
                          : `rgb(${Math.round(255 - 30 * t)},${other},${other})`;
    }
    const r = el("rect", {class: c.run ? "cell" : "cell empty", x: x, y: y, width: cw - 2,
      height: ch - 2, fill: fill, "data-x": D.xs[c.x], "data-y": D.ys[c.y],
      "data-value": c.value === null ? "" : String(c.value)}, hm);
    el("title", {}, r, c.run ? label(c.params) + ": " + fmt(c.value) : "not run");
    el("text", {class: "cell-label", x: x + cw / 2 - 1, y: y + ch / 2 + 4,
      "text-anchor": "middle"}, hm, c.run ? fmt(c.value) : "not run");
  }
  D.xs.forEach((v, i) => el("text", {x: left + i * cw + cw / 2, y: topm + ch * D.ys.length + 16,
    "text-anchor": "middle"}, hm, String(v)));
  el("text", {x: left + cw * D.xs.length / 2, y: topm + ch * D.ys.length + 36,
    "text-anchor": "middle"}, hm, D.x);
  if (D.y) {
    D.ys.forEach((v, i) => el("text", {x: left - 8,
      y: topm + (D.ys.length - 1 - i) * ch + ch / 2 + 4, "text-anchor": "end"}, hm, String(v)));
    el("text", {x: 12, y: topm + ch * D.ys.length / 2}, hm, D.y);
  }
  document.getElementById("curves-title").textContent =
    "equity of the best " + D.curves.length + " parameter set(s): cumulated round-trip P&L";
  const W = 720, H = 320, pad = 50;
  const cv = el("svg", {id: "curves-svg", width: W + 260, height: H + 40},
    document.getElementById("curves"));
  const all = D.curves.flatMap(c => c.equity);
  const lo = Math.min(0, ...all), hi = Math.max(0, ...all);
  const n = Math.max(1, ...D.curves.map(c => c.equity.length - 1));
  const sx = i => pad + (W - pad) * i / n;
  const sy = v => H - (H - 20) * (v - lo) / ((hi - lo) || 1);
  el("line", {x1: pad, x2: W, y1: sy(0), y2: sy(0), stroke: "#999"}, cv);
  el("text", {x: pad - 6, y: sy(hi) + 4, "text-anchor": "end"}, cv, hi.toFixed(0));
  el("text", {x: pad - 6, y: sy(lo) + 4, "text-anchor": "end"}, cv, lo.toFixed(0));
  el("text", {x: (W + pad) / 2, y: H + 30, "text-anchor": "middle"}, cv, "round trip");
  const colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  D.curves.forEach((c, k) => {
    const colour = colours[k % colours.length];
    const d = c.equity.map((v, i) => (i ? "L" : "M") + sx(i).toFixed(1) + "," + sy(v).toFixed(1));
    const p = el("path", {class: "curve", d: d.join(" "), stroke: colour,
      "data-param-set": c.param_set, "data-final": String(c.equity[c.equity.length - 1])}, cv);
    el("title", {}, p, label(c.params));
    el("text", {class: "legend", x: W + 12, y: 20 + 18 * k, fill: colour}, cv,
      (k + 1) + ". " + label(c.params) + ": " + fmt(c.value));
  });
})();
</script>
</body></html>
"""
