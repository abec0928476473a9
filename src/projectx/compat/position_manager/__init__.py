"""project-x-py's ``position_manager`` package: :class:`PositionManager` over the core
:class:`projectx.positions.PositionManager` (see :mod:`projectx.compat.position_manager.core`)."""

from __future__ import annotations

from projectx.compat.position_manager.core import PositionManager

__all__ = ["PositionManager"]
