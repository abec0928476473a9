"""Errors of the risk layer."""

from __future__ import annotations

from projectx.exceptions import ProjectXError, ValidationError

__all__ = ["RiskStateError", "RiskViolationError"]


class RiskViolationError(ValidationError):
    """An order (or a sizing request) breaks a risk rule; nothing was sent.

    ``rule`` names the rule (``max_position_size``, ``daily_loss_limit``, ...)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule


class RiskStateError(ProjectXError):
    """The persisted risk state cannot be read (corrupt or foreign file).

    Never silently reset: a lost state would forget the day's loss. Fix or remove the file."""
