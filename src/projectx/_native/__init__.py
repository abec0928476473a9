"""Compiled hot path (Cython over NumPy). Built from ``ext/*.pyx``; see ``setup.py``.

There is deliberately no pure-Python fallback: importing a missing module fails loudly.
"""
