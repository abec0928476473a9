"""project-x-py's ``realtime_data_manager`` package: :class:`RealtimeDataManager` over the core
:class:`projectx.data.RealtimeDataManager` (see
:mod:`projectx.compat.realtime_data_manager.core`)."""

from __future__ import annotations

from projectx.compat.realtime_data_manager.core import RealtimeDataManager

__all__ = ["RealtimeDataManager"]
