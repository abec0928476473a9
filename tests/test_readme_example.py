"""The README's example runs as written against `projectx sim` (a separate process)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- example:start -->\s*```python\n(.*?)```", text, re.S)
    assert match, "README has no marked example"
    return match.group(1)


def test_the_readme_example_is_the_quickstart_script_and_at_most_15_lines() -> None:
    code = _readme_example()
    assert code == (ROOT / "examples" / "00_quickstart.py").read_text(encoding="utf-8")
    assert len([ln for ln in code.splitlines() if ln.strip()]) <= 15


def test_the_readme_example_runs_against_projectx_sim(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PROJECT_X_ENVIRONMENT": "local",
        "PROJECT_X_BASE_URL": f"http://127.0.0.1:{port}",
        "PROJECT_X_USERNAME": "sim.trader",
        "PROJECT_X_API_KEY": "readme-example-key",
    }
    sim = subprocess.Popen(
        [sys.executable, "-m", "projectx", "sim", "--port", str(port), "--rate", "50"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/Status/ping", sim)
        script = tmp_path / "example.py"
        script.write_text(_readme_example(), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
        out = done.stdout
        # the script waits for three NEW_BARs of either timeframe (a 1min bar may close too)
        closes = re.findall(r"^closed (1sec|1min) Bar\(", out, re.M)
        assert len(closes) >= 3 and "1sec" in closes, out[-2000:]
        assert re.search(r"top of book: \d+\.\d+ \d+\.\d+", out)
        score = int(re.search(r"health: (\d+)", out).group(1))  # type: ignore[union-attr]
        assert 0 < score <= 100
        assert "readme-example-key" not in out + done.stderr
    finally:
        sim.terminate()
        sim.wait(timeout=15)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path | None = None) -> None:
    """Wait until ``url`` answers; fail with the process output (``log`` or its stdout) if the
    process exits first."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = log.read_text(errors="replace") if log else proc.stdout.read()  # type: ignore[union-attr]
            raise AssertionError(f"projectx sim exited: {output!r}")
        try:
            with urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("projectx sim did not come up")
