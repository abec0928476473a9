"""Named ``errorCode`` values and ``errorMessage`` texts of the simulator's exchange.

One :class:`~enum.IntEnum` per endpoint enum of spec §3.3 (same names, members in
UPPER_SNAKE_CASE, the same numbers), so the exchange never writes a bare number. Members are
``int``\\ s: envelopes serialise them as plain numbers and compare equal to them.

The messages are the exact texts of spec §3.3 (re-exported from :mod:`projectx.sim.orders`,
where the order-side helpers use them too) plus the simulator's own validation texts for
``Order/place`` and ``Order/modify`` ([INFERRED]: the spec documents code 2 / 3 without a text).
"""

from __future__ import annotations

from enum import IntEnum

from projectx.sim.orders import (
    MSG_BRACKET_MODE,
    MSG_FOLLOWER,
    MSG_INVALID_SYMBOL,
    MSG_LIVE,
    MSG_NO_LAST,
    MSG_NOT_WORKING,
    MSG_PRICE_ALIGN,
    MSG_PRICE_NOT_POSITIVE,
    MSG_TRAIL_ALIGN,
    MSG_TRAIL_MAX,
    MSG_TRAIL_NOT_SET,
    MSG_UNSUPPORTED,
)

__all__ = [
    "MSG_BRACKET_MODE",
    "MSG_FOLLOWER",
    "MSG_INSUFFICIENT_FUNDS",
    "MSG_INVALID_SIDE",
    "MSG_INVALID_SIZE",
    "MSG_INVALID_SYMBOL",
    "MSG_INVALID_TYPE",
    "MSG_LIMIT_NOT_ALLOWED",
    "MSG_LIMIT_REQUIRED",
    "MSG_LIVE",
    "MSG_NOT_WORKING",
    "MSG_NO_LAST",
    "MSG_PRICE_ALIGN",
    "MSG_PRICE_NOT_POSITIVE",
    "MSG_SIZE_BELOW_FILLED",
    "MSG_STOP_NOT_ALLOWED",
    "MSG_STOP_REQUIRED",
    "MSG_TAG_NOT_UNIQUE",
    "MSG_TRAIL_ALIGN",
    "MSG_TRAIL_MAX",
    "MSG_TRAIL_NOT_ALLOWED",
    "MSG_TRAIL_NOT_SET",
    "MSG_UNSUPPORTED",
    "CancelOrderErrorCode",
    "ClosePositionErrorCode",
    "LoginErrorCode",
    "ModifyOrderErrorCode",
    "PartialClosePositionErrorCode",
    "PlaceOrderErrorCode",
    "RetrieveBarErrorCode",
    "SearchContractByIdErrorCode",
    "SearchOrderByIdErrorCode",
    "SearchOrderErrorCode",
    "SearchPositionErrorCode",
    "SearchTradeErrorCode",
]

# ----------------------------------------------------------- simulator validation texts
MSG_INVALID_TYPE = "Invalid order type."
MSG_INVALID_SIDE = "Invalid order side."
MSG_INVALID_SIZE = "Invalid order size."
MSG_LIMIT_REQUIRED = "Limit price is required."
MSG_STOP_REQUIRED = "Stop price is required."
MSG_TAG_NOT_UNIQUE = "Custom tag must be unique."
MSG_INSUFFICIENT_FUNDS = "Insufficient funds."
MSG_SIZE_BELOW_FILLED = "Size cannot be less than the filled volume."
MSG_LIMIT_NOT_ALLOWED = "Limit price cannot be set on this order type."
MSG_STOP_NOT_ALLOWED = "Stop price cannot be set on this order type."
MSG_TRAIL_NOT_ALLOWED = "Trail price cannot be set on this order type."


# ------------------------------------------------------------------ §3.3 errorCode enums
class LoginErrorCode(IntEnum):
    """``Auth/loginKey``, ``Auth/loginApp``."""

    SUCCESS = 0
    USER_NOT_FOUND = 1
    PASSWORD_VERIFICATION_FAILED = 2
    INVALID_CREDENTIALS = 3
    APP_NOT_FOUND = 4
    APP_VERIFICATION_FAILED = 5
    INVALID_DEVICE = 6
    AGREEMENTS_NOT_SIGNED = 7
    UNKNOWN_ERROR = 8
    API_SUBSCRIPTION_NOT_FOUND = 9
    API_KEY_AUTHENTICATION_DISABLED = 10


class SearchContractByIdErrorCode(IntEnum):
    """``Contract/searchById``."""

    SUCCESS = 0
    CONTRACT_NOT_FOUND = 1


class RetrieveBarErrorCode(IntEnum):
    """``History/retrieveBars``."""

    SUCCESS = 0
    CONTRACT_NOT_FOUND = 1
    UNIT_INVALID = 2
    UNIT_NUMBER_INVALID = 3
    LIMIT_INVALID = 4


class SearchOrderErrorCode(IntEnum):
    """``Order/search``, ``Order/searchOpen`` and ``Order/v2/query``."""

    SUCCESS = 0
    ACCOUNT_NOT_FOUND = 1


class SearchOrderByIdErrorCode(IntEnum):
    """``Order/searchById``."""

    SUCCESS = 0
    ORDER_NOT_FOUND = 1


class PlaceOrderErrorCode(IntEnum):
    """``Order/place`` (the §9.3 validation steps return them in this order: 1, 10/4, 8/9, 5, 2,
    3)."""

    SUCCESS = 0
    ACCOUNT_NOT_FOUND = 1
    ORDER_REJECTED = 2
    INSUFFICIENT_FUNDS = 3
    ACCOUNT_VIOLATION = 4
    OUTSIDE_TRADING_HOURS = 5
    ORDER_PENDING = 6
    UNKNOWN_ERROR = 7
    CONTRACT_NOT_FOUND = 8
    CONTRACT_NOT_ACTIVE = 9
    ACCOUNT_REJECTED = 10


class CancelOrderErrorCode(IntEnum):
    """``Order/cancel``."""

    SUCCESS = 0
    ACCOUNT_NOT_FOUND = 1
    ORDER_NOT_FOUND = 2
    REJECTED = 3
    PENDING = 4
    UNKNOWN_ERROR = 5
    ACCOUNT_REJECTED = 6


class ModifyOrderErrorCode(IntEnum):
    """``Order/modify``."""

    SUCCESS = 0
    ACCOUNT_NOT_FOUND = 1
    ORDER_NOT_FOUND = 2
    REJECTED = 3
    PENDING = 4
    UNKNOWN_ERROR = 5
    ACCOUNT_REJECTED = 6
    CONTRACT_NOT_FOUND = 7


class SearchPositionErrorCode(IntEnum):
    """``Position/searchOpen``."""

    SUCCESS = 0
    ACCOUNT_NOT_FOUND = 1


class ClosePositionErrorCode(IntEnum):
    """``Position/closeContract``."""

    SUCCESS = 0
    ACCOUNT_NOT_FOUND = 1
    POSITION_NOT_FOUND = 2
    CONTRACT_NOT_FOUND = 3
    CONTRACT_NOT_ACTIVE = 4
    ORDER_REJECTED = 5
    ORDER_PENDING = 6
    UNKNOWN_ERROR = 7
    ACCOUNT_REJECTED = 8


class PartialClosePositionErrorCode(IntEnum):
    """``Position/partialCloseContract``."""

    SUCCESS = 0
    ACCOUNT_NOT_FOUND = 1
    POSITION_NOT_FOUND = 2
    CONTRACT_NOT_FOUND = 3
    CONTRACT_NOT_ACTIVE = 4
    INVALID_CLOSE_SIZE = 5
    ORDER_REJECTED = 6
    ORDER_PENDING = 7
    UNKNOWN_ERROR = 8
    ACCOUNT_REJECTED = 9


class SearchTradeErrorCode(IntEnum):
    """``Trade/search``."""

    SUCCESS = 0
    ACCOUNT_NOT_FOUND = 1
