"""``python -m projectx ...`` runs the command-line interface."""

from __future__ import annotations

from projectx.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
