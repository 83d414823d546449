"""Emits queued on the database session, sent only once the transaction commits.

A service calls ``emit_to(room, event, payload)`` where it changes data; members see the
event only if that change is committed (app.after_commit: a rolled-back transaction, or a
rolled-back SAVEPOINT for the emits queued inside it, sends nothing).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from app.after_commit import after_commit
from app.extensions import socketio
from app.live.rooms import is_room_name

log = logging.getLogger("facettes.live")


@dataclass(frozen=True)
class Emit:
    room: str
    event: str
    payload: Any


def _check(room: str, event_name: str, payload: Any) -> None:
    if not is_room_name(room):
        raise ValueError(f"not a room name: {room!r}")
    if not isinstance(event_name, str) or not event_name:
        raise ValueError(f"not an event name: {event_name!r}")
    # Fail inside the service, before the commit, rather than silently after it.
    json.dumps(payload)
    if isinstance(payload, tuple):
        # python-socketio would send a tuple as several arguments.
        raise ValueError("send a list, not a tuple")


def emit_to(room: str, event_name: str, payload: Any = None) -> None:
    """Send ``event_name`` to everyone in ``room`` once the current transaction commits."""
    _check(room, event_name, payload)
    item = Emit(room, event_name, payload)
    after_commit(lambda: _send(item))


def emit_now(room: str, event_name: str, payload: Any = None) -> None:
    """Send at once, outside any transaction (periodic broadcasts, state already committed)."""
    _check(room, event_name, payload)
    _send(Emit(room, event_name, payload))


def _send(item: Emit) -> None:
    try:
        socketio.emit(item.event, item.payload, to=item.room)
    except Exception:
        # The data is committed; a lost event is recovered by the snapshot on the next join.
        log.exception("Could not emit %s to %s", item.event, item.room)
