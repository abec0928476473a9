"""Per-endpoint ``errorCode`` names (spec §3.3), used to word API errors."""

from __future__ import annotations

__all__ = ["error_name"]

_LOGIN = (
    "Success UserNotFound PasswordVerificationFailed InvalidCredentials AppNotFound "
    "AppVerificationFailed InvalidDevice AgreementsNotSigned UnknownError "
    "ApiSubscriptionNotFound ApiKeyAuthenticationDisabled"
)


def _n(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_NAMES: dict[str, tuple[str, ...]] = {
    "auth/loginkey": _n(_LOGIN),
    "auth/loginapp": _n(_LOGIN),
    "auth/validate": (
        "Success",
        "InvalidSession",
        "SessionNotFound",
        "ExpiredToken",
        "UnknownError",
    ),
    "auth/logout": ("Success", "InvalidSession", "UnknownError"),
    "contract/searchbyid": ("Success", "ContractNotFound"),
    "history/retrievebars": (
        "Success",
        "ContractNotFound",
        "UnitInvalid",
        "UnitNumberInvalid",
        "LimitInvalid",
    ),
    "order/search": ("Success", "AccountNotFound"),
    "order/searchopen": ("Success", "AccountNotFound"),
    "order/searchbyid": ("Success", "OrderNotFound"),
    "order/place": _n(
        "Success AccountNotFound OrderRejected InsufficientFunds AccountViolation "
        "OutsideTradingHours OrderPending UnknownError ContractNotFound ContractNotActive "
        "AccountRejected"
    ),
    "order/cancel": _n(
        "Success AccountNotFound OrderNotFound Rejected Pending UnknownError AccountRejected"
    ),
    "order/modify": _n(
        "Success AccountNotFound OrderNotFound Rejected Pending UnknownError AccountRejected "
        "ContractNotFound"
    ),
    "position/searchopen": ("Success", "AccountNotFound"),
    "position/closecontract": _n(
        "Success AccountNotFound PositionNotFound ContractNotFound ContractNotActive "
        "OrderRejected OrderPending UnknownError AccountRejected"
    ),
    "position/partialclosecontract": _n(
        "Success AccountNotFound PositionNotFound ContractNotFound ContractNotActive "
        "InvalidCloseSize OrderRejected OrderPending UnknownError AccountRejected"
    ),
    "trade/search": ("Success", "AccountNotFound"),
}


def error_name(endpoint: str, code: int | None) -> str:
    """``"OrderNotFound"`` for (``Order/cancel``, 2); ``"errorCode N"`` when unknown."""
    if code is None:
        return "no errorCode"
    names = _NAMES.get(endpoint.lower(), ())
    if 0 <= code < len(names):
        return names[code]
    return f"errorCode {code}"
