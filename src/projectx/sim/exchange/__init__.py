"""The simulator's exchange: users, accounts, orders, matching, positions, P&L (spec §4-§6, §9).

Pure and synchronous: :meth:`Exchange.handle` serves one business endpoint (``Account/search``,
``Order/place``, ``History/retrieveBars``, ...) and returns the full envelope; user-hub events go
to listeners registered with :meth:`Exchange.add_user_event_listener` as
``(target, account_id, {"action": n, "data": {...}})`` with null-valued keys omitted (§7.6.2).

:class:`Exchange` is built in layers, one concern per module, each layer a subclass of the one
below it and using only what is below (so there is no cycle):

======================  ==============================================================
``base``                tables, ids, user-hub events and the OrderModel/PositionModel wire
``accounts``            users, accounts, the API-key check, ``configure_account``
``positions``           net positions, P&L, funds check, the account's fills
``matching``            ``MatchingCore``: one contract's working orders, triggers, fills
``execution``           fills applied (fees, balance), the §9.5 events, bracket children
``order_entry``         ``Order/place`` (the §9.3 steps), ``Order/cancel``, ``Order/modify``
``endpoints``           the route table and the read-side endpoints: :class:`Exchange`
``codes``               the §3.3 ``errorCode`` enums and the ``errorMessage`` texts
======================  ==============================================================
"""

from __future__ import annotations

from projectx.sim.exchange.base import UserEventListener
from projectx.sim.exchange.endpoints import Exchange
from projectx.sim.orders import Account, Order, Position

__all__ = ["Account", "Exchange", "Order", "Position", "UserEventListener"]
