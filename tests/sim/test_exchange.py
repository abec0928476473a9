"""Matching engine, order rules, positions, P&L and events of the simulator's Exchange.

The market is frozen (rate 0) and every price scenario is set explicitly with
``MarketSimulator.set_book`` / ``print_trade``, so each expectation below is hand-computed from
the spec (§4.5, §6.2, §9.3-§9.8), not read back from the implementation.
"""

from __future__ import annotations

from typing import Any

import pytest

from projectx.sim.clock import ManualClock, parse_ts
from projectx.sim.contracts import resolve_symbols
from projectx.sim.exchange import Exchange
from projectx.sim.market import MarketSimulator

T0 = parse_ts("2026-11-24T14:00:00Z")
MSG_BRACKETS = "Brackets cannot be used with Position Brackets. You must enable Auto OCO Brackets."


class Harness:
    """A frozen market, an exchange, two users and an event recorder."""

    def __init__(self, *, profile: str = "legacy", **account: Any) -> None:
        self.clock = ManualClock(T0)
        self.specs = {s.ticker: s for s in resolve_symbols(["MNQ", "MYM", "ZB", "ES"], T0)}
        self.market = MarketSimulator(
            list(self.specs.values()), seed=3, rate_per_s=0, clock=self.clock
        )
        self.x = Exchange(self.market, self.clock, profile=profile)
        self.events: list[tuple[str, int, dict[str, Any]]] = []
        self.x.add_user_event_listener(lambda t, a, arg: self.events.append((t, a, arg)))
        acct = {
            "id": 7001,
            "name": "PRAC-7001",
            "balance": 50_000.0,
            "canTrade": True,
            "isVisible": True,
            "simulated": True,
        } | account
        self.x.add_user("Jane", "key-j", [acct])
        self.x.add_user(
            "bob",
            "key-b",
            [
                {
                    "id": 8001,
                    "name": "PRAC-8001",
                    "balance": 50_000.0,
                    "canTrade": True,
                    "isVisible": True,
                    "simulated": True,
                }
            ],
        )

    def cid(self, root: str = "MNQ") -> str:
        return self.specs[root].id

    def call(self, endpoint: str, body: dict[str, Any], user: str = "jane") -> dict[str, Any]:
        return self.x.handle(endpoint, user, body)

    def place(self, root: str = "MNQ", user: str = "jane", **body: Any) -> dict[str, Any]:
        req = {"accountId": 7001, "contractId": self.cid(root)} | body
        return self.call("Order/place", req, user)

    def book(self, root: str, bid: float, ask: float, sizes: Any = 50) -> None:
        self.market.set_book(self.cid(root), bid=bid, ask=ask, sizes=sizes)

    def trade(self, root: str, price: float, volume: int) -> None:
        self.market.print_trade(self.cid(root), price, volume)

    def take(self) -> list[tuple[str, int, dict[str, Any]]]:
        out, self.events = self.events, []
        return out

    def order(self, oid: int) -> dict[str, Any]:
        for o in self.call("Order/search", {"accountId": 7001, "startTimestamp": 0})["orders"]:
            if o["id"] == oid:
                return o
        raise AssertionError(f"order {oid} not found")

    def positions(self) -> list[dict[str, Any]]:
        return self.call("Position/searchOpen", {"accountId": 7001})["positions"]

    def balance(self) -> float:
        return self.call("Account/search", {"onlyActiveAccounts": True})["accounts"][0]["balance"]

    def trades(self) -> list[dict[str, Any]]:
        return self.call("Trade/search", {"accountId": 7001, "startTimestamp": 0})["trades"]

    def fee(self, root: str, qty: int) -> float:
        s = self.specs[root]
        return round((s.fee + s.commission) * qty, 2)


@pytest.fixture
def h() -> Harness:
    return Harness()


@pytest.fixture
def oco() -> Harness:
    return Harness(bracketMode="auto_oco")


def _kinds(events: list[tuple[str, int, dict[str, Any]]]) -> list[tuple[str, Any]]:
    out = []
    for target, _, arg in events:
        d = arg["data"]
        if target == "GatewayUserOrder":
            out.append((target, d["status"]))
        elif target == "GatewayUserPosition":
            out.append((target, d["size"]))
        else:
            out.append((target, None))
    return out


# ------------------------------------------------------------------------------ market orders
def test_market_buy_fills_at_best_ask_with_the_documented_event_sequence(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    h.take()
    env = h.place(type=2, side=0, size=2, customTag="t-1")
    assert env["success"] and env["errorCode"] == 0 and env["errorMessage"] is None
    oid = env["orderId"]
    assert oid > 2**31
    ev = h.take()
    assert _kinds(ev) == [
        ("GatewayUserOrder", 6),
        ("GatewayUserTrade", None),
        ("GatewayUserOrder", 2),
        ("GatewayUserPosition", 2),
        ("GatewayUserAccount", None),
    ]
    pending = ev[0][2]
    assert pending["action"] == 1
    assert "limitPrice" not in pending["data"] and "filledPrice" not in pending["data"]
    assert pending["data"]["updateTimestamp"] == pending["data"]["creationTimestamp"]
    trade = ev[1][2]
    assert trade["action"] == 0
    assert "profitAndLoss" not in trade["data"]  # opening fill: null omitted on the hub
    assert trade["data"]["price"] == 21000.25 and trade["data"]["size"] == 2
    assert trade["data"]["id"] > 2**31 and trade["data"]["orderId"] == oid
    filled = ev[2][2]["data"]
    assert filled["fillVolume"] == 2 and filled["filledPrice"] == 21000.25
    assert ev[3][2]["data"]["type"] == 1 and ev[3][2]["data"]["averagePrice"] == 21000.25
    assert ev[4][2]["data"]["balance"] == round(50_000 - h.fee("MNQ", 2), 2)
    # REST keeps the nulls
    rest = h.order(oid)
    assert rest["limitPrice"] is None and rest["customTag"] == "t-1" and rest["status"] == 2


def test_market_order_walks_displayed_depth_one_fill_per_level(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25, sizes=[3, 4, 10])
    env = h.place(type=2, side=0, size=9)
    trades = sorted(h.trades(), key=lambda t: t["id"])
    assert [(t["price"], t["size"]) for t in trades] == [
        (21000.25, 3),
        (21000.5, 4),
        (21000.75, 2),
    ]
    o = h.order(env["orderId"])
    assert o["status"] == 2 and o["fillVolume"] == 9
    assert o["filledPrice"] == pytest.approx((21000.25 * 3 + 21000.5 * 4 + 21000.75 * 2) / 9)
    assert h.positions()[0]["averagePrice"] == pytest.approx(o["filledPrice"])


def test_market_sell_fills_at_best_bid(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    h.place(type=2, side=1, size=1)
    assert h.trades()[0]["price"] == 21000.0
    pos = h.positions()[0]
    assert pos["type"] == 2 and pos["size"] == 1


# ------------------------------------------------------------------------------ limit orders
def test_resting_limit_fills_partially_on_trades_then_completes(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    env = h.place(type=1, side=0, size=5, limitPrice=20999.0)
    oid = env["orderId"]
    assert h.order(oid)["status"] == 1
    h.take()
    h.trade("MNQ", 20999.0, 2)  # prints at the limit: 2 of 5
    o = h.order(oid)
    assert (o["status"], o["fillVolume"], o["filledPrice"]) == (1, 2, 20999.0)
    ev = h.take()
    assert _kinds(ev)[:2] == [("GatewayUserOrder", 1), ("GatewayUserTrade", None)]
    h.trade("MNQ", 21001.0, 7)  # above a buy limit: no fill
    assert h.order(oid)["fillVolume"] == 2
    h.trade("MNQ", 20998.5, 7)  # through the limit: fills the rest at the limit
    o = h.order(oid)
    assert (o["status"], o["fillVolume"], o["filledPrice"]) == (2, 5, 20999.0)
    assert h.x.handle("Order/searchOpen", "jane", {"accountId": 7001})["orders"] == []


def test_marketable_limit_fills_at_best_ask_up_to_limit_and_rests_the_rest(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25, sizes=[2, 3, 50])
    env = h.place(type=1, side=0, size=10, limitPrice=21000.5)
    o = h.order(env["orderId"])
    # price improvement at 21000.25 (2) and 21000.5 (3); 21000.75 is beyond the limit
    assert sorted((t["price"], t["size"]) for t in h.trades()) == [(21000.25, 2), (21000.5, 3)]
    assert (o["status"], o["fillVolume"]) == (1, 5)
    open_ids = [x["id"] for x in h.call("Order/searchOpen", {"accountId": 7001})["orders"]]
    assert open_ids == [env["orderId"]]


def test_resting_limit_fills_when_the_book_crosses_it(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    env = h.place(type=1, side=1, size=3, limitPrice=21002.0)
    assert h.order(env["orderId"])["status"] == 1
    h.book("MNQ", 21002.5, 21002.75)  # best bid now above the sell limit
    o = h.order(env["orderId"])
    assert o["status"] == 2 and o["filledPrice"] == 21002.5


def test_join_bid_and_join_ask_rest_at_the_current_best(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    jb = h.place(type=6, side=0, size=1)
    ja = h.place(type=7, side=1, size=1)
    assert h.order(jb["orderId"])["limitPrice"] == 21000.0
    assert h.order(ja["orderId"])["limitPrice"] == 21000.25
    assert h.order(jb["orderId"])["status"] == h.order(ja["orderId"])["status"] == 1


# ------------------------------------------------------------------------------- stop orders
def test_buy_stop_triggers_on_a_trade_at_the_stop_and_fills_at_market(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    env = h.place(type=4, side=0, size=1, stopPrice=21005.0)
    assert h.order(env["orderId"])["status"] == 1
    h.trade("MNQ", 21004.75, 1)
    assert h.order(env["orderId"])["status"] == 1
    h.trade("MNQ", 21005.0, 1)
    o = h.order(env["orderId"])
    assert o["status"] == 2 and o["filledPrice"] == 21000.25  # market fill at the best ask


def test_sell_stop_triggers_when_the_best_bid_reaches_it(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    env = h.place(type=4, side=1, size=2, stopPrice=20990.0)
    h.book("MNQ", 20990.0, 20990.25)
    o = h.order(env["orderId"])
    assert o["status"] == 2 and o["filledPrice"] == 20990.0


def test_stop_limit_rejected_unless_the_account_has_the_capability() -> None:
    h = Harness()
    env = h.place(type=3, side=0, size=1, stopPrice=21005.0, limitPrice=21006.0)
    assert env == {
        "orderId": None,
        "success": False,
        "errorCode": 2,
        "errorMessage": "Unsupported order type.",
    }
    h2 = Harness(stopLimit=True)
    h2.book("MNQ", 21000.0, 21000.25)
    env = h2.place(type=3, side=0, size=2, stopPrice=21005.0, limitPrice=21005.5)
    oid = env["orderId"]
    assert env["success"] and h2.order(oid)["status"] == 1
    h2.book("MNQ", 21005.0, 21006.0)  # ask 21006 >= stop triggers, but is above the limit
    o = h2.order(oid)
    assert o["status"] == 1 and o["fillVolume"] == 0
    h2.book("MNQ", 21005.0, 21005.25)  # now marketable as a limit
    o = h2.order(oid)
    assert o["status"] == 2 and o["filledPrice"] == 21005.25


# ---------------------------------------------------------------------------- trailing stops
def test_trailing_stop_distance_rule_and_trailing() -> None:
    h = Harness(profile="extended")
    h.book("MNQ", 21000.0, 21000.25)
    h.trade("MNQ", 21000.0, 1)  # last = 21000.00
    env = h.place(type=5, side=1, size=1, trailPrice=20995.0)  # 20 ticks below
    oid = env["orderId"]
    o = h.order(oid)
    assert o["trailDistance"] == 20 and o["trailPrice"] == 5.0 and o["stopPrice"] == 20995.0
    h.trade("MNQ", 21003.0, 1)  # new high: the stop follows 20 ticks below
    assert h.order(oid)["stopPrice"] == 20998.0
    h.trade("MNQ", 21001.0, 1)  # lower trade: the stop stays
    assert h.order(oid)["stopPrice"] == 20998.0
    h.trade("MNQ", 20998.0, 1)
    assert h.order(oid)["status"] == 2


@pytest.mark.parametrize(
    ("trail", "message"),
    [
        (None, "Trail Distance not set."),
        (20995.1, "Invalid trail price. Price is not aligned to tick size."),
        (21000.0 - 1001 * 0.25, "Trail Distance exceeds maximum (1000)"),
    ],
)
def test_trailing_stop_rejections(h: Harness, trail: float | None, message: str) -> None:
    body: dict[str, Any] = {"type": 5, "side": 1, "size": 1}
    if trail is not None:
        body["trailPrice"] = trail
    env = h.place(**body)
    assert (env["success"], env["errorCode"], env["errorMessage"]) == (False, 2, message)
    assert h.order(env["orderId"])["status"] == 5


def test_trailing_stop_at_exactly_1000_ticks_is_accepted(h: Harness) -> None:
    env = h.place(type=5, side=1, size=1, trailPrice=21000.0 - 1000 * 0.25)
    assert env["success"]


def test_modify_trail_price_has_no_maximum_but_checks_alignment(h: Harness) -> None:
    env = h.place(type=5, side=1, size=1, trailPrice=20990.0)
    oid = env["orderId"]
    far = {"accountId": 7001, "orderId": oid, "trailPrice": 21000.0 - 2000 * 0.25}
    assert h.call("Order/modify", far)["success"]
    bad = {"accountId": 7001, "orderId": oid, "trailPrice": 20990.1}
    env = h.call("Order/modify", bad)
    assert (env["errorCode"], env["errorMessage"]) == (
        3,
        "Invalid trail price. Price is not aligned to tick size.",
    )


# ---------------------------------------------------------------------------------- brackets
def test_auto_oco_bracket_children_suspended_then_open_at_signed_tick_prices(oco: Harness) -> None:
    h = oco
    h.book("MNQ", 21000.0, 21000.25)
    h.take()
    env = h.place(
        type=1,
        side=0,
        size=2,
        limitPrice=20999.0,
        stopLossBracket={"ticks": -40, "type": 4},
        takeProfitBracket={"ticks": 80, "type": 1},
    )
    pid = env["orderId"]
    sl_id, tp_id = pid + 2, pid + 3
    assert h.order(sl_id)["status"] == 8 and h.order(tp_id)["status"] == 8
    open_ids = {o["id"] for o in h.call("Order/searchOpen", {"accountId": 7001})["orders"]}
    assert open_ids == {pid}  # suspended children are not listed
    h.trade("MNQ", 20999.0, 5)
    sl, tp = h.order(sl_id), h.order(tp_id)
    assert (sl["status"], sl["type"], sl["side"], sl["size"]) == (1, 4, 1, 2)
    assert sl["stopPrice"] == 20999.0 - 40 * 0.25
    assert (tp["status"], tp["type"], tp["side"], tp["size"]) == (1, 1, 1, 2)
    assert tp["limitPrice"] == 20999.0 + 80 * 0.25
    # take profit fills -> stop loss cancelled (OCO), position flat, P&L 80 ticks * 2 * 0.5
    h.take()
    h.trade("MNQ", 21019.0, 5)
    assert h.order(tp_id)["status"] == 2
    assert h.order(sl_id)["status"] == 3
    assert h.positions() == []
    closing = [t for t in h.trades() if t["orderId"] == tp_id]
    assert closing[0]["profitAndLoss"] == 80.0
    ev = _kinds(h.take())
    assert ev[:3] == [
        ("GatewayUserOrder", 2),
        ("GatewayUserTrade", None),
        ("GatewayUserTrade", None),  # the matched opening fill, re-emitted (§9.5)
    ]
    assert ("GatewayUserPosition", 0) in ev and ("GatewayUserOrder", 3) in ev


def test_stop_loss_child_fill_cancels_the_take_profit(oco: Harness) -> None:
    h = oco
    h.book("MNQ", 21000.0, 21000.25)
    env = h.place(
        type=2,
        side=1,
        size=1,
        stopLossBracket={"ticks": 8, "type": 4},
        takeProfitBracket={"ticks": -8, "type": 1},
    )
    pid = env["orderId"]
    # short filled at the bid 21000.00: SL buy stop 21002.00, TP buy limit 20998.00
    assert h.order(pid + 2)["stopPrice"] == 21002.0
    assert h.order(pid + 3)["limitPrice"] == 20998.0
    h.trade("MNQ", 21002.0, 1)
    assert h.order(pid + 2)["status"] == 2 and h.order(pid + 3)["status"] == 3
    sl_fill = next(t for t in h.trades() if t["orderId"] == pid + 2)
    assert sl_fill["profitAndLoss"] == (21000.0 - sl_fill["price"]) / 0.25 * 0.5


def test_cancelling_an_unfilled_parent_cancels_its_children(oco: Harness) -> None:
    h = oco
    env = h.place(
        type=1,
        side=0,
        size=1,
        limitPrice=20990.0,
        stopLossBracket={"ticks": -10, "type": 4},
        takeProfitBracket={"ticks": 10, "type": 1},
    )
    pid = env["orderId"]
    assert h.call("Order/cancel", {"accountId": 7001, "orderId": pid})["success"]
    assert [h.order(i)["status"] for i in (pid, pid + 2, pid + 3)] == [3, 3, 3]


def test_flattening_the_position_cancels_open_children(oco: Harness) -> None:
    h = oco
    h.book("MNQ", 21000.0, 21000.25)
    env = h.place(
        type=2,
        side=0,
        size=1,
        stopLossBracket={"ticks": -10, "type": 4},
        takeProfitBracket={"ticks": 10, "type": 1},
    )
    pid = env["orderId"]
    assert h.call("Position/closeContract", {"accountId": 7001, "contractId": h.cid()})["success"]
    assert h.order(pid + 2)["status"] == 3 and h.order(pid + 3)["status"] == 3


def test_trailing_stop_loss_bracket_child(oco: Harness) -> None:
    h = oco
    h.book("MNQ", 21000.0, 21000.25)
    env = h.place(type=2, side=0, size=1, stopLossBracket={"ticks": -12, "type": 5})
    child = h.order(env["orderId"] + 2)
    assert (child["type"], child["status"], child["stopPrice"]) == (5, 1, 21000.25 - 3.0)


def test_brackets_in_position_mode_rejected_with_the_documented_message(h: Harness) -> None:
    h.take()
    env = h.place(
        type=2,
        side=0,
        size=1,
        stopLossBracket={"ticks": -10, "type": 4},
        takeProfitBracket={"ticks": 20, "type": 1},
    )
    assert env["success"] is False and env["errorCode"] == 2
    assert env["errorMessage"] == MSG_BRACKETS
    assert env["orderId"] is not None and h.order(env["orderId"])["status"] == 5
    assert _kinds(h.take()) == [("GatewayUserOrder", 6), ("GatewayUserOrder", 5)]
    assert h.positions() == []


@pytest.mark.parametrize(
    ("side", "sl", "tp", "message"),
    [
        (0, {"ticks": 10, "type": 4}, None, "Ticks should be less than zero when longing"),
        (0, None, {"ticks": -10, "type": 1}, "Ticks should be greater than zero when longing"),
        (1, {"ticks": -10, "type": 4}, None, "Ticks should be greater than zero when shorting"),
        (1, None, {"ticks": 10, "type": 1}, "Ticks should be less than zero when shorting"),
        (0, {"ticks": -10, "type": 1}, None, "Invalid stop loss type (Limit)"),
        (0, None, {"ticks": 10, "type": 4}, "Invalid take profit type (Stop)"),
    ],
)
def test_bracket_sign_and_type_rejections(
    oco: Harness, side: int, sl: Any, tp: Any, message: str
) -> None:
    env = oco.place(type=2, side=side, size=1, stopLossBracket=sl, takeProfitBracket=tp)
    assert (env["success"], env["errorCode"], env["errorMessage"]) == (False, 2, message)
    assert oco.order(env["orderId"])["status"] == 5
    assert oco.positions() == []


# --------------------------------------------------------------------------- cancel / modify
def test_cancel_rules(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    filled = h.place(type=2, side=0, size=1)["orderId"]
    working = h.place(type=1, side=0, size=1, limitPrice=20990.0)["orderId"]
    env = h.call("Order/cancel", {"accountId": 7001, "orderId": filled})
    assert (env["success"], env["errorCode"]) == (False, 3) and env["errorMessage"]
    env = h.call("Order/cancel", {"accountId": 7001, "orderId": 1234})
    assert env == {"success": False, "errorCode": 2, "errorMessage": None}
    env = h.call("Order/cancel", {"accountId": 8001, "orderId": working})
    assert env["errorCode"] == 1  # not jane's account
    env = h.call("Order/cancel", {"accountId": 8001, "orderId": working}, user="bob")
    assert env["errorCode"] == 2  # bob's account, not bob's order
    h.take()
    assert h.call("Order/cancel", {"accountId": 7001, "orderId": working})["success"]
    assert _kinds(h.take()) == [("GatewayUserOrder", 3)]
    env = h.call("Order/cancel", {"accountId": 7001, "orderId": working})
    assert env["errorCode"] == 3


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"follower": True}, "Follower accounts cannot cancel orders"),
        ({"simulated": False}, "Live accounts not supported"),
    ],
)
def test_cancel_refused_on_follower_and_live_accounts(setting: dict, message: str) -> None:
    h = Harness(**setting)
    oid = h.place(type=1, side=0, size=1, limitPrice=20990.0)["orderId"]
    env = h.call("Order/cancel", {"accountId": 7001, "orderId": oid})
    assert (env["errorCode"], env["errorMessage"]) == (6, message)


def test_modify_rules(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    oid = h.place(type=1, side=0, size=5, limitPrice=20999.0)["orderId"]
    h.trade("MNQ", 20999.0, 3)  # fillVolume 3
    env = h.call("Order/modify", {"accountId": 7001, "orderId": oid, "size": 2})
    assert (env["success"], env["errorCode"]) == (False, 3)
    env = h.call("Order/modify", {"accountId": 7001, "orderId": oid, "limitPrice": 20998.1})
    assert env["errorCode"] == 3
    env = h.call("Order/modify", {"accountId": 7001, "orderId": 99, "size": 9})
    assert env["errorCode"] == 2
    h.take()
    env = h.call(
        "Order/modify",
        {"accountId": 7001, "orderId": oid, "size": 8, "limitPrice": 20998.5, "stopPrice": None},
    )
    assert env == {"success": True, "errorCode": 0, "errorMessage": None}
    o = h.order(oid)
    assert (o["size"], o["limitPrice"], o["fillVolume"], o["status"]) == (8, 20998.5, 3, 1)
    assert _kinds(h.take()) == [("GatewayUserOrder", 1)]
    # modify to a marketable price fills against the book
    h.call("Order/modify", {"accountId": 7001, "orderId": oid, "limitPrice": 21000.25})
    assert h.order(oid)["status"] == 2
    env = h.call("Order/modify", {"accountId": 7001, "orderId": oid, "size": 10})
    assert env["errorCode"] == 3  # filled: not working


# ------------------------------------------------------------------------ positions and P&L
def test_spec_example_mym_long_15_from_49909_to_49983_realises_555() -> None:
    h = Harness()
    h.book("MYM", 49908.0, 49909.0)
    h.place("MYM", type=2, side=0, size=15)
    h.book("MYM", 49983.0, 49984.0)
    h.place("MYM", type=2, side=1, size=15)
    closing = next(t for t in h.trades() if t["side"] == 1)
    assert closing["profitAndLoss"] == 555.0
    opening = next(t for t in h.trades() if t["side"] == 0)
    assert opening["profitAndLoss"] is None
    assert h.balance() == round(50_000 - h.fee("MYM", 15) + 555.0 - h.fee("MYM", 15), 2)
    assert h.positions() == []


def test_spec_example_zb_short_15_from_113_46875_to_113_5_realises_minus_468_75() -> None:
    h = Harness()
    h.book("ZB", 113.46875, 113.5)
    h.place("ZB", type=2, side=1, size=15)
    assert h.positions()[0]["averagePrice"] == 113.46875
    h.place("ZB", type=2, side=0, size=15)
    closing = next(t for t in h.trades() if t["side"] == 0)
    assert closing["profitAndLoss"] == -468.75
    assert h.balance() == round(50_000 - 2 * h.fee("ZB", 15) - 468.75, 2)


def test_position_averaging_and_flip_opens_a_new_position_id(h: Harness) -> None:
    h.book("MNQ", 20999.75, 21000.0)
    h.place(type=2, side=0, size=1)  # 1 @ 21000.00
    h.book("MNQ", 21000.75, 21001.0)
    h.place(type=2, side=0, size=3)  # 3 @ 21001.00
    pos = h.positions()[0]
    assert (pos["size"], pos["averagePrice"]) == (4, 21000.75)  # (21000 + 3*21001) / 4
    first_id = pos["id"]
    h.book("MNQ", 21002.0, 21002.25)
    h.take()
    h.place(type=2, side=1, size=6)  # closes 4 @ 21002.00, opens 2 short
    closing = next(t for t in h.trades() if t["side"] == 1)
    assert closing["size"] == 6
    assert closing["profitAndLoss"] == (21002.0 - 21000.75) * 4 * 0.5 / 0.25
    pos = h.positions()[0]
    assert (pos["type"], pos["size"], pos["averagePrice"]) == (2, 2, 21002.0)
    assert pos["id"] != first_id
    pos_events = [a["data"] for t, _, a in h.take() if t == "GatewayUserPosition"]
    assert [(p["id"], p["size"]) for p in pos_events] == [(first_id, 0), (pos["id"], 2)]


def test_partial_close_and_close_contract_codes(h: Harness) -> None:
    body = {"accountId": 7001, "contractId": h.cid()}
    assert h.call("Position/closeContract", body)["errorCode"] == 2
    h.book("MNQ", 21000.0, 21000.25)
    h.place(type=2, side=0, size=3)
    for bad in (0, -1, 4):
        assert h.call("Position/partialCloseContract", body | {"size": bad})["errorCode"] == 5
    env = h.call("Position/partialCloseContract", body | {"size": 1})
    assert env == {"success": True, "errorCode": 0, "errorMessage": None}
    assert h.positions()[0]["size"] == 2
    assert (
        h.call("Position/closeContract", body | {"contractId": "CON.F.US.XXX.Z26"})["errorCode"]
        == 3
    )
    h.take()
    assert h.call("Position/closeContract", body)["success"]
    ev = _kinds(h.take())
    assert ev[0] == ("GatewayUserOrder", 6) and ("GatewayUserPosition", 0) in ev
    assert h.positions() == []


# ------------------------------------------------------------------------ validation (§9.3)
def test_validation_order_and_codes() -> None:
    h = Harness()
    cid = h.cid()
    good = {"accountId": 7001, "contractId": cid, "type": 2, "side": 0, "size": 1}
    # account of another user -> 1 even when everything else is wrong too
    assert h.call("Order/place", good | {"accountId": 8001, "size": 0})["errorCode"] == 1
    assert h.call("Order/place", good | {"accountId": 9999})["errorCode"] == 1
    # unknown contract (8) is checked before size (2)
    env = h.call("Order/place", good | {"contractId": "CON.F.US.NOPE.Z26", "size": 0})
    assert (env["errorCode"], env["orderId"]) == (8, None)
    expired = next(c for c in h.x.contracts.values() if c.root == "MNQ" and not c.active)
    assert h.call("Order/place", good | {"contractId": expired.id})["errorCode"] == 9
    for bad in ({"size": 0}, {"size": -2}, {"side": 2}, {"type": 99}, {"type": 0}):
        env = h.call("Order/place", good | bad)
        assert (env["errorCode"], env["orderId"]) == (2, None), bad
    env = h.call("Order/place", good | {"type": 1, "limitPrice": 21000.1})
    assert (env["errorCode"], env["errorMessage"]) == (
        2,
        "Invalid price. Price is not aligned to tick size.",
    )
    assert env["orderId"] is not None
    assert h.call("Order/place", good | {"type": 1})["errorCode"] == 2  # no limit price
    assert h.call("Order/place", good | {"type": 4})["errorCode"] == 2  # no stop price
    # canTrade false (10) is checked before the contract (8)
    h.x.configure_account(7001, canTrade=False)
    assert h.call("Order/place", good | {"contractId": "nope"})["errorCode"] == 10
    h.x.configure_account(7001, canTrade=True, violation=True)
    assert h.call("Order/place", good)["errorCode"] == 4


def test_custom_tag_must_be_unique_on_the_account(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    assert h.place(type=1, side=0, size=1, limitPrice=20990.0, customTag="a")["success"]
    env = h.place(type=1, side=0, size=1, limitPrice=20990.0, customTag="a")
    assert (env["success"], env["errorCode"]) == (False, 2) and env["errorMessage"]
    assert env["orderId"] is not None
    # another account may reuse it
    env = h.call(
        "Order/place",
        {
            "accountId": 8001,
            "contractId": h.cid(),
            "type": 2,
            "side": 0,
            "size": 1,
            "customTag": "a",
        },
        user="bob",
    )
    assert env["success"]


def test_insufficient_funds_for_new_exposure_only(h: Harness) -> None:
    margin = h.specs["MNQ"].margin
    h.x.configure_account(7001, balance=margin * 2 + 10)
    h.book("MNQ", 21000.0, 21000.25)
    env = h.place(type=2, side=0, size=3)
    assert (env["success"], env["errorCode"]) == (False, 3)
    assert h.order(env["orderId"])["status"] == 5
    assert h.place(type=2, side=0, size=2)["success"]
    assert h.place(type=2, side=1, size=2)["success"]  # reducing exposure always passes


def test_reject_next_order_fault(h: Harness) -> None:
    h.x.reject_next_order(5, "Market closed")
    env = h.place(type=2, side=0, size=1)
    assert (env["success"], env["errorCode"], env["errorMessage"]) == (False, 5, "Market closed")
    assert h.place(type=2, side=0, size=1)["success"]


# --------------------------------------------------------------------- isolation and queries
def test_account_isolation(h: Harness) -> None:
    jane = h.call("Account/search", {"onlyActiveAccounts": False})["accounts"]
    bob = h.call("Account/search", {"onlyActiveAccounts": False}, user="bob")["accounts"]
    assert [a["id"] for a in jane] == [7001] and [a["id"] for a in bob] == [8001]
    assert set(jane[0]) == {"id", "name", "balance", "canTrade", "isVisible", "simulated"}
    for ep, payload in (
        ("Order/search", "orders"),
        ("Order/searchOpen", "orders"),
        ("Position/searchOpen", "positions"),
        ("Trade/search", "trades"),
    ):
        env = h.call(ep, {"accountId": 8001, "startTimestamp": 0})
        assert (env["success"], env["errorCode"], env[payload]) == (False, 1, None), ep
    # bob's events never carry jane's account
    h.book("MNQ", 21000.0, 21000.25)
    h.take()
    h.place(type=2, side=0, size=1)
    assert {a for _, a, _ in h.take()} == {7001}


def test_order_and_trade_search_windows(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    first = h.place(type=2, side=0, size=1)["orderId"]
    h.clock.advance(60 * 10**9)
    second = h.place(type=2, side=0, size=1)["orderId"]
    mid = "2026-11-24T14:00:30Z"
    later = h.call("Order/search", {"accountId": 7001, "startTimestamp": mid})["orders"]
    assert [o["id"] for o in later] == [second]
    earlier = h.call(
        "Order/search",
        {"accountId": 7001, "startTimestamp": "2026-11-24T00:00:00Z", "endTimestamp": mid},
    )["orders"]
    assert [o["id"] for o in earlier] == [first]
    trades = h.call("Trade/search", {"accountId": 7001, "startTimestamp": mid})["trades"]
    assert [t["orderId"] for t in trades] == [second]


def test_field_profiles() -> None:
    legacy, ext = Harness(), Harness(profile="extended")
    for hh in (legacy, ext):
        hh.book("MNQ", 21000.0, 21000.25)
        hh.place(type=2, side=0, size=2)
    lo = legacy.call("Order/search", {"accountId": 7001, "startTimestamp": 0})["orders"][0]
    assert len(lo) == 15
    eo = ext.call("Order/search", {"accountId": 7001, "startTimestamp": 0})["orders"][0]
    assert set(eo) - set(lo) == {"trailDistance", "trailPrice", "parentOrderId", "linkedOrderId"}
    assert "contractDisplayName" not in legacy.positions()[0]
    assert ext.positions()[0]["contractDisplayName"] == "MNQZ26"
    lt, et = legacy.trades()[0], ext.trades()[0]
    assert "commissions" not in lt
    spec = legacy.specs["MNQ"]
    assert lt["fees"] == round((spec.fee + spec.commission) * 2, 2)
    assert (et["fees"], et["commissions"]) == (
        round(spec.fee * 2, 2),
        round(spec.commission * 2, 2),
    )
    assert legacy.balance() == ext.balance()


def test_contract_endpoints(h: Harness) -> None:
    env = h.call("Contract/search", {"searchText": "mnq", "live": False})
    assert env["contracts"][0]["id"] == h.cid() and env["contracts"][0]["activeContract"]
    assert all("MNQ" in c["name"] for c in env["contracts"])
    env = h.call("Contract/searchById", {"contractId": h.cid("ES")})
    assert env["contract"]["tickValue"] == 12.5 and env["contract"]["symbolId"] == "F.US.EP"
    env = h.call("Contract/searchById", {"contractId": "CON.F.US.NOPE.Z26"})
    assert (env["errorCode"], env["contract"]) == (1, None)
    avail = h.call("Contract/available", {"live": False})["contracts"]
    assert {c["id"] for c in avail} == {s.id for s in h.specs.values()}
    assert all(c["activeContract"] for c in avail)
    old = h.call("Contract/searchById", {"contractId": "CON.F.US.MNQ.U26"})["contract"]
    assert old["activeContract"] is False


def test_handle_accepts_any_case_and_rejects_unknown_endpoints(h: Harness) -> None:
    assert h.x.handle("account/SEARCH", "JANE", {"onlyActiveAccounts": True})["success"]
    with pytest.raises(KeyError):
        h.x.handle("Nope/nothing", "jane", {})


def test_check_api_key(h: Harness) -> None:
    assert h.x.check_api_key("JANE", "key-j") == 0
    assert h.x.check_api_key("jane", "key-b") == 3
    assert h.x.check_api_key("nobody", "key-j") == 3


def test_partial_fill_of_a_bracket_child_shrinks_its_sibling(oco: Harness) -> None:
    h = oco
    h.book("MNQ", 21000.0, 21000.25)
    pid = h.place(
        type=2,
        side=0,
        size=4,
        stopLossBracket={"ticks": -10, "type": 4},
        takeProfitBracket={"ticks": 10, "type": 1},
    )["orderId"]
    sl_id, tp_id = pid + 2, pid + 3
    tp_price = 21000.25 + 10 * 0.25
    h.trade("MNQ", tp_price, 1)
    tp, sl = h.order(tp_id), h.order(sl_id)
    assert (tp["status"], tp["fillVolume"]) == (1, 1)
    assert (sl["status"], sl["size"]) == (1, 3)
    assert h.positions()[0]["size"] == 3
    h.trade("MNQ", tp_price, 5)
    assert h.order(tp_id)["status"] == 2 and h.order(tp_id)["fillVolume"] == 4
    assert h.order(sl_id)["status"] == 3
    assert h.positions() == []


def test_market_order_beyond_displayed_depth_fills_the_rest_at_the_worst_level(
    h: Harness,
) -> None:
    h.book("MNQ", 21000.0, 21000.25, sizes=1)  # 10 levels of 1 contract
    env = h.place(type=2, side=0, size=12)
    fills = sorted((t["price"], t["size"]) for t in h.trades())
    assert fills[:9] == [(21000.25 + 0.25 * i, 1) for i in range(9)]
    assert fills[9] == (21000.25 + 0.25 * 9, 3)
    assert h.order(env["orderId"])["status"] == 2


def test_stop_already_through_the_market_triggers_at_once(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    env = h.place(type=4, side=0, size=1, stopPrice=20995.0)  # buy stop below the ask
    o = h.order(env["orderId"])
    assert o["status"] == 2 and o["filledPrice"] == 21000.25


def _session(seed: int) -> tuple[list[Any], list[Any], list[Any]]:
    """A scripted session against a live synthetic market; returns hub/REST observations."""
    clock = ManualClock(T0)
    specs = resolve_symbols(["MNQ"], T0)
    market = MarketSimulator(specs, seed=seed, rate_per_s=30.0, clock=clock)
    x = Exchange(market, clock)
    events: list[Any] = []
    x.add_user_event_listener(lambda t, a, arg: events.append((t, a, arg)))
    x.add_user("u", "k", [{"id": 1, "name": "A", "bracketMode": "auto_oco"}])
    cid = specs[0].id
    stream: list[Any] = []
    for minute in range(6):
        last = market.last_price(cid)
        assert last is not None
        for body in (
            {"type": 1, "side": 0, "size": 2, "limitPrice": last - 1.0},
            {"type": 1, "side": 1, "size": 2, "limitPrice": last + 1.0},
            {"type": 4, "side": 1, "size": 1, "stopPrice": last - 2.0},
            {"type": 5, "side": 0, "size": 1, "trailPrice": last + 2.0},
            {
                "type": 2,
                "side": minute % 2,
                "size": 1,
                "stopLossBracket": {"ticks": -8 if minute % 2 == 0 else 8, "type": 4},
                "takeProfitBracket": {"ticks": 8 if minute % 2 == 0 else -8, "type": 1},
            },
        ):
            assert x.handle("Order/place", "u", {"accountId": 1, "contractId": cid} | body)[
                "success"
            ]
        clock.advance(60 * 10**9)
        stream.extend(market.advance(clock.now_ns()))
    orders = x.handle("Order/search", "u", {"accountId": 1, "startTimestamp": 0})["orders"]
    return events, stream, orders


def test_exchange_and_market_are_deterministic_and_resting_orders_fill_from_the_market() -> None:
    a, b, c = _session(21), _session(21), _session(22)
    assert a == b
    assert a[1] != c[1]
    events, _, orders = a
    by_type: dict[int, list[int]] = {}
    for o in orders:
        by_type.setdefault(o["type"], []).append(o["status"])
    # the random walk reaches some resting limits, stops and trailing stops
    assert 2 in by_type[1] and 2 in by_type[4] and 2 in by_type[5]
    trades = [e for e in events if e[0] == "GatewayUserTrade"]
    assert len(trades) > 20


def test_search_by_id_and_v2_query(h: Harness) -> None:
    h.book("MNQ", 21000.0, 21000.25)
    filled = h.place(type=2, side=0, size=1)["orderId"]
    h.clock.advance(10**9)
    working = h.place(type=1, side=0, size=1, limitPrice=20990.0)["orderId"]
    env = h.call("Order/searchById", {"accountId": 7001, "orderId": working})
    assert env["success"] and env["order"]["id"] == working
    env = h.call("Order/searchById", {"accountId": 7001, "orderId": working + 99})
    assert (env["errorCode"], env["order"]) == (1, None)
    env = h.call("Order/searchById", {"accountId": 8001, "orderId": working}, user="bob")
    assert env["errorCode"] == 1  # not bob's order
    q = {"filter": {"accountId": 7001, "statuses": [1]}, "includeTotalCount": True}
    env = h.call("Order/v2/query", q)
    assert [o["id"] for o in env["orders"]] == [working] and env["totalCount"] == 1
    q = {"filter": {"accountId": 7001}, "sortBy": 1, "sortDirection": 1, "pageSize": 1}
    env = h.call("Order/v2/query", q)
    assert [o["id"] for o in env["orders"]] == [working] and env["totalCount"] is None
    q = {"filter": {"accountId": 7001}, "pageSize": 1, "pageOffset": 0}  # oldest first
    assert [o["id"] for o in h.call("Order/v2/query", q)["orders"]] == [filled]
    q["pageOffset"] = 1
    assert [o["id"] for o in h.call("Order/v2/query", q)["orders"]] == [working]
    assert h.call("Order/v2/query", {"filter": {"accountId": 8001}})["errorCode"] == 1


@pytest.mark.parametrize(
    ("when", "is_open"),
    [
        ("2026-11-24T14:00:00Z", True),  # Tuesday 09:00 New York
        ("2026-11-24T22:30:00Z", False),  # Tuesday 17:30 New York: daily halt
        ("2026-11-24T23:00:00Z", True),  # Tuesday 18:00 New York: reopened
        ("2026-11-28T15:00:00Z", False),  # Saturday
        ("2026-11-29T22:59:00Z", False),  # Sunday 17:59 New York
        ("2026-11-29T23:00:00Z", True),  # Sunday 18:00 New York
        ("2026-11-27T22:00:00Z", False),  # Friday 17:00 New York
        ("2026-07-10T21:30:00Z", False),  # Friday 17:30 EDT (summer time)
        ("2026-07-10T20:30:00Z", True),  # Friday 16:30 EDT
    ],
)
def test_optional_trading_hours(when: str, is_open: bool) -> None:
    clock = ManualClock(parse_ts(when))
    specs = resolve_symbols(["MNQ"], clock.now_ns())
    market = MarketSimulator(specs, seed=1, rate_per_s=0, clock=clock)
    x = Exchange(market, clock, trading_hours=True)
    x.add_user("u", "k", [{"id": 1, "name": "A"}])
    body = {"accountId": 1, "contractId": specs[0].id, "type": 2, "side": 0, "size": 1}
    env = x.handle("Order/place", "u", body)
    assert env["success"] is is_open
    if not is_open:
        assert (env["errorCode"], env["orderId"]) == (5, None)
    always = Exchange(MarketSimulator(specs, seed=1, rate_per_s=0, clock=clock), clock)
    always.add_user("u", "k", [{"id": 1, "name": "A"}])
    assert always.handle("Order/place", "u", body)["success"]  # calendar off by default
