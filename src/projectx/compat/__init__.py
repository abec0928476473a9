"""project-x-py 4.4.1's public API over projectx: replace ``project_x_py`` by ``projectx.compat``.

An adapter, not a second SDK: every name here maps onto the core (``projectx``) and holds no
trading logic of its own. Where project-x-py is wrong, compat keeps its shapes and gives correct
content; docs/compat.md lists every deliberate difference and a migration table.
"""

from __future__ import annotations

__all__: list[str] = []
