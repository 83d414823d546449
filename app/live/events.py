"""Socket.IO handlers: authenticated connections, join/leave/state, and the event wrapper.

Every client event goes through ``on(event)``, which gives it the semantics of an HTTP
request: commit on success, rollback on error, and an acknowledgement that says which.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from app import policy
from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db, socketio
from app.live import revocation
from app.live.acks import check_event, error_ack, internal_error_ack, ok_ack
from app.live.group_commit import GroupCommitter
from app.live.rooms import RoomKind, member_room, parse_room, register_room_kind

log = logging.getLogger("facettes.live")

Handler = Callable[[Any, Any], Any]


def _member():
    # The member even when inactive (a former member): the policy then says why they are refused.
    return None if current_user.is_anonymous else current_user._get_current_object()


def run_event(event: str, func: Handler, args: tuple) -> dict:
    """Run one client event as a request: the ack is sent only once the outcome is committed."""
    try:
        member = _member()
        data = check_event(member, args)
        result = func(member, data)
        ack = ok_ack(result)
        json.dumps(ack)  # an unserialisable result must not be committed and then lost
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return error_ack(error)
    except Exception:
        db.session.rollback()
        log.exception("Live event %r failed", event)
        return internal_error_ack()
    return ack


def on(event: str, namespace: str = "/", *, group_commit: bool = False,
       group_scope: Callable[[], AbstractContextManager] | None = None) -> Callable[[Handler], Handler]:
    """Register ``func(member, data)`` for a client event; its return value becomes the ack.

    Raise a DomainError for a refusal: the ack is then {"ok": false, "error": {code, message}}
    and the transaction is rolled back. Returning a dict gives {"ok": true, **dict}.

    ``group_commit``: under load, events that arrive during a commit share the next one
    (app/live/group_commit.py), when the LIVE_GROUP_COMMIT setting is on; ``func`` must then
    not use the request (it runs in the writer, with the member passed to it). ``group_scope``:
    a context manager the group's events run in, which writes what they queued at its end
    (see GroupCommitter).
    """

    def register(func: Handler) -> Handler:
        committer = GroupCommitter(event, func, group_scope) if group_commit else None

        @functools.wraps(func)
        def handler(*args):
            if committer is not None and current_app.config.get("LIVE_GROUP_COMMIT"):
                return committer.submit(args)
            return run_event(event, func, args)

        socketio.on_event(event, handler, namespace=namespace)
        return func

    return register


# --- connection ------------------------------------------------------------------------


@socketio.on("connect")
def on_connect(auth=None):
    member = _member()
    reason = policy.refusal(member, "live.connect")
    if reason is not None:
        code = "unauthenticated" if member is None else "forbidden"
        # The browser client receives this as connect_error: err.message, err.data.code.
        raise ConnectionRefusedError(reason, {"code": code})
    _watch_revocations()
    join_room(member_room(member))


def _watch_revocations() -> None:
    # Before the connection joins its member room: this process then handles the revocation
    # requests that other processes publish for it (app/live/revocation.py).
    revocation.install(current_app._get_current_object(), socketio.server)


# --- rooms -----------------------------------------------------------------------------


def _room_of(data: Any) -> str:
    if not isinstance(data, dict) or "room" not in data:
        raise InvalidInput(_("Say which room, as {\"room\": \"meeting:12\"}."), fields={"room": [_("Missing room.")]})
    return data["room"]


def _authorised(member, name: str) -> tuple[RoomKind, int]:
    kind, target_id = parse_room(name)
    target = kind.loader(target_id)
    if target is None:
        raise NotFound(_("%(room)s does not exist.", room=name))
    policy.require(member, kind.action, target)
    return kind, target_id


def _state(kind: RoomKind, member, target_id: int) -> Any:
    return kind.snapshot(member, target_id) if kind.snapshot is not None else None


@on("join")
def join(member, data):
    """Join a room the member may see; the ack carries its current state (snapshot)."""
    name = _room_of(data)
    kind, target_id = _authorised(member, name)
    # Join before reading the state, so that no change falls between the two.
    join_room(name)
    try:
        state = _state(kind, member, target_id)
    except Exception:
        leave_room(name)
        raise
    return {"room": name, "state": state}


@on("leave")
def leave(member, data):
    name = _room_of(data)
    parse_room(name)
    leave_room(name)
    return {"room": name}


@on("state")
def state(member, data):
    """The current state of a room, for a client that suspects it missed events."""
    name = _room_of(data)
    kind, target_id = _authorised(member, name)
    return {"room": name, "state": _state(kind, member, target_id)}


# --- member rooms ----------------------------------------------------------------------


def _load_member(member_id: int):
    from app.members.models import Member

    return db.session.get(Member, member_id)


register_room_kind("member", action="live.member_room", loader=_load_member)
