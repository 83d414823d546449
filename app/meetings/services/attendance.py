"""Check-in at the door and the attendance history (the seed: seminars are a duty)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import policy
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.meetings import broadcast, checkin
from app.meetings.models import Attendance, CheckinMode, Meeting, MeetingKind, SessionState
from app.meetings.services.common import is_over
from app.meetings.services.planning import _attendance, attendance_of
from app.members.models import Member
from app.timeutil import local_zone, utcnow

# Members may check in from this long before the start (coffee, setting up the room).
CHECKIN_OPENS_BEFORE = timedelta(hours=2)


def checkin_key(meeting: Meeting) -> str:
    return f"{current_app.config['SECRET_KEY']}|{meeting.id}|{meeting.secret}"


def shown_code(meeting: Meeting, now: datetime | None = None) -> checkin.ShownCode:
    return checkin.current_code(checkin_key(meeting), now or utcnow())


def _mode(value) -> CheckinMode:
    try:
        return CheckinMode(value or CheckinMode.ON_SITE)
    except ValueError:
        raise InvalidInput(_("On site or remote."), fields={"mode": [_("On site or remote.")]}) from None


def _require_checkin_open(meeting: Meeting, now: datetime) -> None:
    if is_over(meeting, now):
        raise Conflict(_("This meeting has ended: check-in is closed."))
    opens = meeting.starts_at - CHECKIN_OPENS_BEFORE
    if now < opens and meeting.session_state == SessionState.PLANNED:
        raise Conflict(_("Check-in opens at %(time)s.", time=format_datetime(opens.astimezone(local_zone()), "short")))


def check_in_with_code(meeting: Meeting, member: Member, code, *, mode=None,
                       now: datetime | None = None) -> Attendance:
    """The member typed (or scanned) the code shown on the projector."""
    now = now or utcnow()
    policy.require(member, "meetings.participate", meeting)
    mode = _mode(mode)
    _require_checkin_open(meeting, now)
    verdict = checkin.verify(checkin_key(meeting), code, now)
    if verdict is checkin.Verdict.EXPIRED:
        raise InvalidInput(_("This code has expired: codes change every two minutes. Type the one shown now."),
                           fields={"code": [_("Expired code.")]})
    if verdict is checkin.Verdict.WRONG:
        raise InvalidInput(_("This is not the code of this meeting. Check it on the screen and type it again."),
                           fields={"code": [_("Wrong code.")]})
    return _check_in(meeting, member, mode, None, now)


def mark_present(meeting: Meeting, facilitator: Member, member: Member, *, mode=None,
                 now: datetime | None = None) -> Attendance:
    """The facilitator marks a member present (no phone, remote by video…)."""
    now = now or utcnow()
    policy.require(facilitator, "meetings.facilitate", meeting)
    mode = _mode(mode)
    _require_checkin_open(meeting, now)
    status = member.status_on(now.astimezone(local_zone()).date())
    if status is None or not status.is_active:
        raise InvalidInput(_("%(name)s is no longer a member.", name=member.full_name),
                           fields={"member_id": [_("Choose a current member.")]})
    return _check_in(meeting, member, mode, facilitator, now)


def _check_in(meeting, member, mode, by, now) -> Attendance:
    row = _attendance(meeting, member)
    if row.checked_in_at is None:
        row.checked_in_at = now
    row.checkin_mode, row.checked_in_by_id = mode.value, by.id if by else row.checked_in_by_id
    db.session.flush()
    broadcast.changed(meeting)
    return row


def undo_check_in(meeting: Meeting, facilitator: Member, member: Member, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    policy.require(facilitator, "meetings.facilitate", meeting)
    if is_over(meeting, now):
        raise Conflict(_("This meeting has ended: its attendance is what it was."))
    row = attendance_of(meeting, member)
    if row is None or row.checked_in_at is None:
        raise Conflict(_("%(name)s is not checked in.", name=member.full_name))
    row.checked_in_at = row.checkin_mode = row.checked_in_by_id = None
    db.session.flush()
    broadcast.changed(meeting)


def is_checked_in(meeting: Meeting, member: Member) -> bool:
    row = attendance_of(meeting, member)
    return row is not None and row.checked_in_at is not None


@dataclass
class Sheet:
    """The attendance sheet of one meeting (feuille de présence)."""

    on_site: list[Attendance] = field(default_factory=list)
    remote: list[Attendance] = field(default_factory=list)
    excused: list[Attendance] = field(default_factory=list)
    absent: list[Attendance] = field(default_factory=list)  # convoked, neither here nor excused
    awaiting: list[Attendance] = field(default_factory=list)  # not yet here, meeting not over

    @property
    def present_count(self) -> int:
        return len(self.on_site) + len(self.remote)


def sheet(meeting: Meeting, now: datetime | None = None) -> Sheet:
    now = now or utcnow()
    over = is_over(meeting, now)
    rows = db.session.scalars(select(Attendance).options(selectinload(Attendance.member))
                              .where(Attendance.meeting_id == meeting.id))
    result = Sheet()
    for row in sorted(rows, key=lambda r: (r.member.full_name, r.member_id)):
        if row.checkin_mode == CheckinMode.ON_SITE:
            result.on_site.append(row)
        elif row.checkin_mode == CheckinMode.REMOTE:
            result.remote.append(row)
        elif row.reply == "excused" and (row.convoked or over):
            result.excused.append(row)
        elif row.convoked and over:
            result.absent.append(row)
        elif row.convoked or row.reply:
            result.awaiting.append(row)
    return result


@dataclass(frozen=True)
class HistoryLine:
    meeting: Meeting
    outcome: str  # on_site, remote, excused, absent, upcoming
    reply: str | None


@dataclass
class History:
    lines: list[HistoryLine]

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def absences(self) -> int:
        """Absences from seminars, excused ones included: attendance is a duty (seed)."""
        return sum(1 for line in self.lines if line.outcome in ("absent", "excused")
                   and line.meeting.kind == MeetingKind.SEMINAR)

    @property
    def unexcused(self) -> int:
        return sum(1 for line in self.lines if line.outcome == "absent" and line.meeting.kind == MeetingKind.SEMINAR)


def _outcome(row: Attendance, over: bool) -> str | None:
    if row.checkin_mode:
        return row.checkin_mode
    if not over:
        return "upcoming" if row.convoked or row.reply else None
    if row.reply == "excused":
        return "excused"
    return "absent" if row.convoked else None


def history(member: Member, now: datetime | None = None) -> History:
    """Every meeting the member was convoked to or attended, newest first."""
    now = now or utcnow()
    rows = db.session.scalars(select(Attendance).options(selectinload(Attendance.meeting))
                              .where(Attendance.member_id == member.id))
    lines = []
    for row in rows:
        outcome = _outcome(row, is_over(row.meeting, now))
        if outcome is not None:
            lines.append(HistoryLine(row.meeting, outcome, row.reply))
    lines.sort(key=lambda line: line.meeting.starts_at, reverse=True)
    return History(lines)


def seminar_overview(year: int, now: datetime | None = None) -> tuple[list[Meeting], list[tuple[Member, list, int]]]:
    """Every member convoked to a seminar of the year: one cell per seminar, their absence count."""
    now = now or utcnow()
    zone = local_zone()
    seminars = [m for m in db.session.scalars(select(Meeting).where(Meeting.kind == MeetingKind.SEMINAR)
                                              .order_by(Meeting.starts_at))
                if m.starts_at.astimezone(zone).year == year]
    ids = [m.id for m in seminars]
    rows = list(db.session.scalars(select(Attendance).options(selectinload(Attendance.member))
                                   .where(Attendance.meeting_id.in_(ids)))) if ids else []
    by_member: dict[int, dict[int, Attendance]] = {}
    members: dict[int, Member] = {}
    for row in rows:
        by_member.setdefault(row.member_id, {})[row.meeting_id] = row
        members[row.member_id] = row.member
    over = {m.id: is_over(m, now) for m in seminars}
    table = []
    for member_id, member in sorted(members.items(), key=lambda kv: (kv[1].full_name, kv[0])):
        cells = []
        absences = 0
        for seminar in seminars:
            row = by_member[member_id].get(seminar.id)
            outcome = _outcome(row, over[seminar.id]) if row else None
            absences += outcome in ("absent", "excused")
            cells.append(outcome)
        table.append((member, cells, absences))
    return seminars, table
