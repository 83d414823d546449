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

from app import live
from app.after_commit import after_commit
from app.extensions import db, socketio
from app.live.coalesce import Coalescer
from app.votes import signals

log = logging.getLogger("facettes.meetings.live")
PROJECTOR_NAMESPACE = "/projector"
DEFAULT_INTERVAL = 0.25


def meeting_id_of_context(context: str | None) -> int | None:
    if context and context.startswith("meeting:") and context[8:].isdigit():
        return int(context[8:])
    return None


def changed(meeting) -> None:
    """Bump the meeting's version and ping both audiences once the change is committed."""
    meeting.version = (meeting.version or 0) + 1
    meeting_id = meeting.id
    payload = {"meeting": meeting_id, "version": meeting.version}
    live.emit_to(live.meeting_room(meeting), "meeting_changed", payload)
    after_commit(lambda: emit_to_projectors("meeting_changed", meeting_id, payload))


def emit_to_projectors(event_name: str, meeting_id: int, payload) -> None:
    try:
        socketio.emit(event_name, payload, to=live.meeting_room(meeting_id), namespace=PROJECTOR_NAMESPACE)
    except Exception:
        log.exception("Could not emit %s to the projectors of meeting %s", event_name, meeting_id)


@signals.vote_recorded.connect
def _vote_recorded(ballot, **kwargs) -> None:
    meeting_id = meeting_id_of_context(ballot.context)
    if meeting_id is not None:
        turnout_broadcaster.touch_after_commit(meeting_id)


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


turnout_broadcaster = Coalescer("meeting turnout", _emit_turnout, "MEETINGS_LIVE_INTERVAL", DEFAULT_INTERVAL)
