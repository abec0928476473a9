"""Coverage-guided fuzzing (atheris/libFuzzer) of the native frame and timestamp parsers.

Run from the repository root::

    PYTHONPATH=src:. python tests/fuzz/atheris_native.py --budget 600

Targets (the budget is split 2:1 between them, each in its own process, since libFuzzer ends
the process when it stops):

``frames``
    arbitrary bytes into :class:`projectx._native.frames.FrameParser` as a stream of
    0x1E-separated records, whole and cut at input-derived points (partial tails), as ``bytes``
    and as ``str``, plus a parser with a tiny record limit. Oracle: the reference mapping of
    ``tests/reference/frames_model.py`` (orjson + plain Python). Every record the native parser
    maps must equal the reference's mapping; every record the reference refuses must come back
    untouched in ``others``; any exception other than ``FrameError`` (record limit) is a crash.
``feed``
    arbitrary bytes into :class:`projectx._native.feed.MarketFeed` (calendar timeframes, the
    stream as the only time reference), whole and cut at input-derived points. Nothing may
    raise; the trades and depth entries applied, the anomalies counted, the trades held and the
    records handed back must not depend on the cuts; everything applied must pass the guard.
``isotime``
    ``parse_iso`` on raw and on structured (field-by-field, then mutated) timestamps vs the
    reference ``iso_to_ns``; invalid input must raise ``ValueError``, valid input must give the
    reference's value and round-trip through ``format_iso``.

Native coverage: gcc cannot emit libFuzzer's inline 8-bit counters, so the two modules are
rebuilt (``build/fuzz/``, never in place) with ``-fsanitize-coverage=trace-pc,trace-cmp`` and
linked with ``tests/fuzz/sancov_shim.c``, which turns each basic-block callback into a hashed
8-bit counter registered with libFuzzer and forwards comparisons to libFuzzer's hooks. The
instrumented copies are put first on ``projectx._native.__path__`` in the worker only.
``--no-native-coverage`` fuzzes the normal build with Python-level coverage only (the reference
model is instrumented either way).

Findings land in ``build/fuzz/crashes/<target>/``; each one becomes a regression test in
``tests/fuzz/test_fuzz_regressions.py`` with the input inline.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import sysconfig
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FUZZ_DIR = ROOT / "build" / "fuzz"
OVERLAY = FUZZ_DIR / "overlay"
SHIM = Path(__file__).with_name("sancov_shim.c")
NATIVE_MODULES = ("isotime", "frames", "feed")
TARGETS = ("frames", "isotime", "feed")
SHARE = {"frames": 2, "isotime": 1, "feed": 2}
RS = b"\x1e"
LIMIT = 48  # record limit of the small parser in the frames target


# ----------------------------------------------------------------------------- instrumentation
def build_instrumented(verbose: bool = False) -> Path:
    """Cythonize and compile ``isotime`` and ``frames`` with coverage hooks into ``OVERLAY``."""
    import numpy

    include = FUZZ_DIR / "cython_include" / "projectx" / "_native"
    include.mkdir(parents=True, exist_ok=True)
    for pxd in (ROOT / "ext").glob("*.pxd"):
        shutil.copyfile(pxd, include / pxd.name)
    OVERLAY.mkdir(parents=True, exist_ok=True)
    csrc = FUZZ_DIR / "csrc"
    csrc.mkdir(parents=True, exist_ok=True)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    cc = os.environ.get("CC", "gcc")
    shim_obj = FUZZ_DIR / "sancov_shim.o"
    _run([cc, "-c", "-O2", "-fPIC", "-fvisibility=hidden", str(SHIM), "-o", str(shim_obj)], verbose)
    for name in NATIVE_MODULES:
        c_file = csrc / f"{name}.c"
        _run(
            [
                sys.executable,
                "-m",
                "cython",
                "-3",
                "-I",
                str(FUZZ_DIR / "cython_include"),
                "-I",
                str(ROOT / "ext"),
                "-X",
                "boundscheck=False,wraparound=False,initializedcheck=False,cdivision=True",
                "--module-name",
                f"projectx._native.{name}",
                str(ROOT / "ext" / f"{name}.pyx"),
                "-o",
                str(c_file),
            ],
            verbose,
        )
        _run(
            [
                cc,
                "-shared",
                "-fPIC",
                "-O1",
                "-fno-strict-aliasing",
                "-fsanitize-coverage=trace-pc,trace-cmp",
                "-DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION",
                "-DCYTHON_WITHOUT_ASSERTIONS=1",
                f"-I{sysconfig.get_paths()['include']}",
                f"-I{numpy.get_include()}",
                str(c_file),
                str(shim_obj),
                "-o",
                str(OVERLAY / f"{name}{suffix}"),
            ],
            verbose,
        )
    return OVERLAY


def _run(cmd: list[str], verbose: bool) -> None:
    if verbose:
        print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, cwd=ROOT)


def _use_overlay() -> list[Path]:
    """Put the instrumented modules first and register their counters with libFuzzer."""
    import projectx._native as native_pkg

    native_pkg.__path__.insert(0, str(OVERLAY))
    import atheris

    core_path = Path(atheris.__file__).with_name(
        "core_with_libfuzzer" + sysconfig.get_config_var("EXT_SUFFIX")
    )
    core = ctypes.CDLL(str(core_path))
    names = [
        "__sanitizer_cov_8bit_counters_init",
        "__sanitizer_cov_pcs_init",
        "__sanitizer_cov_trace_cmp1",
        "__sanitizer_cov_trace_cmp2",
        "__sanitizer_cov_trace_cmp4",
        "__sanitizer_cov_trace_cmp8",
        "__sanitizer_cov_trace_const_cmp1",
        "__sanitizer_cov_trace_const_cmp2",
        "__sanitizer_cov_trace_const_cmp4",
        "__sanitizer_cov_trace_const_cmp8",
        "__sanitizer_cov_trace_switch",
    ]
    fns = (ctypes.c_void_p * len(names))(
        *[ctypes.cast(getattr(core, n), ctypes.c_void_p).value for n in names]
    )
    loaded = []
    for name in NATIVE_MODULES:
        module = __import__(f"projectx._native.{name}", fromlist=["_"])
        path = Path(module.__file__ or "")
        if path.parent != OVERLAY:
            raise RuntimeError(f"instrumented {name} not picked up (got {path})")
        lib = ctypes.CDLL(str(path))
        lib.px_sancov_register.restype = ctypes.c_size_t
        lib.px_sancov_register.argtypes = [ctypes.c_void_p]
        lib.px_sancov_register(fns)
        loaded.append(path)
    return loaded


# ------------------------------------------------------------------------------------ frames
class FramesTarget:
    """Stream-level and record-level checks of ``FrameParser`` against the reference."""

    def __init__(self) -> None:
        from projectx._native import frames
        from tests.native.test_frames import CONTRACTS, _same, make_parser, native_dicts
        from tests.reference.frames_model import expected_records

        self.frames = frames
        self.contracts = CONTRACTS
        self.same = _same
        self.make_parser = make_parser
        self.native_dicts = native_dicts
        self.expected = expected_records
        self.calls = 0
        self.conservative_fallbacks = 0

    def record_by_record(self, pieces: list[bytes]) -> tuple[list[bytes], list[Any]]:
        """Each complete record alone: native result checked against the reference."""
        others: list[bytes] = []
        rows: list[Any] = []
        parser = self.make_parser()
        for piece in pieces:
            n = parser.feed(piece + RS)
            ref = self.expected(piece, self.contracts)
            if parser.others:
                assert parser.others == [piece], (piece, parser.others)
                assert n == 1 and parser.n_records == 0, (piece, n)
                if ref is not None:
                    self.conservative_fallbacks += 1  # allowed: orjson path handles it
                others.append(piece)
                continue
            got = self.native_dicts(parser)
            assert ref is not None, f"native accepted what the reference refuses: {piece!r}"
            assert self.same(got, ref), (piece, got, ref)
            assert n == 1, (piece, n)
            rows.extend(parser.records().tolist())
        return others, rows

    def streamed(self, data: bytes | str, cuts: list[int]) -> tuple[list[bytes], list[Any], int]:
        parser = self.make_parser()
        others: list[bytes] = []
        rows: list[Any] = []
        start = 0
        for cut in [*cuts, len(data)]:
            parser.feed(data[start:cut])
            others.extend(parser.others)
            rows.extend(parser.records().tolist())
            start = cut
        return others, rows, parser.pending_bytes

    def __call__(self, data: bytes) -> None:
        self.calls += 1
        if self.calls & 0x3FFF == 0:  # libFuzzer exits without running Python atexit hooks
            _dump_counters("frames", self.calls, self.conservative_fallbacks)
        pieces = data.split(RS)
        tail = pieces.pop()
        others, rows = self.record_by_record(pieces)
        rnd = random.Random(zlib.crc32(data))
        n_cuts = rnd.randrange(0, 4) if data else 0
        cuts = sorted(rnd.randrange(0, len(data) + 1) for _ in range(n_cuts))
        s_others, s_rows, pending = self.streamed(data, cuts)
        assert s_others == others, (data, s_others, others)
        assert s_rows == rows, data
        assert pending == len(tail), (data, pending, len(tail))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and text.isascii():  # str cuts fall on the same byte offsets
            t_others, t_rows, t_pending = self.streamed(text, cuts)
            assert (t_others, t_rows, t_pending) == (s_others, s_rows, pending), data
        self.limited(data, cuts)

    def limited(self, data: bytes, cuts: list[int]) -> None:
        """A tiny record limit vs a model of the documented rule: a record still unterminated at
        the end of a message is dropped (and counted) once it is longer than the limit, its
        remaining bytes skipped up to the next 0x1E; every other record is parsed as usual."""
        small = self.frames.FrameParser(capacity=1, max_record_bytes=LIMIT)
        for cid in self.contracts:
            small.register_contract(cid)
        kept: list[bytes] = []
        dropped = 0
        tail = b""
        skipping = False
        others: list[bytes] = []
        rows: list[Any] = []
        start = 0
        for cut in [*cuts, len(data)]:
            chunk = data[start:cut]
            start = cut
            small.feed(chunk)
            others += small.others
            rows += small.records().tolist()
            if skipping:
                idx = chunk.find(RS)
                if idx < 0:
                    continue
                skipping, chunk = False, chunk[idx + 1 :]
            if tail:
                idx = chunk.find(RS)
                if idx < 0:
                    if len(tail) + len(chunk) > LIMIT:
                        dropped, tail, skipping = dropped + 1, b"", True
                    else:
                        tail += chunk
                    continue
                if len(tail) + idx > LIMIT:
                    dropped += 1
                else:
                    kept.append(tail + chunk[:idx])
                tail, chunk = b"", chunk[idx + 1 :]
            *complete, last = chunk.split(RS)
            kept += complete
            if len(last) > LIMIT:
                dropped, skipping = dropped + 1, True
            else:
                tail = last
            assert small.pending_bytes == len(tail), (data, cuts, small.pending_bytes, tail)
        assert small.records_oversized == dropped, (data, cuts, small.records_oversized, dropped)
        want_others, want_rows = self.record_by_record(kept)
        assert (others, rows) == (want_others, want_rows), (data, cuts)


# -------------------------------------------------------------------------------------- feed
class FeedTarget:
    """``MarketFeed.feed``: no exception, split invariance, the guard holds for what applies."""

    def __init__(self) -> None:
        from tests.fuzz.test_feed_fuzz import _check_applied, _new_feed, _run

        self.new_feed = _new_feed
        self.run = _run
        self.check_applied = _check_applied
        self.calls = 0

    def __call__(self, data: bytes) -> None:
        self.calls += 1
        if self.calls & 0x3FFF == 0:
            _dump_counters("feed", self.calls, 0)
        whole = self.new_feed()
        expected = self.run(whole, [data])
        rnd = random.Random(zlib.crc32(data))
        cuts = sorted(rnd.randrange(0, len(data) + 1) for _ in range(rnd.randrange(1, 5)))
        pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        split = self.new_feed()
        got = self.run(split, [p for p in pieces if p])
        assert got == expected, (data, cuts)
        assert split.anomalies() == whole.anomalies(), (data, cuts)
        assert split.quarantined() == whole.quarantined(), (data, cuts)
        self.check_applied(split, got[0], got[1])


def _dump_counters(target: str, calls: int, conservative: int) -> None:
    (FUZZ_DIR / f"{target}.counters").write_text(
        f"calls={calls} conservative_fallbacks={conservative}\n"
    )


# ----------------------------------------------------------------------------------- isotime
class IsotimeTarget:
    """``parse_iso`` vs the reference; typed errors only."""

    def __init__(self) -> None:
        from projectx._native import isotime
        from tests.reference import frames_model

        self.iso = isotime
        self.reference = frames_model.iso_to_ns
        self.fallback = frames_model.Fallback
        # The reference regex ends in ``$`` (accepts a trailing newline) and its ``\d`` matches
        # any Unicode digit; the wire format is ASCII, so gate it with an ASCII full match.
        self.strict = re.compile(frames_model._ISO.pattern, re.ASCII)

    def expected(self, text: str) -> int | None:
        if not self.strict.fullmatch(text):
            return None
        try:
            return self.reference(text)
        except self.fallback:
            return None

    def structured(self, data: bytes) -> str:
        import atheris

        fdp = atheris.FuzzedDataProvider(data)
        y = fdp.ConsumeIntInRange(1600, 2300)
        parts = [
            f"{y:04d}-{fdp.ConsumeIntInRange(0, 13):02d}-{fdp.ConsumeIntInRange(0, 32):02d}",
            fdp.PickValueInList(["T", "t", " ", "_"]),
            f"{fdp.ConsumeIntInRange(0, 25):02d}:{fdp.ConsumeIntInRange(0, 61):02d}",
        ]
        if fdp.ConsumeBool():
            parts.append(f":{fdp.ConsumeIntInRange(0, 61):02d}")
            if fdp.ConsumeBool():
                digits = fdp.ConsumeIntInRange(0, 11)
                parts.append(fdp.PickValueInList([".", ","]) + "7" * digits)
        parts.append(
            fdp.PickValueInList(
                ["Z", "z", "+00:00", "-05:00", "+0530", "+01", "+24:00", "-23:59", "+1", ""]
            )
        )
        text = "".join(parts)
        if fdp.ConsumeBool() and text:
            pos = fdp.ConsumeIntInRange(0, len(text) - 1)
            text = text[:pos] + fdp.ConsumeUnicodeNoSurrogates(2) + text[pos + 1 :]
        return text

    def check(self, text: str) -> None:
        want = self.expected(text)
        for value in (text, text.encode("utf-8")):
            try:
                got: int | None = self.iso.parse_iso(value)
            except ValueError:
                got = None
            assert got == want, (value, got, want)
        if want is not None:
            assert self.iso.parse_iso(self.iso.format_iso(want, 9)) == want, text
            assert self.iso.parse_iso_list([text]).tolist() == [want], text
        else:
            with contextlib.suppress(ValueError):
                self.iso.parse_iso_list([text])
                raise AssertionError(f"parse_iso_list accepted {text!r}")

    def __call__(self, data: bytes) -> None:
        if not data:
            return
        if data[0] & 1:
            self.check(self.structured(data[1:]))
            return
        raw = data[1:]
        try:
            got: int | None = self.iso.parse_iso(raw)
        except ValueError:
            got = None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            assert got is None, (raw, got)
            return
        self.check(text)


# ----------------------------------------------------------------------------------- corpora
def frames_seeds() -> list[bytes]:
    from projectx.sim.faults import _frames
    from tests.native.test_frames import DEPTH, QUOTE, TRADE

    seeds = [TRADE, DEPTH, QUOTE, b'{"type":6}', b'{"type":3,"invocationId":"1","result":null}']
    stream = TRADE + RS + b'{"type":6}' + RS + DEPTH + RS + QUOTE + RS
    seeds += [stream, stream[:-7], TRADE[:40], RS * 3]
    seeds += [b"".join(_frames(k, 96, "x")) for k in ("malformed", "truncated", "split")]
    seeds += [TRADE.replace(b"21021.75", b"2.102175e4"), TRADE.replace(b"2025", b"\\u0032025")]
    return [s if s.endswith(RS) or s is stream[:-7] else s + RS for s in seeds]


def isotime_seeds() -> list[bytes]:
    texts = [
        "2025-04-14T17:49:10.142532+00:00",
        "2026-05-06T13:36:03.4962794+00:00",
        "2024-12-01T00:00:00Z",
        "2024-03-10T02:30:00-05:00",
        "2262-04-11T23:47:16.854775807Z",
        "1677-09-21T00:12:43.145224192Z",
        "2024-02-29 00:00+0530",
    ]
    return [b"\x00" + t.encode() for t in texts] + [b"\x01" + bytes(range(40))]


DICT_FRAMES = [
    '"GatewayTrade"',
    '"GatewayDepth"',
    '"GatewayQuote"',
    '"CON.F.US.MNQ.Z25"',
    '"CON.F.US.EP.Z25"',
    '"type"',
    '"target"',
    '"arguments"',
    '"timestamp"',
    '"price"',
    '"volume"',
    '"currentVolume"',
    '"lastPrice"',
    '"bestBid"',
    '"lastUpdated"',
    '"2025-11-24T14:12:30.548+00:00"',
    "null",
    "true",
    "1e308",
    "\\u0000",
    "\\ud83d\\ude00",
    "\\x1e",
]


def write_inputs(target: str) -> tuple[Path, Path, Path | None]:
    corpus = FUZZ_DIR / "corpus" / target
    seeds = FUZZ_DIR / "seeds" / target
    corpus.mkdir(parents=True, exist_ok=True)
    seeds.mkdir(parents=True, exist_ok=True)
    for seed in isotime_seeds() if target == "isotime" else frames_seeds():
        (seeds / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    dict_path = None
    if target != "isotime":
        dict_path = FUZZ_DIR / "frames.dict"
        dict_path.write_text("".join(f'"{_dict_escape(t)}"\n' for t in DICT_FRAMES))
    return corpus, seeds, dict_path


def _dict_escape(token: str) -> str:
    return token.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\x1e", "\\x1e")


# ----------------------------------------------------------------------------------- drivers
def worker(target: str, seconds: int, native_coverage: bool, extra: list[str]) -> None:
    """Run one target under libFuzzer in this process (never returns)."""
    import atheris

    if native_coverage:  # first: nothing may import the normal build before this
        for path in _use_overlay():
            print(f"INFO: instrumented native module {path}", file=sys.stderr)
    with atheris.instrument_imports(include=["tests.reference"]):
        import tests.reference.frames_model  # noqa: F401
    corpus, seeds, dict_path = write_inputs(target)
    crashes = FUZZ_DIR / "crashes" / target
    crashes.mkdir(parents=True, exist_ok=True)
    args = [
        sys.argv[0],
        str(corpus),
        str(seeds),
        f"-max_total_time={seconds}",
        f"-artifact_prefix={crashes}/",
        "-print_final_stats=1",
        "-timeout=20",
        "-rss_limit_mb=2048",
        f"-max_len={96 if target == 'isotime' else 4096}",
        *([f"-dict={dict_path}"] if dict_path else []),
        *extra,
    ]
    test = {"frames": FramesTarget, "isotime": IsotimeTarget, "feed": FeedTarget}[target]()
    atheris.Setup(args, test)
    atheris.Fuzz()


_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.M)
_DONE = re.compile(r"#(\d+)\s+(?:DONE|INITED|NEW|REDUCE|pulse)\s+cov: (\d+) ft: (\d+)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", type=int, default=600, help="total seconds across targets")
    ap.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    ap.add_argument("--no-native-coverage", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("libfuzzer_args", nargs="*", help="extra -flag=value for libFuzzer")
    opts = ap.parse_args(argv)
    native = not opts.no_native_coverage
    if opts.worker:
        worker(opts.target, opts.budget, native, opts.libfuzzer_args)
        return 0
    if native:
        build_instrumented(opts.verbose)
    targets = TARGETS if opts.target == "all" else (opts.target,)
    total = sum(SHARE[t] for t in targets)
    failed = False
    print(
        f"{'target':<8} {'seconds':>7} {'execs':>10} {'exec/s':>7} {'cov':>6} {'ft':>6} "
        f"{'corpus+':>7} {'crashes':>7}"
    )
    for target in targets:
        seconds = max(5, opts.budget * SHARE[target] // total)
        cmd = [sys.executable, __file__, "--worker", "--target", target, "--budget", str(seconds)]
        if not native:
            cmd.append("--no-native-coverage")
        cmd += ["--", *opts.libfuzzer_args]
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        log_path = FUZZ_DIR / f"{target}.log"
        log_path.write_text(proc.stderr + proc.stdout)
        stats = {k: int(v) for k, v in _STAT.findall(proc.stderr)}
        progress = _DONE.findall(proc.stderr)
        cov, ft = (progress[-1][1], progress[-1][2]) if progress else ("?", "?")
        crashes = sorted((FUZZ_DIR / "crashes" / target).glob("*"))
        counters = FUZZ_DIR / f"{target}.counters"
        ok = proc.returncode == 0 and not crashes
        failed |= not ok
        print(
            f"{target:<8} {seconds:>7} {stats.get('number_of_executed_units', 0):>10} "
            f"{stats.get('average_exec_per_sec', 0):>7} {cov:>6} {ft:>6} "
            f"{stats.get('new_units_added', 0):>7} {len(crashes):>7}"
            + ("" if ok else f"   (exit {proc.returncode}; see {log_path})")
        )
        if counters.exists():
            print(f"         {target} checks: {counters.read_text().strip()}")
            counters.unlink()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
