"""Benchmark configuration.

NumPy's OpenBLAS thread pool spins on idle cores; on a 2-core machine that steals time from the
code being measured, so benchmarks pin it to one thread (must happen before NumPy is imported).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
