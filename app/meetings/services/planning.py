"""Planning: meetings, the yearly calendar of seminars, the agenda, the convocation, replies."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app, render_template
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import policy
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.governance import services as governance
from app.governance.models import Level, LevelCode
from app.meetings import broadcast, ics
from app.meetings.models import (
    AgendaDocument,
    AgendaItem,
    Attendance,
    ItemKind,
    Meeting,
    MeetingKind,
    Reply,
    SessionState,
)
from app.meetings.services.common import (
    PLACE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    clean,
    clean_url,
    get_active_member,
    is_over,
    raise_if,
    reply_token,
    require_not_ended,
)
from app.members.models import Member
from app.notifications.mail import send_email
from app.notifications.services import in_language_of, path_for
from app.timeutil import local_zone, utcnow

MAX_DURATION = timedelta(days=3)
# The level each kind of meeting decides at; a workgroup prepares, so it may choose.
KIND_LEVEL = {
    MeetingKind.SEMINAR: LevelCode.SEMINAR,
    MeetingKind.CO_MANAGEMENT: LevelCode.CO_MANAGEMENT,
    MeetingKind.GENERAL_ASSEMBLY: LevelCode.GENERAL_ASSEMBLY,
}
FACILITATORS_MAX = 10


def _kind(value, errors: dict, *, assembly: bool = False) -> MeetingKind | None:
    try:
        kind = MeetingKind(value)
    except ValueError:
        kind = None
    if kind is MeetingKind.GENERAL_ASSEMBLY and not assembly:
        errors["kind"] = [_("General assemblies have their own page.")]
        return None
    if kind is None:
        errors["kind"] = [_("Seminar, co-management meeting or workgroup meeting.")]
    return kind


def _level(kind: MeetingKind | None, level_code, errors: dict) -> Level | None:
    code = KIND_LEVEL.get(kind) if kind else None
    if code is not None:
        if level_code and level_code != code:
            errors["level"] = [_("This kind of meeting decides at the level «%(level)s».",
                                 level=governance.level_label(code))]
        return governance.level_by_code(code)
    if not level_code:
        errors["level"] = [_("Choose the level this workgroup prepares for.")]
        return None
    if level_code not in {item.value for item in LevelCode}:
        errors["level"] = [_("Unknown value.")]
        return None
    if level_code == LevelCode.GENERAL_ASSEMBLY:
        errors["level"] = [_("General assemblies have their own page.")]
        return None
    return governance.level_by_code(level_code)


def _period(starts_at, ends_at, errors: dict) -> None:
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            errors[name] = [_("A date and time is required.")]
    if "starts_at" in errors or "ends_at" in errors:
        return
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The meeting must end after it starts.")]
    elif ends_at - starts_at > MAX_DURATION:
        errors["ends_at"] = [_("A meeting lasts at most %(days)d days.", days=MAX_DURATION.days)]


def _people(facilitator_ids, secretary_id, errors: dict) -> tuple[list[Member], Member | None]:
    facilitators: list[Member] = []
    ids = list(dict.fromkeys(facilitator_ids or []))
    if not ids:
        errors["facilitators"] = [_("Name at least one facilitator.")]
    elif len(ids) > FACILITATORS_MAX:
        errors["facilitators"] = [_("At most %(n)d facilitators.", n=FACILITATORS_MAX)]
    else:
        for member_id in ids:
            try:
                facilitators.append(get_active_member(member_id, "facilitators"))
            except InvalidInput as error:
                errors.update(error.fields)
                break
    secretary = None
    if secretary_id:
        try:
            secretary = get_active_member(secretary_id, "secretary")
        except InvalidInput as error:
            errors.update(error.fields)
    return facilitators, secretary


def _speaker_seconds(value, errors: dict) -> int:
    if value is None:
        return 180
    if isinstance(value, bool) or not isinstance(value, int) or not 15 <= value <= 3600:
        errors["speaker_seconds"] = [_("Between 15 and 3600 seconds.")]
        return 180
    return value


def create_meeting(*, kind, title: str, starts_at: datetime, ends_at: datetime, place: str = "",
                   remote_link: str = "", facilitator_ids=(), secretary_id=None, level_code=None,
                   speaker_seconds: int | None = None, created_by: Member, calendar_slot: str | None = None,
                   assembly: bool = False) -> Meeting:
    policy.require(created_by, "meetings.manage")
    errors: dict[str, list[str]] = {}
    kind = _kind(kind, errors, assembly=assembly)  # an assembly is planned with its legal side
    level = _level(kind, level_code, errors)
    title = clean(title, "title", errors, maximum=TITLE_MAX, required=True)
    place = clean(place, "place", errors, maximum=PLACE_MAX)
    remote_link = clean_url(remote_link, "remote_link", errors)
    _period(starts_at, ends_at, errors)
    facilitators, secretary = _people(facilitator_ids, secretary_id, errors)
    seconds = _speaker_seconds(speaker_seconds, errors)
    raise_if(errors, _("The meeting could not be planned."))
    meeting = Meeting(kind=kind.value, level=level, title=title, starts_at=starts_at, ends_at=ends_at, place=place,
                      remote_link=remote_link, secretary=secretary, speaker_seconds=seconds,
                      created_by_id=created_by.id, calendar_slot=calendar_slot,
                      session_state=SessionState.PLANNED.value, version=0, convocation_count=0)
    meeting.facilitators = facilitators
    db.session.add(meeting)
    db.session.flush()
    return meeting


def update_meeting(meeting: Meeting, actor: Member, *, title: str, starts_at: datetime, ends_at: datetime,
                   place: str = "", remote_link: str = "", facilitator_ids=(), secretary_id=None,
                   speaker_seconds: int | None = None) -> Meeting:
    policy.require(actor, "meetings.manage", meeting)
    require_not_ended(meeting)
    errors: dict[str, list[str]] = {}
    title = clean(title, "title", errors, maximum=TITLE_MAX, required=True)
    place = clean(place, "place", errors, maximum=PLACE_MAX)
    remote_link = clean_url(remote_link, "remote_link", errors)
    _period(starts_at, ends_at, errors)
    facilitators, secretary = _people(facilitator_ids, secretary_id, errors)
    seconds = _speaker_seconds(speaker_seconds, errors)
    raise_if(errors, _("The meeting was not changed."))
    meeting.title, meeting.starts_at, meeting.ends_at = title, starts_at, ends_at
    meeting.place, meeting.remote_link, meeting.secretary = place, remote_link, secretary
    meeting.facilitators, meeting.speaker_seconds = facilitators, seconds
    broadcast.changed(meeting)
    db.session.flush()
    return meeting


# --- the yearly calendar of seminars ---------------------------------------------------------------


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def default_seminar_days(year: int) -> list[date]:
    """A suggestion: the second Thursday of the middle month of each quarter."""
    days = []
    for month in (2, 5, 9, 11):  # no seminar in August: the second quarter's is taken in May
        first = date(year, month, 1)
        offset = (3 - first.weekday()) % 7
        days.append(first + timedelta(days=offset + 7))
    return days


def plan_seminar_year(*, year, days: list, starts: time, ends: time, place: str, facilitator_ids,
                      secretary_id=None, created_by: Member) -> list[Meeting]:
    """The four quarterly seminars of a year (DOMAIN.md: attendance is a duty), one per quarter."""
    policy.require(created_by, "meetings.manage")
    errors: dict[str, list[str]] = {}
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = [_("A year between 2000 and 2100.")]
        raise_if(errors, _("The calendar could not be created."))
    if len(days) != 4 or not all(isinstance(d, date) for d in days):
        errors["days"] = [_("Give the four dates, one per quarter.")]
    else:
        for index, day in enumerate(days, start=1):
            if day.year != year or quarter_of(day) != index:
                errors[f"day{index}"] = [_("A date of quarter %(q)d of %(year)d.", q=index, year=year)]
    if not isinstance(starts, time) or not isinstance(ends, time) or ends <= starts:
        errors["ends"] = [_("The seminar must end after it starts, the same day.")]
    raise_if(errors, _("The calendar could not be created."))
    slots = [f"{year}-Q{q}" for q in range(1, 5)]
    taken = set(db.session.scalars(select(Meeting.calendar_slot).where(Meeting.calendar_slot.in_(slots))))
    if taken:
        raise Conflict(_("These quarters already have their seminar: %(quarters)s. Edit those meetings instead.",
                         quarters=", ".join(sorted(taken))))
    zone = local_zone()
    meetings = []
    for quarter, day in enumerate(days, start=1):
        meetings.append(create_meeting(
            kind=MeetingKind.SEMINAR, title=_("Seminar Q%(q)d %(year)d", q=quarter, year=year),
            starts_at=datetime.combine(day, starts, zone), ends_at=datetime.combine(day, ends, zone),
            place=place, facilitator_ids=facilitator_ids, secretary_id=secretary_id, created_by=created_by,
            calendar_slot=f"{year}-Q{quarter}",
        ))
    return meetings


# --- the agenda -----------------------------------------------------------------------------------------


def _next_position(meeting: Meeting) -> int:
    return (db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
            or 0) + 1


def schedulable_proposals(meeting: Meeting) -> list:
    """Proposals this meeting may take on its agenda: at its level, «inscrite» here or waiting."""
    from app.deliberation.models import Proposal, ProposalState

    on_agenda = select(AgendaItem.proposal_id).where(AgendaItem.meeting_id == meeting.id,
                                                     AgendaItem.proposal_id.is_not(None))
    rows = db.session.scalars(select(Proposal).where(
        Proposal.level_id == meeting.level_id, Proposal.id.not_in(on_agenda),
        Proposal.state.in_([ProposalState.SCHEDULED.value, ProposalState.DEBATE.value,
                            ProposalState.PREPARATION.value]),
    ).order_by(Proposal.title))
    return [p for p in rows if p.state != ProposalState.SCHEDULED or p.meeting_ref in (None, "", meeting.context)]


def add_item(meeting: Meeting, actor: Member, *, kind, title: str = "", description: str = "",
             proposal_id=None, duration_minutes=None) -> AgendaItem:
    policy.require(actor, "meetings.manage", meeting)
    require_not_ended(meeting)
    errors: dict[str, list[str]] = {}
    try:
        kind = ItemKind(kind)
    except ValueError:
        errors["kind"] = [_("A proposal, a free topic or an election.")]
        raise_if(errors, _("The item was not added."))
    description = clean(description, "description", errors, maximum=TEXT_MAX)
    if duration_minutes is not None and (isinstance(duration_minutes, bool) or not isinstance(duration_minutes, int)
                                         or not 1 <= duration_minutes <= 600):
        errors["duration_minutes"] = [_("Between 1 and 600 minutes.")]
    proposal = None
    if kind is ItemKind.PROPOSAL:
        proposal = _agenda_proposal(meeting, proposal_id, errors)
        title = (title or "").strip() or (proposal.title if proposal else "")
    title = clean(title, "title", errors, maximum=TITLE_MAX, required=True)
    raise_if(errors, _("The item was not added."))
    if proposal is not None:
        _inscribe(proposal, meeting, actor)
    item = AgendaItem(meeting_id=meeting.id, position=_next_position(meeting), kind=kind.value, title=title,
                      description=description, proposal_id=proposal.id if proposal else None,
                      duration_minutes=duration_minutes, debate_state="pending", notes="")
    db.session.add(item)
    db.session.flush()
    db.session.refresh(meeting, ["items"])
    broadcast.changed(meeting)
    return item


def _agenda_proposal(meeting: Meeting, proposal_id, errors: dict):
    from app.deliberation.models import Proposal, ProposalState

    proposal = db.session.get(Proposal, proposal_id) if isinstance(proposal_id, int) and 0 < proposal_id < 2**31 \
        else None
    if proposal is None:
        errors["proposal_id"] = [_("Choose a proposal.")]
        return None
    if proposal.level_id != meeting.level_id:
        errors["proposal_id"] = [_("This proposal is at the level «%(level)s», not at this meeting's «%(here)s».",
                                   level=governance.level_label(proposal.level),
                                   here=governance.level_label(meeting.level))]
    elif proposal.state == ProposalState.SCHEDULED and proposal.meeting_ref not in (None, "", meeting.context):
        errors["proposal_id"] = [_("This proposal is already on the agenda of «%(ref)s».", ref=proposal.meeting_ref)]
    elif proposal.state not in (ProposalState.SCHEDULED, ProposalState.DEBATE, ProposalState.PREPARATION):
        errors["proposal_id"] = [_("Only a proposal in debate, in preparation or «inscrite» can go on an agenda.")]
    elif db.session.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id,
                                                       AgendaItem.proposal_id == proposal.id)):
        errors["proposal_id"] = [_("This proposal is already on this agenda.")]
    return proposal


def _inscribe(proposal, meeting: Meeting, actor: Member) -> None:
    from app.deliberation.models import ProposalState
    from app.deliberation.services import schedule_for_meeting

    if proposal.state == ProposalState.SCHEDULED:
        proposal.meeting_ref = meeting.context
    else:
        # The proposal becomes «inscrite» for this meeting, with its recorded transition.
        schedule_for_meeting(proposal, actor, meeting.context,
                             _("On the agenda of «%(title)s».", title=meeting.title))


def move_item(item: AgendaItem, actor: Member, direction: str) -> AgendaItem:
    meeting = item.meeting
    policy.require(actor, "meetings.manage", meeting)
    require_not_ended(meeting)
    if direction not in ("up", "down"):
        raise InvalidInput(_("Up or down."), fields={"direction": [_("Up or down.")]})
    items = list(meeting.items)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        raise Conflict(_("This item is already first.") if direction == "up" else _("This item is already last."))
    items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position
    db.session.flush()
    db.session.refresh(meeting, ["items"])
    broadcast.changed(meeting)
    return item


def remove_item(item: AgendaItem, actor: Member) -> None:
    meeting = item.meeting
    policy.require(actor, "meetings.manage", meeting)
    require_not_ended(meeting)
    if item.ballots:
        raise Conflict(_("A ballot was held on this item: it stays on the agenda, for the minutes."))
    if meeting.current_item_id == item.id:
        raise Conflict(_("This item is being discussed: move to another item first."))
    if item.proposal is not None and item.proposal.meeting_ref == meeting.context:
        item.proposal.meeting_ref = None
    db.session.delete(item)
    db.session.flush()
    db.session.refresh(meeting, ["items"])
    broadcast.changed(meeting)


def add_document(item: AgendaItem, actor: Member, *, title: str, url: str) -> AgendaDocument:
    policy.require(actor, "meetings.manage", item.meeting)
    require_not_ended(item.meeting)
    errors: dict[str, list[str]] = {}
    title = clean(title, "doc_title", errors, maximum=TITLE_MAX, required=True)
    url = clean_url(url, "doc_url", errors, required=True, maximum=1000)
    raise_if(errors, _("The document was not attached."))
    document = AgendaDocument(item_id=item.id, title=title, url=url)
    db.session.add(document)
    db.session.flush()
    return document


def remove_document(document: AgendaDocument, actor: Member) -> None:
    policy.require(actor, "meetings.manage", document.item.meeting)
    require_not_ended(document.item.meeting)
    db.session.delete(document)
    db.session.flush()


# --- convocation and replies -------------------------------------------------------------------------


def invitees(meeting: Meeting) -> list[Member]:
    """Who is convoked: the level's electorate on the meeting's day, plus its officers.

    A seminar convokes every member (CAPE, ES, ESA: the seed's duty), a co-gérance meeting
    its co-managers; a workgroup meeting its facilitators and secretary, plus whoever the
    level's electorate is when it prepares for one.
    """
    day = meeting.starts_at.astimezone(local_zone()).date()
    people: dict[int, Member] = {}
    if meeting.kind != MeetingKind.WORKGROUP:
        people |= {m.id: m for m in governance.electorate_on(meeting.level, day)}
    for member in [*meeting.facilitators, meeting.secretary]:
        if member is not None:
            status = member.status_on(day)
            if status is not None and status.is_active:
                people[member.id] = member
    return sorted(people.values(), key=lambda m: (m.full_name, m.id))


def attendance_of(meeting: Meeting, member: Member) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                      Attendance.member_id == member.id))


def _attendance(meeting: Meeting, member: Member) -> Attendance:
    row = attendance_of(meeting, member)
    if row is None:
        row = Attendance(meeting_id=meeting.id, member_id=member.id, convoked=False)
        db.session.add(row)
        db.session.flush()
    return row


def agenda_text(meeting: Meeting) -> str:
    lines = []
    for number, item in enumerate(meeting.items, start=1):
        kind = {"proposal": _("proposal"), "topic": _("topic"), "election": _("election")}[item.kind]
        duration = _(" (%(n)d min)", n=item.duration_minutes) if item.duration_minutes else ""
        lines.append(f"{number}. {item.title} — {kind}{duration}")
    return "\n".join(lines) or _("(the agenda will follow)")


def convene(meeting: Meeting, actor: Member, *, now: datetime | None = None) -> int:
    """E-mail every invitee the agenda and an .ics invitation; again sends an updated one."""
    now = now or utcnow()
    policy.require(actor, "meetings.manage", meeting)
    require_not_ended(meeting)
    if is_over(meeting, now):
        raise Conflict(_("This meeting is in the past: there is nobody to convene any more."))
    people = invitees(meeting)
    if not people:
        raise Conflict(_("Nobody to convene: the meeting has no invitee."))
    meeting.convened_at = now
    meeting.convocation_count = (meeting.convocation_count or 0) + 1
    for member in people:
        row = _attendance(meeting, member)
        if not row.convoked:
            row.convoked, row.convoked_at = True, now
        with in_language_of(member):
            _send_convocation(meeting, member, now)
    db.session.flush()
    broadcast.changed(meeting)
    return len(people)


def _send_convocation(meeting: Meeting, member: Member, now: datetime) -> None:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    page = base + path_for("meetings.meeting", meeting_id=meeting.id)
    answer = base + path_for("meetings.reply_link", meeting_id=meeting.id, token=reply_token(meeting, member))
    zone = local_zone()
    description = "\n".join(filter(None, [
        _("Agenda:"), agenda_text(meeting), "",
        _("Remote link: %(link)s", link=meeting.remote_link) if meeting.remote_link else "",
        _("Answer (present, remote, excused): %(link)s", link=answer),
    ]))
    calendar = ics.invitation(
        uid=f"meeting-{meeting.id}@{current_app.config['COOPERATIVE_NAME'].replace(' ', '-')}.facettes",
        sequence=meeting.convocation_count, title=meeting.title, starts_at=meeting.starts_at,
        ends_at=meeting.ends_at, stamp=now, location=meeting.place or meeting.remote_link,
        description=description, url=page, organizer=current_app.config["MAIL_DEFAULT_SENDER"],
        attendee_email=member.email, attendee_name=member.full_name)
    body = render_template("meetings/email/convocation.txt", meeting=meeting, member=member, page=page,
                           answer=answer, agenda=agenda_text(meeting), again=meeting.convocation_count > 1,
                           starts=format_datetime(meeting.starts_at.astimezone(zone), "EEEE d MMMM y, HH:mm"),
                           ends=format_datetime(meeting.ends_at.astimezone(zone), "short"))
    subject = (_("Updated convocation: %(title)s", title=meeting.title) if meeting.convocation_count > 1
               else _("Convocation: %(title)s", title=meeting.title))
    send_email(member.email, subject, body,
               attachments=(("invitation.ics", "text/calendar; method=REQUEST; charset=UTF-8",
                             calendar.decode()),))


def record_reply(meeting: Meeting, member: Member, reply, *, now: datetime | None = None) -> Attendance:
    """A member's answer: present, remote or excused; they may change it until the meeting ends."""
    now = now or utcnow()
    policy.require(member, "meetings.view", meeting)
    try:
        reply = Reply(reply)
    except ValueError:
        raise InvalidInput(_("Answer present, remote or excused."),
                           fields={"reply": [_("Present, remote or excused.")]}) from None
    if is_over(meeting, now):
        raise Conflict(_("This meeting has ended: its attendance is what it was."))
    row = _attendance(meeting, member)
    row.reply, row.replied_at = reply.value, now
    db.session.flush()
    broadcast.changed(meeting)
    return row


def require_member_of_reply(member: Member) -> None:
    status = member.status_on(utcnow().astimezone(local_zone()).date())
    if status is None or not status.is_active:
        raise Forbidden(_("Former members no longer have access to the cooperative's space."))


def upcoming_meetings(now: datetime | None = None) -> list[Meeting]:
    now = now or utcnow()
    return list(db.session.scalars(select(Meeting).where(Meeting.session_state != SessionState.ENDED,
                                                         Meeting.ends_at > now - timedelta(hours=12))
                                   .order_by(Meeting.starts_at)))


def past_meetings(now: datetime | None = None) -> list[Meeting]:
    now = now or utcnow()
    upcoming = {m.id for m in upcoming_meetings(now)}
    return [m for m in db.session.scalars(select(Meeting).order_by(Meeting.starts_at.desc())) if m.id not in upcoming]
