"""The on-disk format of a recording: Parquet parts plus a JSON manifest.

A recording is a directory::

    manifest.json          what was recorded, from where, the parts and the counts
    market-00000.parquet   trades and depth entries (the simulator's replay format, plus extras)
    quotes-00000.parquet   quotes (ignored by the simulator's replay; used by ``projectx replay``)
    ...                    further parts when a part reached its row limit (rotation)

``market-*`` columns: the six of :data:`projectx.sim.replay.RECORDING_COLUMNS` (``ts_ns``,
``contract_id``, ``event`` 0 trade / 1 depth, ``type``, ``price``, ``volume``) followed by

=================  =======  =========================================================
``seq``            int64    arrival order of the row over the whole recording (all files)
``msg``            int64    number of the WebSocket message that carried the row
``current_volume`` int64    depth ``currentVolume`` (0 for trades)
``fields``         int32    which wire fields were present (bit mask, see below)
=================  =======  =========================================================

``quotes-*`` columns: ``ts_ns``, ``contract_id``, ``seq``, ``msg``, ``fields``, ``last_price``,
``best_bid``, ``best_ask``, ``change``, ``change_percent``, ``open``, ``high``, ``low``,
``volume`` (session volume) and ``updated_ns`` (``lastUpdated``). A quote may be partial on the
wire: ``fields`` says which values were sent (bits of
:data:`projectx._native.frames.QUOTE_FIELDS`: lastPrice 1, bestBid 2, bestAsk 4, change 8,
changePercent 16, open 32, high 64, low 128, volume 256, timestamp 512, lastUpdated 1024); the
other columns are 0 there.

Rows keep the order in which the market hub delivered them: sort every part by ``seq`` to get the
exact stream back.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "EVENT_DEPTH",
    "EVENT_TRADE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MANIFEST_NAME",
    "MARKET_COLUMNS",
    "QUOTE_COLUMNS",
    "ContractInfo",
    "Manifest",
    "PartInfo",
    "RecordingFormatError",
    "read_manifest",
    "write_manifest",
]

FORMAT_NAME = "projectx-recording"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
EVENT_TRADE = 0
EVENT_DEPTH = 1

MARKET_COLUMNS = (
    "ts_ns",
    "contract_id",
    "event",
    "type",
    "price",
    "volume",
    "seq",
    "msg",
    "current_volume",
    "fields",
)
QUOTE_COLUMNS = (
    "ts_ns",
    "contract_id",
    "seq",
    "msg",
    "fields",
    "last_price",
    "best_bid",
    "best_ask",
    "change",
    "change_percent",
    "open",
    "high",
    "low",
    "volume",
    "updated_ns",
)


class RecordingFormatError(ValueError):
    """A recording directory or manifest cannot be read."""


@dataclass(slots=True)
class ContractInfo:
    """A recorded contract."""

    contract_id: str
    symbol: str
    tick_size: float
    tick_value: float | None = None


@dataclass(slots=True)
class PartInfo:
    """One Parquet part."""

    path: str
    kind: str  # "market" or "quotes"
    rows: int
    first_ts_ns: int
    last_ts_ns: int


@dataclass(slots=True)
class Manifest:
    """``manifest.json``: what a recording holds."""

    source: str
    contracts: list[ContractInfo]
    started_ns: int
    ended_ns: int = 0
    parts: list[PartInfo] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    complete: bool = False
    format: str = FORMAT_NAME
    version: int = FORMAT_VERSION

    def to_json(self) -> str:
        """Pretty JSON text."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Parse a manifest dict (raises :class:`RecordingFormatError`)."""
        try:
            if data.get("format") != FORMAT_NAME:
                raise RecordingFormatError(f"not a {FORMAT_NAME} manifest")
            if int(data.get("version", 0)) > FORMAT_VERSION:
                raise RecordingFormatError(
                    f"manifest version {data['version']} is newer than {FORMAT_VERSION}"
                )
            return cls(
                source=str(data["source"]),
                contracts=[ContractInfo(**c) for c in data["contracts"]],
                started_ns=int(data["started_ns"]),
                ended_ns=int(data.get("ended_ns", 0)),
                parts=[PartInfo(**p) for p in data.get("parts", [])],
                counts={str(k): int(v) for k, v in data.get("counts", {}).items()},
                complete=bool(data.get("complete", False)),
                format=FORMAT_NAME,
                version=int(data["version"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, RecordingFormatError):
                raise
            raise RecordingFormatError(f"malformed manifest: {exc!r}") from None


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Write ``manifest.json`` atomically (temporary file + rename)."""
    tmp = directory / (MANIFEST_NAME + ".tmp")
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    os.replace(tmp, directory / MANIFEST_NAME)


def read_manifest(directory: str | os.PathLike[str]) -> Manifest:
    """Read ``directory/manifest.json``."""
    path = Path(directory) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordingFormatError(f"{path} not found: not a recording directory") from None
    except (OSError, ValueError) as exc:
        raise RecordingFormatError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise RecordingFormatError(f"{path}: expected a JSON object")
    return Manifest.from_dict(data)
