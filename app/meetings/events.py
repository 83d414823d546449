"""Live meetings: the room ``meeting:<id>``, the phone's events, and the projector namespace.

- Members join ``meeting:<id>`` (policy "meetings.view") and receive ``state.member_snapshot``:
  current item, speaker queue and timer, ballot and turnout, and their own check-in, hand
  and vote. Rejoining after a lost connection gives all of it again.
- ``meeting.checkin``, ``meeting.hand``, ``meeting.lower_hand``: the phone's actions, through
  the live wrapper (committed before the acknowledgement) and the same services as the pages.
  Votes use the votes engine's own ``vote`` event.
- The projector connects to the ``/projector`` namespace with its signed link's token as
  ``auth``: the connection joins that meeting's room only, and can do nothing but read
  (``state``). No session cookie is needed, and a member's cookie grants nothing there.
"""

from __future__ import annotations

import logging

from flask import request
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError, join_room

from app import live
from app.errors import DomainError, InvalidInput
from app.extensions import db, socketio
from app.meetings import services, state
from app.meetings.broadcast import PROJECTOR_NAMESPACE
from app.meetings.models import Meeting

log = logging.getLogger("facettes.meetings.live")
# sid -> meeting id of each projector connection: what its `state` requests may read.
PROJECTORS: dict[str, int] = {}


def _load(meeting_id: int) -> Meeting | None:
    return db.session.get(Meeting, meeting_id)


live.register_room_kind("meeting", action="meetings.view", loader=_load, snapshot=state.member_snapshot)


def _meeting_of(data) -> Meeting:
    if not isinstance(data, dict) or isinstance(data.get("meeting"), bool) or not isinstance(data.get("meeting"), int):
        raise InvalidInput(_("Say which meeting, as {\"meeting\": 12}."), fields={"meeting": [_("Missing meeting.")]})
    return services.get_meeting(data["meeting"])


@live.on("meeting.checkin")
def checkin(member, data):
    """{"meeting": id, "code": "K7P-4QX", "mode": "on_site"|"remote"} -> the member's snapshot."""
    meeting = _meeting_of(data)
    services.check_in_with_code(meeting, member, data.get("code"), mode=data.get("mode"))
    db.session.flush()
    return {"state": state.member_snapshot(member, meeting.id)}


@live.on("meeting.hand")
def hand(member, data):
    """{"meeting": id, "stance": "for"|"against"|"question"}: raise a hand on the current item."""
    meeting = _meeting_of(data)
    services.raise_hand(meeting, member, data.get("stance"))
    return {"state": state.member_snapshot(member, meeting.id)}


@live.on("meeting.lower_hand")
def lower_hand(member, data):
    meeting = _meeting_of(data)
    services.lower_hand(meeting, member)
    return {"state": state.member_snapshot(member, meeting.id)}


# --- the projector's read-only namespace -------------------------------------------------------------


def _projector_state(meeting_id: int) -> dict:
    meeting = services.get_meeting(meeting_id)
    return state.projector_snapshot(meeting)


@socketio.on("connect", namespace=PROJECTOR_NAMESPACE)
def projector_connect(auth=None):
    try:
        if not isinstance(auth, dict) or not isinstance(auth.get("meeting"), int):
            raise InvalidInput(_("A projector connects with its meeting and the token of its link."))
        meeting = services.meeting_from_projector_token(auth["meeting"], auth.get("token"))
        meeting_id = meeting.id
    except DomainError as error:
        db.session.rollback()
        raise ConnectionRefusedError(error.message, {"code": error.code}) from None
    finally:
        db.session.remove()
    PROJECTORS[request.sid] = meeting_id
    join_room(live.meeting_room(meeting_id), namespace=PROJECTOR_NAMESPACE)


@socketio.on("disconnect", namespace=PROJECTOR_NAMESPACE)
def projector_disconnect(*args):
    PROJECTORS.pop(request.sid, None)


@socketio.on("state", namespace=PROJECTOR_NAMESPACE)
def projector_state(*args):
    """The projector's meeting state; the connection's own meeting, whatever is asked."""
    meeting_id = PROJECTORS.get(request.sid)
    if meeting_id is None:
        return {"ok": False, "error": {"code": "forbidden", "message": _("Not connected as a projector.")}}
    try:
        return {"ok": True, "state": _projector_state(meeting_id)}
    except DomainError as error:
        return live.error_ack(error)
    except Exception:
        log.exception("Projector state of meeting %s failed", meeting_id)
        return {"ok": False, "error": {"code": "internal_error", "message": _("Internal error; it has been logged.")}}
    finally:
        db.session.remove()
