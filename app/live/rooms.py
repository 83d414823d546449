"""Room names and the registry of room kinds a client may ask to join.

A room is ``<kind>:<id>``. Each domain registers its kind once, naming the policy action
that decides who may listen, how to load the target that action is checked against, and
optionally how to build the current state a (re)joining client receives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app import policy
from app.errors import DomainError, InvalidInput, NotFound

KIND_PATTERN = r"[a-z][a-z_]{0,31}"
# Ids are database keys: positive, without sign or leading zero.
ROOM_RE = re.compile(rf"({KIND_PATTERN}):([1-9][0-9]{{0,9}})")
# Keys are INTEGER columns: PostgreSQL rejects a larger number in a query instead of finding nothing.
MAX_ID = 2**31 - 1

Loader = Callable[[int], Any]
Snapshot = Callable[[Any, int], Any]


class UnknownRoomKind(DomainError):
    status_code = 404
    code = "unknown_room_kind"


@dataclass(frozen=True)
class RoomKind:
    name: str
    action: str  # policy action checked with the loaded target
    loader: Loader  # id -> target, or None when it does not exist
    snapshot: Snapshot | None = None  # (member, id) -> JSON-serialisable current state


ROOM_KINDS: dict[str, RoomKind] = {}


def register_room_kind(kind: str, *, action: str, loader: Loader, snapshot: Snapshot | None = None) -> RoomKind:
    """Let clients join ``<kind>:<id>`` rooms when ``policy`` allows ``action`` on ``loader(id)``."""
    if not re.fullmatch(KIND_PATTERN, kind):
        raise ValueError(f"room kind {kind!r} must match {KIND_PATTERN}")
    if kind in ROOM_KINDS:
        raise RuntimeError(f"room kind {kind!r} registered twice")
    # Checked now so that a misspelt action fails at start-up, not on a member's first join.
    if action not in policy.RULES:
        raise RuntimeError(f"room kind {kind!r} names unknown policy action {action!r}")
    ROOM_KINDS[kind] = RoomKind(kind, action, loader, snapshot)
    return ROOM_KINDS[kind]


def room(kind: str, target: Any) -> str:
    """The room name for a target (an object with an ``id``, or the id itself)."""
    target_id = getattr(target, "id", target)
    if not re.fullmatch(KIND_PATTERN, kind):
        raise ValueError(f"room kind {kind!r} must match {KIND_PATTERN}")
    if isinstance(target_id, bool) or not isinstance(target_id, int) or not 0 < target_id <= MAX_ID:
        raise ValueError(f"room id must be a positive 32-bit integer, not {target_id!r}")
    return f"{kind}:{target_id}"


def member_room(member: Any) -> str:
    return room("member", member)


def meeting_room(meeting: Any) -> str:
    return room("meeting", meeting)


def ballot_room(ballot: Any) -> str:
    return room("ballot", ballot)


def proposal_room(proposal: Any) -> str:
    return room("proposal", proposal)


def is_room_name(name: Any) -> bool:
    return isinstance(name, str) and ROOM_RE.fullmatch(name) is not None


def parse_room(name: Any) -> tuple[RoomKind, int]:
    """Split a client-supplied room name; refuse malformed names and unregistered kinds."""
    match = ROOM_RE.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        raise InvalidInput(
            _("A room is named by a kind and a number, such as meeting:12."), fields={"room": [_("Invalid room.")]}
        )
    kind = ROOM_KINDS.get(match.group(1))
    if kind is None:
        raise UnknownRoomKind(_("There is no room of kind “%(kind)s”.", kind=match.group(1)))
    target_id = int(match.group(2))
    if target_id > MAX_ID:
        raise NotFound(_("%(room)s does not exist.", room=name))
    return kind, target_id
