"""Trinômes of a seminar: generated among those present, swapped by hand, kept as history."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import policy
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.meetings import trinomes
from app.meetings.models import Attendance, Meeting, MeetingKind, TriadPlacement, TriadRound
from app.members.models import Member
from app.timeutil import utcnow


def round_of(meeting: Meeting) -> TriadRound | None:
    return db.session.scalar(select(TriadRound).options(selectinload(TriadRound.placements))
                             .where(TriadRound.meeting_id == meeting.id))


def groups_of(round_: TriadRound) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for placement in round_.placements:
        groups.setdefault(placement.group_number, []).append(placement.member_id)
    return [sorted(groups[number]) for number in sorted(groups)]


def past_history(meeting: Meeting) -> trinomes.Counter:
    """Pairs formed at the seminars before this one."""
    rounds = db.session.scalars(select(TriadRound).join(Meeting, TriadRound.meeting_id == Meeting.id)
                                .options(selectinload(TriadRound.placements))
                                .where(Meeting.starts_at < meeting.starts_at, Meeting.id != meeting.id))
    return trinomes.history_counts(group for round_ in rounds for group in groups_of(round_))


def present_ids(meeting: Meeting) -> list[int]:
    return sorted(db.session.scalars(select(Attendance.member_id).where(
        Attendance.meeting_id == meeting.id, Attendance.checked_in_at.is_not(None))))


def generate(meeting: Meeting, actor: Member, *, seed: int | None = None, now: datetime | None = None) -> TriadRound:
    """Groups of three among those checked in, repeating as few earlier pairs as possible."""
    policy.require(actor, "meetings.facilitate", meeting)
    if meeting.kind != MeetingKind.SEMINAR:
        raise Conflict(_("Trinômes are formed at seminars."))
    members = present_ids(meeting)
    if len(members) < 2:
        raise Conflict(_("At least two members must be checked in to form trinômes (now: %(n)d).", n=len(members)))
    if seed is None:
        seed = meeting.id * 7919 + len(members)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise InvalidInput(_("The seed is a whole number."), fields={"seed": [_("A whole number.")]})
    grouping = trinomes.make_groups(members, past_history(meeting), seed)
    existing = round_of(meeting)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    round_ = TriadRound(meeting_id=meeting.id, seed=seed, created_at=now or utcnow(), created_by_id=actor.id)
    round_.placements = [TriadPlacement(group_number=number, member_id=member_id)
                         for number, group in enumerate(grouping.groups, start=1) for member_id in group]
    db.session.add(round_)
    db.session.flush()
    return round_


def swap(meeting: Meeting, actor: Member, first_id, second_id) -> TriadRound:
    policy.require(actor, "meetings.facilitate", meeting)
    round_ = round_of(meeting)
    if round_ is None:
        raise NotFound(_("No trinômes yet for this seminar: generate them first."))
    try:
        groups = trinomes.swap(groups_of(round_), first_id, second_id)
    except ValueError:
        raise InvalidInput(_("Choose two members of two different trinômes."),
                           fields={"second_id": [_("Another trinôme's member.")]}) from None
    number_of = {member_id: number for number, group in enumerate(groups, start=1) for member_id in group}
    for placement in round_.placements:
        placement.group_number = number_of[placement.member_id]
    db.session.flush()
    return round_


def repeated(meeting: Meeting, round_: TriadRound) -> list[tuple[int, int]]:
    return trinomes.repeated_pairs(groups_of(round_), past_history(meeting))


def export_csv(meeting: Meeting, round_: TriadRound) -> str:
    names = {m.id: m.full_name for m in db.session.scalars(select(Member).where(
        Member.id.in_([p.member_id for p in round_.placements])))}
    repeats = set(repeated(meeting, round_))
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Trinôme"), _("Member"), _("Already met in an earlier trinôme")])
    for number, group in enumerate(groups_of(round_), start=1):
        for member_id in group:
            met = [names[o] for o in group if o != member_id and trinomes.pair(member_id, o) in repeats]
            name = names[member_id]
            # A name starting with = + - @ would be a formula to a spreadsheet.
            safe = "'" + name if name[:1] in ("=", "+", "-", "@") else name
            writer.writerow([number, safe, ", ".join(met)])
    return buffer.getvalue()
