"""Rights withdrawn from connections that are already open.

Rooms are checked when a connection joins them, and ``live.connect`` on every client
event; but a joined room keeps delivering its broadcasts. So once a change to a member's
status or roles is committed, or once they sign out, every open connection of that
member is checked again, in every process:

- the request travels as an internal event, ``facettes.revoke``, addressed to the member's
  room ``member:<id>`` (every connection joins it at connect). With a message queue it goes
  through Socket.IO's pub/sub channel like any emit, so each process receives it, in order
  with the emits made before and after it; each process handles it for its own connections
  and never forwards it to a client. Without a queue the process handles it at once;
- for each connection, each room it is in is checked again (``kind.action`` on
  ``kind.loader(id)``, as on join): the rooms refused are left and the client is told
  which and why (``rights_changed``);
- a member who may no longer connect at all, or the connections of a session that signed
  out, receive ``rights_changed`` with ``closing: true`` and are disconnected. The Flask
  session a connection sees is the copy of its cookie taken at connect, so after a sign-out
  it would still name the member: disconnecting is what ends it.

The request is queued after the commit (app.after_commit): a rolled-back change revokes
nothing. A sign-out closes only the connections opened with that session (the random
``live_session`` id set at sign-in), not the member's other browsers.
"""

from __future__ import annotations

import logging
import secrets
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, session
from flask_babel import force_locale
from flask_babel import gettext as _
from socketio import PubSubManager

from app import policy
from app.after_commit import after_commit
from app.errors import DomainError
from app.extensions import db, socketio
from app.live.rooms import is_room_name, member_room, parse_room

log = logging.getLogger("facettes.live")

REQUEST_EVENT = "facettes.revoke"  # between processes only, never sent to a client
NOTICE_EVENT = "rights_changed"
SESSION_KEY = "live_session"
NAMESPACE = "/"
RIGHTS, SIGNED_OUT = "rights", "signed_out"

_install_lock = threading.Lock()


# --- hooks for the members domain --------------------------------------------------------


def session_started() -> None:
    """At sign-in: name this browser's session, so that its sign-out closes its sockets only."""
    session[SESSION_KEY] = secrets.token_urlsafe(16)


def member_changed(member: Any) -> None:
    """The member's status or roles changed: once committed, re-check their open connections."""
    _queue({"member": member.id, "cause": RIGHTS})


def session_ended(member_id: int) -> None:
    """Sign-out: once committed, close the member's connections opened with this session."""
    token = session.pop(SESSION_KEY, None)
    _queue({"member": member_id, "cause": SIGNED_OUT, "session": token})


def _queue(request: dict) -> None:
    app = current_app._get_current_object()
    after_commit(lambda: broadcast(app, request))


# --- across processes ----------------------------------------------------------------------


def broadcast(app: Flask, request: dict) -> None:
    """Have every process re-check the member's connections; this one's are done on return."""
    server = socketio.server
    if server is None:
        return
    if isinstance(server.manager, PubSubManager):
        install(app, server)
        # The pub/sub manager handles an emit in this process first, then publishes it.
        server.emit(REQUEST_EVENT, request, to=member_room(request["member"]), namespace=NAMESPACE)
    else:
        revoke_local(app, server, request)


def install(app: Flask, server: Any) -> None:
    """Make this process's pub/sub manager handle revocation requests instead of delivering them.

    Called on every connection (app.live.events) and before publishing a request: a
    process that has connections has therefore installed it before anything can be revoked.
    """
    manager = server.manager
    if not isinstance(manager, PubSubManager) or getattr(manager, "_facettes_revocation", False):
        return
    with _install_lock:
        if getattr(manager, "_facettes_revocation", False):
            return
        # Every message of the channel, this process's own emits included, passes here.
        original = manager._handle_emit

        def handle_emit(message: dict) -> None:
            if message.get("event") != REQUEST_EVENT:
                return original(message)
            data = message.get("data")
            request = data[0] if isinstance(data, list) and len(data) == 1 else data
            if (message.get("namespace") or NAMESPACE) == NAMESPACE and isinstance(request, dict):
                revoke_local(app, server, request)
            return None

        manager._handle_emit = handle_emit
        manager._facettes_revocation = True


# --- in one process ------------------------------------------------------------------------


@dataclass
class Plan:
    sid: str
    left: list[dict] = field(default_factory=list)  # [{room, code, message}]
    closing: dict | None = None  # {code, message} when the connection is closed


def revoke_local(app: Flask, server: Any, request: dict) -> None:
    """Re-check the member's connections held by this process; leave rooms, or disconnect."""
    try:
        member_id = int(request["member"])
        cause = request.get("cause", RIGHTS)
    except (KeyError, TypeError, ValueError):
        log.error("Malformed revocation request %r", request)
        return
    sids = [sid for sid, _eio in server.manager.get_participants(NAMESPACE, member_room(member_id))]
    if not sids:
        return  # the common case, at no database cost
    plans = []
    # A context of its own, hence a session of its own: this may run inside the after-commit
    # hook of the session that made the change, which can no longer query.
    with app.app_context():
        for sid in sids:
            try:
                plan = _evaluate(app, server, sid, member_id, cause, request.get("session"))
            except Exception:
                log.exception("Could not re-check the rights of connection %s", sid)
                continue
            if plan is not None:
                plans.append(plan)
    for plan in plans:
        _apply(server, plan)


def _rooms_of(server: Any, sid: str) -> list[str]:
    # A snapshot: other threads join and leave rooms meanwhile.
    rooms = list(server.manager.rooms.get(NAMESPACE, {}).items())
    return sorted(name for name, sids in rooms if is_room_name(name) and sid in sids)


def _evaluate(app: Flask, server: Any, sid: str, member_id: int, cause: str, token: str | None) -> Plan | None:
    environ = server.get_environ(sid, NAMESPACE)
    if environ is None:
        return None  # disconnected meanwhile
    # The connection's own request: its session cookie (taken at connect) and languages.
    with app.request_context(environ):
        from app.members.models import Member

        member = db.session.get(Member, member_id)
        language = getattr(member, "language", None)
        with force_locale(language) if language in app.config["LANGUAGES"] else nullcontext():
            rooms = _rooms_of(server, sid)
            if cause == SIGNED_OUT:
                if session.get(SESSION_KEY) != token:
                    return None  # another browser, still signed in
                return _closing(sid, rooms, "signed_out",
                                _("You signed out: this page no longer receives live updates."))
            reason = policy.refusal(member, "live.connect")
            if reason is not None:
                return _closing(sid, rooms, "unauthenticated" if member is None else "forbidden", reason)
            left = [entry for entry in map(lambda name: _recheck(member, name), rooms) if entry is not None]
            return Plan(sid, left=left) if left else None


def _recheck(member: Any, name: str) -> dict | None:
    try:
        kind, target_id = parse_room(name)
    except DomainError:
        return None  # a room of no registered kind is not one a client could join
    target = kind.loader(target_id)
    if target is None:
        return {"room": name, "code": "not_found", "message": _("%(room)s does not exist.", room=name)}
    reason = policy.refusal(member, kind.action, target)
    if reason is not None:
        return {"room": name, "code": "forbidden", "message": reason}
    return None


def _closing(sid: str, rooms: list[str], code: str, message: str) -> Plan:
    return Plan(sid, left=[{"room": name, "code": code, "message": message} for name in rooms],
                closing={"code": code, "message": message})


def _apply(server: Any, plan: Plan) -> None:
    payload: dict = {"closing": plan.closing is not None, "rooms": plan.left}
    try:
        if plan.closing is None:
            for entry in plan.left:
                server.leave_room(plan.sid, entry["room"], namespace=NAMESPACE)
        else:
            payload.update(plan.closing)
        # Local connections only: this process is the one that holds them.
        server.emit(NOTICE_EVENT, payload, to=plan.sid, namespace=NAMESPACE, ignore_queue=True)
        if plan.closing is not None:
            # Sent after the notice on the same connection, so the client reads why first.
            server.disconnect(plan.sid, namespace=NAMESPACE, ignore_queue=True)
    except Exception:
        log.exception("Could not revoke the rights of connection %s", plan.sid)
