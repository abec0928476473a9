"""A local, deterministic stand-in for the ProjectX Gateway (REST + SignalR hubs + exchange).

``async with Simulator(symbols=["MNQ"], seed=1) as sim:`` then point a client at
``sim.api_url``, ``sim.user_hub_url`` and ``sim.market_hub_url`` with ``sim.credentials``.
The simulator never imports the SDK's client code.
"""

from __future__ import annotations

from projectx.sim.simulator import SimConfig, SimCredentials, Simulator

__all__ = ["SimConfig", "SimCredentials", "Simulator"]
