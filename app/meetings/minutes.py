"""The secretary's notes per agenda item, and the minutes built from them (Markdown, PDF).

These are the working minutes of seminars and co-gérance meetings; the legal minutes
(procès-verbal) of a general assembly are the general-assembly package's.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import format_datetime
from flask_babel import gettext as _

from app import policy
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.meetings import broadcast
from app.meetings.labels import CHECKIN_LABELS, ITEM_KIND_LABELS, KIND_LABELS, label
from app.meetings.models import AgendaItem, Meeting, MeetingKind
from app.meetings.services.attendance import sheet
from app.meetings.services.common import NOTES_MAX
from app.members.models import Member
from app.timeutil import local_zone, utcnow
from app.votes.models import BallotState

MINUTES_KINDS = (MeetingKind.SEMINAR, MeetingKind.CO_MANAGEMENT)


def save_notes(item: AgendaItem, actor: Member, text, *, now: datetime | None = None) -> AgendaItem:
    now = now or utcnow()
    policy.require(actor, "meetings.take_notes", item.meeting)
    if not isinstance(text, str):
        raise InvalidInput(_("Text expected."), fields={"notes": [_("Text expected.")]})
    text = text.replace("\r\n", "\n").strip()
    if len(text) > NOTES_MAX:
        raise InvalidInput(_("The notes of one item have at most %(n)d characters.", n=NOTES_MAX),
                           fields={"notes": [_("At most %(n)d characters.", n=NOTES_MAX)]})
    item.notes, item.notes_updated_at, item.notes_updated_by_id = text, now, actor.id
    db.session.flush()
    broadcast.changed(item.meeting)
    return item


def require_minutes_kind(meeting: Meeting) -> None:
    if meeting.kind not in MINUTES_KINDS:
        raise Conflict(_("Minutes are exported for seminars and co-management meetings."))


def _escape(text: str) -> str:
    # Names and titles are data, not Markdown: a leading "#" or "*" must not become a heading or a list.
    return "".join("\\" + ch if ch in "\\`*_[]#<>|" else ch for ch in text)


def _result_lines(item: AgendaItem) -> list[str]:
    lines = []
    for link in item.ballots:
        ballot = link.ballot
        if ballot.state in (BallotState.CLOSED, BallotState.PUBLISHED) and ballot.result_json:
            import json

            result = json.loads(ballot.result_json)
            lines.append(_("Ballot «%(title)s»: %(voters)d voters of %(electorate)d. %(sentence)s",
                           title=ballot.title, voters=result.get("voters", 0), electorate=result.get("electorate", 0),
                           sentence=result.get("sentence", "")))
        elif ballot.state == BallotState.CANCELLED:
            lines.append(_("Ballot «%(title)s» cancelled: %(reason)s", title=ballot.title,
                           reason=ballot.cancel_reason or ""))
        else:
            lines.append(_("Ballot «%(title)s»: not closed.", title=ballot.title))
    return lines


def minutes_markdown(meeting: Meeting, now: datetime | None = None) -> str:
    require_minutes_kind(meeting)
    zone = local_zone()
    attendance = sheet(meeting, now)
    names = lambda rows: ", ".join(_escape(r.member.full_name) for r in rows) or "—"  # noqa: E731
    out = [
        f"# {_escape(meeting.title)}",
        "",
        f"- **{_('Kind')}**: {label(KIND_LABELS, meeting.kind)}",
        f"- **{_('Date')}**: {format_datetime(meeting.starts_at.astimezone(zone), 'EEEE d MMMM y, HH:mm')} – "
        f"{format_datetime(meeting.ends_at.astimezone(zone), 'short')}",
        f"- **{_('Place')}**: {_escape(meeting.place) or '—'}",
        f"- **{_('Facilitation')}**: {', '.join(_escape(m.full_name) for m in meeting.facilitators) or '—'}",
        f"- **{_('Secretary')}**: {_escape(meeting.secretary.full_name) if meeting.secretary else '—'}",
        "",
        f"## {_('Attendance')}",
        "",
        f"- **{label(CHECKIN_LABELS, 'on_site')}** ({len(attendance.on_site)}): {names(attendance.on_site)}",
        f"- **{label(CHECKIN_LABELS, 'remote')}** ({len(attendance.remote)}): {names(attendance.remote)}",
        f"- **{_('Excused')}** ({len(attendance.excused)}): {names(attendance.excused)}",
        f"- **{_('Absent')}** ({len(attendance.absent)}): {names(attendance.absent)}",
        "",
        f"## {_('Agenda')}",
        "",
    ]
    for number, item in enumerate(meeting.items, start=1):
        out += [f"### {number}. {_escape(item.title)}", "", f"*{label(ITEM_KIND_LABELS, item.kind)}*", ""]
        if item.description:
            out += [item.description, ""]
        if item.documents:
            out += [f"{_('Documents')}: " + ", ".join(f"[{_escape(d.title)}]({d.url})" for d in item.documents), ""]
        # The notes are the secretary's Markdown: kept as written.
        out += [item.notes or _("(no notes)"), ""]
        out += [f"> {line}" for line in _result_lines(item)]
        if item.ballots:
            out.append("")
    out.append(_("Minutes produced by Facettes on %(date)s.",
                 date=format_datetime((now or utcnow()).astimezone(zone), "short")))
    return "\n".join(out) + "\n"


def minutes_html(meeting: Meeting, now: datetime | None = None) -> str:
    import markdown as md
    import nh3

    body = nh3.clean(md.markdown(minutes_markdown(meeting, now), extensions=["extra", "sane_lists"]))
    return render_template("meetings/minutes_pdf.html", meeting=meeting, body=body)


def minutes_pdf(meeting: Meeting, now: datetime | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=minutes_html(meeting, now)).write_pdf()
