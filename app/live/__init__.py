"""Socket.IO: connections authenticated from the session, rooms, emits after commit.

What the other domains use (see docs/live.md):

- room names: ``room(kind, target)``, ``member_room``, ``meeting_room``, ``ballot_room``,
  ``proposal_room``;
- ``register_room_kind(kind, action=..., loader=..., snapshot=...)`` lets clients join
  ``<kind>:<id>`` when the policy allows, and gives them the current state on join;
- ``emit_to(room, event, payload)`` from a service: sent once the transaction commits;
  ``emit_now`` for broadcasts outside a transaction;
- ``@on("event")`` for client events: commit on success, rollback on error, DomainError
  turned into an ``{"ok": false, "error": {...}}`` acknowledgement.
- ``revocation``: once a member's status or roles change, or they sign out, their open
  connections are checked again in every process (rooms left, or the connection closed),
  with a ``rights_changed`` notice; the members domain calls its hooks.
"""

from app.live.events import error_ack, ok_ack, on
from app.live.outbox import emit_now, emit_to
from app.live.rooms import (
    ROOM_KINDS,
    RoomKind,
    UnknownRoomKind,
    ballot_room,
    meeting_room,
    member_room,
    parse_room,
    proposal_room,
    register_room_kind,
    room,
)

__all__ = [
    "ROOM_KINDS",
    "RoomKind",
    "UnknownRoomKind",
    "ballot_room",
    "emit_now",
    "emit_to",
    "error_ack",
    "meeting_room",
    "member_room",
    "ok_ack",
    "on",
    "parse_room",
    "proposal_room",
    "register_room_kind",
    "room",
]
