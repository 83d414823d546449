"""Helpers shared by the meetings' services: loading, validating, signed links."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app.errors import Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting, SessionState
from app.members.models import Member
from app.timeutil import local_today

TITLE_MAX = 200
PLACE_MAX = 300
LINK_MAX = 500
TEXT_MAX = 5000
NOTES_MAX = 20000
# One salt per purpose: a projector link cannot be replayed as a reply link, nor the reverse.
PROJECTOR_SALT = "facettes.meetings.projector"
REPLY_SALT = "facettes.meetings.reply"


def get_meeting(meeting_id, *, lock: bool = False) -> Meeting:
    if isinstance(meeting_id, bool) or not isinstance(meeting_id, int) or not 0 < meeting_id < 2**31:
        raise NotFound(_("No such meeting."))
    query = select(Meeting).where(Meeting.id == meeting_id)
    if lock:
        # Orders concurrent console actions on one meeting (PostgreSQL row lock; SQLite serialises writers).
        query = query.with_for_update().execution_options(populate_existing=True)
    meeting = db.session.scalar(query)
    if meeting is None:
        raise NotFound(_("No such meeting."))
    return meeting


def get_item(meeting: Meeting, item_id) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id) if isinstance(item_id, int) and 0 < item_id < 2**31 else None
    if item is None or item.meeting_id != meeting.id:
        raise NotFound(_("This agenda item does not belong to this meeting."))
    return item


def get_active_member(member_id, field: str) -> Member:
    member = db.session.get(Member, member_id) if isinstance(member_id, int) and 0 < member_id < 2**31 else None
    status = member.status_on(local_today()) if member is not None else None
    if status is None or not status.is_active:
        raise InvalidInput(_("Unknown member, or no longer a member."), fields={field: [_("Choose a current member.")]})
    return member


def clean(value, field: str, errors: dict, *, maximum: int, required: bool = False) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[field] = [_("Text expected.")]
        return ""
    if required and not text:
        errors[field] = [_("Required.")]
    elif len(text) > maximum:
        errors[field] = [_("At most %(n)d characters.", n=maximum)]
    return text


def clean_url(value, field: str, errors: dict, *, required: bool = False, maximum: int = LINK_MAX) -> str:
    text = clean(value, field, errors, maximum=maximum, required=required)
    if text and field not in errors:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors[field] = [_("A web address starting with https:// (or http://).")]
    return text


def raise_if(errors: dict, message: str) -> None:
    if errors:
        raise InvalidInput(message, fields=errors)


def is_over(meeting: Meeting, now: datetime) -> bool:
    """Ended by the facilitator, or past its end without a session running."""
    if meeting.session_state == SessionState.ENDED:
        return True
    return meeting.session_state == SessionState.PLANNED and meeting.ends_at <= now


def require_not_ended(meeting: Meeting) -> None:
    if meeting.session_state == SessionState.ENDED:
        raise Forbidden(_("This meeting has ended: it can no longer be changed."))


# --- signed links ------------------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def projector_token(meeting: Meeting) -> str:
    """Read-only access to this meeting's projector view; a new meeting secret revokes it."""
    return _serializer(PROJECTOR_SALT).dumps({"meeting": meeting.id, "key": meeting.secret[:16]})


def meeting_from_projector_token(meeting_id: int, token: str) -> Meeting:
    try:
        data = _serializer(PROJECTOR_SALT).loads(token or "")
    except BadSignature:
        raise Forbidden(_("This projector link is not valid: it was altered or copied incompletely.")) from None
    if not isinstance(data, dict) or data.get("meeting") != meeting_id:
        raise Forbidden(_("This projector link belongs to another meeting."))
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or data.get("key") != meeting.secret[:16]:
        raise Forbidden(_("This projector link has been replaced by a new one: ask the facilitator for it."))
    return meeting


def reply_token(meeting: Meeting, member: Member) -> str:
    return _serializer(REPLY_SALT).dumps({"meeting": meeting.id, "member": member.id})


def member_from_reply_token(meeting_id: int, token: str) -> tuple[Meeting, Member]:
    try:
        data = _serializer(REPLY_SALT).loads(token or "")
    except BadSignature:
        raise Forbidden(_("This answer link is not valid: it was altered or copied incompletely.")) from None
    if not isinstance(data, dict) or data.get("meeting") != meeting_id:
        raise Forbidden(_("This answer link belongs to another meeting."))
    meeting = get_meeting(meeting_id)
    member = db.session.get(Member, data.get("member")) if isinstance(data.get("member"), int) else None
    if member is None:
        raise Forbidden(_("This answer link names nobody we know."))
    return meeting, member
