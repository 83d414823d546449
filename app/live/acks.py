"""The acknowledgements of client events, and the checks every event goes through first."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app import policy
from app.errors import DomainError, InvalidInput


def ok_ack(result: Any = None) -> dict:
    if result is None:
        return {"ok": True}
    if isinstance(result, dict):
        return {"ok": True, **result}
    return {"ok": True, "data": result}


def error_ack(error: DomainError) -> dict:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.fields:
        body["fields"] = error.fields
    return {"ok": False, "error": body}


def internal_error_ack() -> dict:
    return {"ok": False, "error": {"code": "internal_error", "message": _("Internal error; it has been logged.")}}


def check_event(member, args: tuple) -> Any:
    """What every client event checks first; returns its single payload."""
    # Checked on every event: a member who left the cooperative since connecting can no longer act.
    policy.require(member, "live.connect")
    if len(args) > 1:
        raise InvalidInput(_("Send a single payload with each event."))
    return args[0] if args else None
