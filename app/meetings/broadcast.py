"""Telling the rooms that a meeting changed, after the commit.

Two audiences: members in ``meeting:<id>`` on the default namespace (console, phones),
and projectors in the same room name on the ``/projector`` namespace, which only a
signed projector link may enter (see events.py).

- ``changed(meeting)``: a small ``meeting_changed`` {meeting, version} once the
  transaction commits; clients then fetch what they show (a fragment, or the snapshot).
  Nothing is lost by a missed ping: every (re)join gives the whole state.
- Votes on a meeting's ballot: at most one ``meeting_turnout`` per meeting per
  MEETINGS_LIVE_INTERVAL seconds (0.25 by default), whatever the vote rate, read from
  the database when sent.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import live
from app.extensions import db, socketio
from app.votes import signals

log = logging.getLogger("facettes.meetings.live")
PROJECTOR_NAMESPACE = "/projector"
PROJECTOR_OUTBOX = "facettes_meetings_projector_outbox"
TURNOUT_KEY = "facettes_meetings_turnout"
DEFAULT_INTERVAL = 0.25


def meeting_id_of_context(context: str | None) -> int | None:
    if context and context.startswith("meeting:") and context[8:].isdigit():
        return int(context[8:])
    return None


def changed(meeting) -> None:
    """Bump the meeting's version and ping both audiences once the change is committed."""
    meeting.version = (meeting.version or 0) + 1
    payload = {"meeting": meeting.id, "version": meeting.version}
    live.emit_to(live.meeting_room(meeting), "meeting_changed", payload)
    db.session().info.setdefault(PROJECTOR_OUTBOX, []).append(("meeting_changed", meeting.id, payload))


def emit_to_projectors(event_name: str, meeting_id: int, payload) -> None:
    try:
        socketio.emit(event_name, payload, to=live.meeting_room(meeting_id), namespace=PROJECTOR_NAMESPACE)
    except Exception:
        log.exception("Could not emit %s to the projectors of meeting %s", event_name, meeting_id)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for event_name, meeting_id, payload in session.info.pop(PROJECTOR_OUTBOX, []):
        emit_to_projectors(event_name, meeting_id, payload)
    meeting_ids = session.info.pop(TURNOUT_KEY, None)
    if meeting_ids and has_app_context():
        app = current_app._get_current_object()
        for meeting_id in meeting_ids:
            turnout_broadcaster.touch(app, meeting_id)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PROJECTOR_OUTBOX, None)
        session.info.pop(TURNOUT_KEY, None)


@signals.vote_recorded.connect
def _vote_recorded(ballot, **kwargs) -> None:
    meeting_id = meeting_id_of_context(ballot.context)
    if meeting_id is not None:
        db.session().info.setdefault(TURNOUT_KEY, set()).add(meeting_id)


class TurnoutBroadcaster:
    """At most one turnout broadcast per meeting per interval; the first one at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.dirty: dict[int, bool] = {}
        self.last: dict[int, float] = {}

    def touch(self, app, meeting_id: int) -> None:
        with self.lock:
            running = meeting_id in self.dirty
            self.dirty[meeting_id] = True
        if not running:
            socketio.start_background_task(self._run, app, meeting_id)

    def _run(self, app, meeting_id: int) -> None:
        interval = app.config.get("MEETINGS_LIVE_INTERVAL", DEFAULT_INTERVAL)
        try:
            while True:
                with self.lock:
                    wait = self.last.get(meeting_id, -math.inf) + interval - time.monotonic()
                if wait > 0:
                    socketio.sleep(wait)
                with self.lock:
                    self.dirty[meeting_id] = False
                    self.last[meeting_id] = time.monotonic()
                _emit_turnout(app, meeting_id)
                with self.lock:
                    if not self.dirty[meeting_id]:
                        del self.dirty[meeting_id]
                        return
        except Exception:
            log.exception("Turnout broadcast of meeting %s failed", meeting_id)
            with self.lock:
                self.dirty.pop(meeting_id, None)


turnout_broadcaster = TurnoutBroadcaster()


def _emit_turnout(app, meeting_id: int) -> None:
    from app.meetings import state

    with app.app_context():
        try:
            payload = state.turnout_payload(meeting_id)
        finally:
            db.session.remove()
    if payload is None:
        return
    try:
        socketio.emit("meeting_turnout", payload, to=live.meeting_room(meeting_id))
    except Exception:
        log.exception("Could not emit the turnout of meeting %s", meeting_id)
    emit_to_projectors("meeting_turnout", meeting_id, payload)
