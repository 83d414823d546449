"""Workgroup operations, one per action, shared by the pages, the API and the sockets.

Services check the policy, validate, change state and flush; the request commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import policy
from app.deliberation import markdown
from app.deliberation import services as deliberation
from app.deliberation.models import Proposal, ProposalState
from app.deliberation.services.common import clean_text, raise_if
from app.deliberation.services.common import lock as lock_proposal
from app.deliberation.services.preparation import return_from_preparation
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.governance.models import Level
from app.governance.services import level_label
from app.members.models import Member, Skill, Theme
from app.notifications import services as notices
from app.notifications.models import NoticeKind
from app.timeutil import local_today, utcnow
from app.workgroups import events
from app.workgroups.models import (
    HoldingKind,
    NotesRevision,
    Origin,
    Recommendation,
    Workgroup,
    WorkgroupMeeting,
    WorkgroupMembership,
    WorkgroupMessage,
    WorkgroupProposal,
    WorkgroupReport,
    WorkgroupRole,
    WorkgroupStatus,
    WorkgroupSupport,
)

W = WorkgroupStatus
NAME_MAX = 200
TEXT_MAX = 10_000
NOTES_MAX = 100_000
REFERENCE_MAX = 200
MESSAGE_MAX = 10_000
DEFAULT_SUPPORT_THRESHOLD = 3
REMIND_DAYS = 7
# Members may write while the group works; a closed group is an archive.
WRITABLE = (W.OPEN, W.IN_PROGRESS, W.REPORT_DELIVERED)


def status_label(status: str | WorkgroupStatus) -> str:
    return {
        W.PROPOSED: _("gathering support"), W.OPEN: _("open"), W.IN_PROGRESS: _("in progress"),
        W.REPORT_DELIVERED: _("report delivered"), W.CLOSED: _("closed"),
    }[WorkgroupStatus(status)]


def recommendation_label(value: str | Recommendation) -> str:
    labels = {
        Recommendation.ADOPT: _("Adopt as is"), Recommendation.ADOPT_AMENDED: _("Adopt with amendments"),
        Recommendation.REJECT: _("Reject"), Recommendation.SPLIT: _("Split into several proposals"),
    }
    return labels[Recommendation(value)]


def support_threshold() -> int:
    return int(current_app.config.get("WORKGROUP_SUPPORT_THRESHOLD", DEFAULT_SUPPORT_THRESHOLD))


# --- reading ---------------------------------------------------------------------------------


def workgroup_query():
    return select(Workgroup).options(
        selectinload(Workgroup.memberships).selectinload(WorkgroupMembership.member),
        selectinload(Workgroup.themes), selectinload(Workgroup.skills), selectinload(Workgroup.supports),
        selectinload(Workgroup.reports_to_level), selectinload(Workgroup.origin_level),
    )


def get_workgroup(workgroup_id) -> Workgroup:
    try:
        workgroup_id = int(workgroup_id)
    except (TypeError, ValueError):
        workgroup_id = None
    found = db.session.scalar(workgroup_query().where(Workgroup.id == workgroup_id)) if workgroup_id else None
    if found is None:
        raise NotFound(_("No such workgroup."))
    return found


def list_workgroups(status: str | None = None) -> list[Workgroup]:
    query = workgroup_query().order_by(Workgroup.due_on, Workgroup.id)
    if status:
        query = query.where(Workgroup.status == parse_status(status).value)
    return list(db.session.scalars(query))


def parse_status(raw) -> WorkgroupStatus:
    try:
        return WorkgroupStatus(str(raw).strip())
    except ValueError:
        known = ", ".join(item.value for item in WorkgroupStatus)
        raise InvalidInput(_("Unknown status %(value)r (known: %(known)s).", value=raw, known=known),
                           fields={"status": [_("Unknown status.")]}) from None


def is_overdue(workgroup: Workgroup, today: date | None = None) -> bool:
    return workgroup.status_enum in (W.OPEN, W.IN_PROGRESS) and workgroup.due_on < (today or local_today())


def held_proposals(workgroup: Workgroup) -> list[WorkgroupProposal]:
    return list(db.session.scalars(
        select(WorkgroupProposal).where(WorkgroupProposal.workgroup_id == workgroup.id)
        .options(selectinload(WorkgroupProposal.proposal)).order_by(WorkgroupProposal.id)))


def holder_of(proposal: Proposal) -> Workgroup | None:
    """The workgroup preparing the proposal now, if any."""
    return db.session.scalar(
        select(Workgroup).join(WorkgroupProposal, WorkgroupProposal.workgroup_id == Workgroup.id)
        .join(Proposal, Proposal.id == WorkgroupProposal.proposal_id)
        .where(WorkgroupProposal.proposal_id == proposal.id, WorkgroupProposal.kind == HoldingKind.SENT.value,
               WorkgroupProposal.returned_at.is_(None), Proposal.state == ProposalState.PREPARATION.value)
        .order_by(WorkgroupProposal.id.desc()).limit(1))


def messages(workgroup: Workgroup) -> list[WorkgroupMessage]:
    return list(db.session.scalars(
        select(WorkgroupMessage).where(WorkgroupMessage.workgroup_id == workgroup.id)
        .options(selectinload(WorkgroupMessage.author)).order_by(WorkgroupMessage.id)))


def notes_revisions(workgroup: Workgroup) -> list[NotesRevision]:
    return list(db.session.scalars(
        select(NotesRevision).where(NotesRevision.workgroup_id == workgroup.id)
        .options(selectinload(NotesRevision.author)).order_by(NotesRevision.number)))


def notes_revision(workgroup: Workgroup, number) -> NotesRevision:
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = None
    found = db.session.scalar(select(NotesRevision).where(
        NotesRevision.workgroup_id == workgroup.id, NotesRevision.number == number)) if number else None
    if found is None:
        raise NotFound(_("These notes have no revision %(n)s.", n=number))
    return found


def meetings(workgroup: Workgroup) -> list[WorkgroupMeeting]:
    return list(db.session.scalars(
        select(WorkgroupMeeting).where(WorkgroupMeeting.workgroup_id == workgroup.id)
        .options(selectinload(WorkgroupMeeting.attendees)).order_by(WorkgroupMeeting.held_on.desc())))


def reports(workgroup: Workgroup) -> list[WorkgroupReport]:
    return list(db.session.scalars(
        select(WorkgroupReport).where(WorkgroupReport.workgroup_id == workgroup.id).order_by(WorkgroupReport.id)))


def get_report(report_id) -> WorkgroupReport:
    found = db.session.get(WorkgroupReport, report_id) if isinstance(report_id, int) else None
    if found is None:
        raise NotFound(_("No such report."))
    return found


def my_workgroups(member: Member) -> list[Workgroup]:
    return list(db.session.scalars(
        workgroup_query().join(WorkgroupMembership, WorkgroupMembership.workgroup_id == Workgroup.id)
        .where(WorkgroupMembership.member_id == member.id).order_by(Workgroup.due_on, Workgroup.id)))


def overdue_workgroups(today: date | None = None) -> list[Workgroup]:
    today = today or local_today()
    return list(db.session.scalars(
        workgroup_query().where(Workgroup.status.in_([W.OPEN.value, W.IN_PROGRESS.value]), Workgroup.due_on < today)
        .order_by(Workgroup.due_on, Workgroup.id)))


# --- creating ----------------------------------------------------------------------------------


def _ids(values: Iterable, field: str, errors: dict) -> list[int]:
    try:
        return sorted({int(value) for value in (values or ()) if value not in (None, "")})
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_("Numbers expected."))
        return []


def _rows(model, values: Iterable, field: str, errors: dict, unknown: str) -> list:
    wanted = _ids(values, field, errors)
    found = list(db.session.scalars(select(model).where(model.id.in_(wanted)))) if wanted else []
    if len(found) != len(wanted):
        errors.setdefault(field, []).append(unknown)
    return found


def _active_members(values: Iterable, field: str, errors: dict) -> list[Member]:
    found = _rows(Member, values, field, errors, _("Unknown member."))
    today = local_today()
    if any((status := member.status_on(today)) is None or not status.is_active for member in found):
        errors.setdefault(field, []).append(_("Only current members of the cooperative may take part."))
    return found


def _level(value, field: str, errors: dict, *, required: bool = True) -> Level | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("Choose a level."))
        return None
    try:
        level = db.session.get(Level, int(value))
    except (TypeError, ValueError):
        level = None
    if level is None:
        errors.setdefault(field, []).append(_("Unknown level."))
    return level


def _due_on(value, errors: dict) -> date | None:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors.setdefault("due_on", []).append(_("A date expected, as YYYY-MM-DD."))
            return None
    if not isinstance(value, date):
        errors.setdefault("due_on", []).append(_("Required."))
        return None
    if value < local_today():
        errors.setdefault("due_on", []).append(_("The due date %(day)s is already past.", day=value.isoformat()))
        return None
    return value


@dataclass
class Mandate:
    name: str
    question: str
    expected_output: str
    due_on: date | None
    reports_to: Level | None
    themes: list[Theme]
    skills: list[Skill]


def _mandate(errors: dict, *, name, question, expected_output, due_on, reports_to_level_id, theme_ids,
             skill_ids) -> Mandate:
    return Mandate(
        name=clean_text(name, "name", errors, maximum=NAME_MAX),
        question=clean_text(question, "question", errors, maximum=TEXT_MAX),
        expected_output=clean_text(expected_output, "expected_output", errors, maximum=TEXT_MAX, required=False),
        due_on=_due_on(due_on, errors),
        reports_to=_level(reports_to_level_id, "reports_to_level_id", errors),
        themes=_rows(Theme, theme_ids, "themes", errors, _("Unknown theme.")),
        skills=_rows(Skill, skill_ids, "skills", errors, _("Unknown skill.")),
    )


def _new(actor: Member, mandate: Mandate, *, origin: Origin, status: WorkgroupStatus, open_membership: bool,
         origin_level: Level | None = None, origin_reference: str = "") -> Workgroup:
    workgroup = Workgroup(
        name=mandate.name, question=mandate.question, expected_output=mandate.expected_output,
        due_on=mandate.due_on, reports_to_level=mandate.reports_to, origin=origin.value, status=status.value,
        origin_level=origin_level, origin_reference=origin_reference, open_membership=bool(open_membership),
        created_by=actor, created_at=utcnow(), notes="", notes_revision=0,
    )
    workgroup.themes = mandate.themes
    workgroup.skills = mandate.skills
    db.session.add(workgroup)
    return workgroup


def _add_member(workgroup: Workgroup, member: Member, role: WorkgroupRole) -> None:
    existing = workgroup.membership_of(member)
    if existing is not None:
        if role is WorkgroupRole.FACILITATOR:
            existing.role = role.value
        return
    workgroup.memberships.append(WorkgroupMembership(member=member, role=role.value, joined_at=utcnow()))


def create_by_decision(actor: Member, *, name, question, expected_output="", due_on, reports_to_level_id,
                       decided_by_level_id, decision_reference, facilitator_ids, member_ids=(), theme_ids=(),
                       skill_ids=(), open_membership=True) -> Workgroup:
    """A workgroup a level decided to create (seminar, co-gérance…): open at once."""
    policy.require(actor, "workgroups.record_decision")
    errors: dict[str, list[str]] = {}
    mandate = _mandate(errors, name=name, question=question, expected_output=expected_output, due_on=due_on,
                       reports_to_level_id=reports_to_level_id, theme_ids=theme_ids, skill_ids=skill_ids)
    level = _level(decided_by_level_id, "decided_by_level_id", errors)
    reference = clean_text(decision_reference, "decision_reference", errors, maximum=REFERENCE_MAX)
    facilitators = _active_members(facilitator_ids, "facilitators", errors)
    if not facilitators and "facilitators" not in errors:
        errors["facilitators"] = [_("A workgroup needs at least one facilitator.")]
    members = _active_members(member_ids, "members", errors)
    raise_if(errors, _("The workgroup could not be created."))
    workgroup = _new(actor, mandate, origin=Origin.DECISION, status=W.OPEN, open_membership=open_membership,
                     origin_level=level, origin_reference=reference)
    for member in facilitators:
        _add_member(workgroup, member, WorkgroupRole.FACILITATOR)
    for member in members:
        _add_member(workgroup, member, WorkgroupRole.MEMBER)
    db.session.flush()
    return workgroup


def propose_initiative(actor: Member, *, name, question, expected_output="", due_on, reports_to_level_id,
                       theme_ids=(), skill_ids=(), open_membership=True) -> Workgroup:
    """A member's initiative: its author facilitates and supports it; it opens at the threshold."""
    policy.require(actor, "workgroups.propose")
    errors: dict[str, list[str]] = {}
    mandate = _mandate(errors, name=name, question=question, expected_output=expected_output, due_on=due_on,
                       reports_to_level_id=reports_to_level_id, theme_ids=theme_ids, skill_ids=skill_ids)
    raise_if(errors, _("The workgroup could not be proposed."))
    workgroup = _new(actor, mandate, origin=Origin.INITIATIVE, status=W.PROPOSED, open_membership=open_membership)
    _add_member(workgroup, actor, WorkgroupRole.FACILITATOR)
    db.session.flush()
    support(workgroup, actor)
    return workgroup


def support_count(workgroup: Workgroup) -> int:
    return db.session.scalar(select(func.count()).select_from(WorkgroupSupport)
                             .where(WorkgroupSupport.workgroup_id == workgroup.id)) or 0


def support(workgroup: Workgroup, member: Member) -> Workgroup:
    """Support an initiative; at the threshold of supporters it becomes an open workgroup."""
    policy.require(member, "workgroups.view", workgroup)
    if workgroup.status_enum is not W.PROPOSED:
        raise Conflict(_("This workgroup is no longer gathering support: it is «%(status)s».",
                         status=status_label(workgroup.status)))
    if db.session.get(WorkgroupSupport, (workgroup.id, member.id)) is not None:
        raise Conflict(_("You already support this initiative."))
    db.session.add(WorkgroupSupport(workgroup_id=workgroup.id, member_id=member.id, created_at=utcnow()))
    db.session.flush()
    if support_count(workgroup) >= support_threshold():
        workgroup.status = W.OPEN.value
        db.session.flush()
        _tell_members(workgroup, lambda: _("The workgroup «%(name)s» has enough support: it is open.",
                                           name=workgroup.name), key=f"workgroup:{workgroup.id}:opened")
    return workgroup


# --- membership ----------------------------------------------------------------------------


def _require_not_closed(workgroup: Workgroup) -> None:
    if workgroup.status_enum is W.CLOSED:
        raise Conflict(_("The workgroup «%(name)s» is closed: it is kept as an archive.", name=workgroup.name))
    if workgroup.status_enum is W.PROPOSED:
        raise Conflict(_("The workgroup «%(name)s» is still gathering support (%(count)d of %(needed)d).",
                         name=workgroup.name, count=support_count(workgroup), needed=support_threshold()))


def join(workgroup: Workgroup, member: Member) -> Workgroup:
    _require_not_closed(workgroup)
    if not workgroup.open_membership:
        raise Conflict(_("This workgroup's membership is by invitation: ask one of its facilitators."))
    if workgroup.is_member(member):
        raise Conflict(_("You are already a member of this workgroup."))
    _add_member(workgroup, member, WorkgroupRole.MEMBER)
    db.session.flush()
    events.members_changed(workgroup)
    return workgroup


def leave(workgroup: Workgroup, member: Member) -> Workgroup:
    membership = workgroup.membership_of(member)
    if membership is None:
        raise Conflict(_("You are not a member of this workgroup."))
    if not workgroup.open_membership:
        raise Conflict(_("This workgroup's membership is managed by its facilitators: ask one of them."))
    _remove(workgroup, membership)
    return workgroup


def _remove(workgroup: Workgroup, membership: WorkgroupMembership) -> None:
    if membership.role == WorkgroupRole.FACILITATOR.value and len(workgroup.facilitators) == 1:
        raise Conflict(_("A workgroup needs at least one facilitator: name another one first."))
    workgroup.memberships.remove(membership)
    db.session.flush()
    events.members_changed(workgroup)


def invite(workgroup: Workgroup, actor: Member, member_id, role: str = "member") -> Workgroup:
    policy.require(actor, "workgroups.manage", workgroup)
    _require_not_closed(workgroup)
    errors: dict[str, list[str]] = {}
    found = _active_members([member_id], "member_id", errors)
    if not found and "member_id" not in errors:
        errors["member_id"] = [_("Choose a member.")]
    try:
        wanted_role = WorkgroupRole(role or "member")
    except ValueError:
        errors.setdefault("role", []).append(_("Unknown role."))
    raise_if(errors, _("Nobody was added."))
    if workgroup.is_member(found[0]) and not (wanted_role is WorkgroupRole.FACILITATOR
                                               and not workgroup.is_facilitator(found[0])):
        raise Conflict(_("%(name)s is already a member of this workgroup.", name=found[0].full_name))
    _add_member(workgroup, found[0], wanted_role)
    db.session.flush()
    with notices.in_language_of(found[0]):
        message = _("You were added to the workgroup «%(name)s».", name=workgroup.name)
    notices.notify(found[0], NoticeKind.STATE_CHANGE, message, _link(workgroup))
    events.members_changed(workgroup)
    return workgroup


def remove(workgroup: Workgroup, actor: Member, member_id) -> Workgroup:
    policy.require(actor, "workgroups.manage", workgroup)
    try:
        membership = next(m for m in workgroup.memberships if m.member_id == int(member_id))
    except (StopIteration, TypeError, ValueError):
        raise NotFound(_("This member is not in the workgroup.")) from None
    _remove(workgroup, membership)
    return workgroup


# --- status ----------------------------------------------------------------------------------


def start(workgroup: Workgroup, actor: Member) -> Workgroup:
    """Open → in progress: the group is at work."""
    policy.require(actor, "workgroups.manage", workgroup)
    if workgroup.status_enum is not W.OPEN:
        raise Conflict(_("Only an open workgroup can start its work; this one is «%(status)s».",
                         status=status_label(workgroup.status)))
    workgroup.status = W.IN_PROGRESS.value
    db.session.flush()
    events.status_changed(workgroup)
    return workgroup


def close(workgroup: Workgroup, actor: Member) -> Workgroup:
    policy.require(actor, "workgroups.manage", workgroup)
    if workgroup.status_enum is W.CLOSED:
        raise Conflict(_("This workgroup is already closed."))
    if not reports(workgroup):
        raise Conflict(_("A workgroup is closed once it has delivered its report; «%(name)s» has none yet.",
                         name=workgroup.name))
    # A proposal moved on by deliberation meanwhile (withdrawn, back to debate) no longer blocks.
    pending = [item for item in held_proposals(workgroup) if item.kind == HoldingKind.SENT.value
               and item.returned_at is None and item.proposal.state == ProposalState.PREPARATION.value]
    if pending:
        raise Conflict(_("The workgroup still holds «%(title)s»: hand it back with a report first.",
                         title=pending[0].proposal.title))
    workgroup.status = W.CLOSED.value
    workgroup.closed_at = utcnow()
    db.session.flush()
    events.status_changed(workgroup)
    return workgroup


def _require_writer(workgroup: Workgroup, member: Member) -> None:
    policy.require(member, "workgroups.write", workgroup)
    _require_not_closed(workgroup)


# --- the thread, the notes, the meetings ---------------------------------------------------


def post_message(workgroup: Workgroup, author: Member, body) -> WorkgroupMessage:
    _require_writer(workgroup, author)
    errors: dict[str, list[str]] = {}
    body = clean_text(body, "body", errors, maximum=MESSAGE_MAX)
    raise_if(errors, _("The message was not posted."))
    message = WorkgroupMessage(workgroup_id=workgroup.id, author_id=author.id, body=body,
                               body_html=markdown.render(body), created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    events.message_posted(message)
    return message


class StaleNotes(Conflict):
    """Someone saved the notes since this edit started: nothing was overwritten."""

    def __init__(self, workgroup: Workgroup, base_revision: int):
        self.current_revision = workgroup.notes_revision
        self.current_body = workgroup.notes
        super().__init__(
            _("Revision %(current)d of the notes was saved while you were editing revision %(base)d; your "
              "changes were not saved. Compare them with the current text and apply them again.",
              current=workgroup.notes_revision, base=base_revision),
            fields={"base_revision": [_("Revision %(n)d is the current one.", n=workgroup.notes_revision)],
                    "current_revision": [str(workgroup.notes_revision)], "current_body": [workgroup.notes]},
        )


def save_notes(workgroup: Workgroup, editor: Member, body, base_revision) -> NotesRevision:
    """A new revision of the working notes, only if it starts from the current one."""
    _require_writer(workgroup, editor)
    errors: dict[str, list[str]] = {}
    body = clean_text(body, "body", errors, maximum=NOTES_MAX, required=False)
    try:
        base = int(base_revision)
    except (TypeError, ValueError):
        errors.setdefault("base_revision", []).append(_("The revision the edit started from is required."))
        base = -1
    raise_if(errors, _("The notes were not saved."))
    # Re-read under a row lock (PostgreSQL) so two saves of the same revision never both pass.
    db.session.flush()
    db.session.refresh(workgroup, with_for_update=True)
    if base != workgroup.notes_revision:
        raise StaleNotes(workgroup, base)
    if body == workgroup.notes:
        raise InvalidInput(_("The notes are unchanged: nothing to save."), fields={"body": [_("Unchanged.")]})
    number = workgroup.notes_revision + 1
    revision = NotesRevision(workgroup_id=workgroup.id, number=number, body=body, author_id=editor.id,
                             created_at=utcnow())
    db.session.add(revision)
    workgroup.notes = body
    workgroup.notes_revision = number
    db.session.flush()
    events.notes_saved(workgroup, editor)
    return revision


def record_meeting(workgroup: Workgroup, recorder: Member, *, held_on, attendee_ids, notes="") -> WorkgroupMeeting:
    _require_writer(workgroup, recorder)
    errors: dict[str, list[str]] = {}
    if isinstance(held_on, str):
        try:
            held_on = date.fromisoformat(held_on.strip())
        except ValueError:
            errors.setdefault("held_on", []).append(_("A date expected, as YYYY-MM-DD."))
    if not isinstance(held_on, date) and "held_on" not in errors:
        errors.setdefault("held_on", []).append(_("Required."))
    elif isinstance(held_on, date) and held_on > local_today():
        errors.setdefault("held_on", []).append(_("Record a meeting once it has taken place."))
    attendees = _active_members(attendee_ids, "attendees", errors)
    if not attendees and "attendees" not in errors:
        errors["attendees"] = [_("Say who came.")]
    notes = clean_text(notes, "notes", errors, maximum=NOTES_MAX, required=False)
    raise_if(errors, _("The meeting was not recorded."))
    meeting = WorkgroupMeeting(workgroup_id=workgroup.id, held_on=held_on, notes=notes,
                               recorded_by_id=recorder.id, created_at=utcnow())
    meeting.attendees = attendees
    db.session.add(meeting)
    db.session.flush()
    return meeting


# --- proposals: sent for preparation, reports handed back, drafts -----------------------------


def send_proposal(proposal: Proposal, workgroup: Workgroup, actor: Member, reason: str = "") -> WorkgroupProposal:
    """A proposal in debate goes to the workgroup: it becomes «en préparation»."""
    if workgroup.status_enum not in (W.OPEN, W.IN_PROGRESS):
        raise Conflict(_("The workgroup «%(name)s» is «%(status)s»: it takes no new proposal.",
                         name=workgroup.name, status=status_label(workgroup.status)))
    text = _("Sent to the workgroup «%(name)s».", name=workgroup.name)
    if reason and str(reason).strip():
        text += " " + str(reason).strip()
    # Deliberation's own service: its policy (authors, facilitators) and its state machine.
    deliberation.send_to_preparation(proposal, actor, text)
    holding = WorkgroupProposal(workgroup_id=workgroup.id, proposal_id=proposal.id, kind=HoldingKind.SENT.value,
                                sent_by_id=actor.id, sent_at=utcnow())
    db.session.add(holding)
    db.session.flush()
    events.status_changed(workgroup)
    return holding


def send_to_new_workgroup(proposal: Proposal, actor: Member, **mandate) -> WorkgroupProposal:
    """Create a workgroup (by a level's decision) and send the proposal to it, in one step."""
    workgroup = create_by_decision(actor, **mandate)
    return send_proposal(proposal, workgroup, actor)


def deliver_report(workgroup: Workgroup, author: Member, *, recommendation, body, proposal_id=None,
                   to_level_id=None) -> WorkgroupReport:
    """The group's report; for a proposal it holds, the proposal goes back to a level's queue."""
    policy.require(author, "workgroups.manage", workgroup)
    _require_not_closed(workgroup)
    errors: dict[str, list[str]] = {}
    try:
        recommendation = Recommendation(recommendation)
    except ValueError:
        errors.setdefault("recommendation", []).append(
            _("Choose a recommendation: %(known)s.", known=", ".join(item.value for item in Recommendation)))
    body = clean_text(body, "body", errors, maximum=NOTES_MAX)
    to_level = _level(to_level_id, "to_level_id", errors, required=False)
    holding = None
    if proposal_id not in (None, ""):
        try:
            proposal_id = int(proposal_id)
        except (TypeError, ValueError):
            errors.setdefault("proposal_id", []).append(_("A proposal number expected."))
            proposal_id = None
    else:
        proposal_id = None
    if proposal_id is not None:
        holding = db.session.scalar(select(WorkgroupProposal).where(
            WorkgroupProposal.workgroup_id == workgroup.id, WorkgroupProposal.proposal_id == proposal_id,
            WorkgroupProposal.kind == HoldingKind.SENT.value, WorkgroupProposal.returned_at.is_(None)))
        if holding is None or holding.proposal.state != ProposalState.PREPARATION.value:
            errors.setdefault("proposal_id", []).append(
                _("The workgroup «%(name)s» does not hold this proposal: it can only report on proposals sent "
                  "to it and not yet handed back.", name=workgroup.name))
    elif to_level is not None:
        errors.setdefault("to_level_id", []).append(_("A level is chosen only when handing back a proposal."))
    raise_if(errors, _("The report was not delivered."))
    report = WorkgroupReport(workgroup_id=workgroup.id, proposal_id=proposal_id, recommendation=recommendation.value,
                             body=body, body_html=markdown.render(body), to_level=to_level, author_id=author.id,
                             created_at=utcnow())
    db.session.add(report)
    db.session.flush()
    if holding is not None:
        proposal = lock_proposal(holding.proposal)
        reason = _("Report of the workgroup «%(name)s»: %(recommendation)s. %(link)s", name=workgroup.name,
                   recommendation=recommendation_label(recommendation), link=report_link(report))
        return_from_preparation(proposal, author, reason, to_level=to_level)
        holding.returned_at = utcnow()
    workgroup.status = W.REPORT_DELIVERED.value
    db.session.flush()
    _tell_members(workgroup, lambda: _("The workgroup «%(name)s» delivered its report: %(recommendation)s.",
                                       name=workgroup.name, recommendation=recommendation_label(recommendation)),
                  key=f"workgroup-report:{report.id}", link=report_link(report))
    events.status_changed(workgroup)
    return report


def draft_proposal(workgroup: Workgroup, author: Member, *, title, body, matter_id, summary="", level_id=None,
                   theme_ids=()) -> Proposal:
    """A new proposal drafted by the group, from scratch, through deliberation's own service."""
    _require_writer(workgroup, author)
    others = [m.id for m in workgroup.members if m.id != author.id][:20]
    proposal = deliberation.create_proposal(
        author, title=title, summary=summary, body=body, matter_id=matter_id, level_id=level_id,
        theme_ids=theme_ids or [theme.id for theme in workgroup.themes], coauthor_ids=others)
    db.session.add(WorkgroupProposal(workgroup_id=workgroup.id, proposal_id=proposal.id,
                                     kind=HoldingKind.DRAFTED.value, sent_by_id=author.id, sent_at=utcnow()))
    db.session.flush()
    return proposal


def report_for_transition(reason: str) -> int | None:
    """The report a transition's reason links to, if any (for the proposal's history)."""
    import re

    match = re.search(r"/groupes-de-travail/rapports/(\d+)", reason or "")
    return int(match.group(1)) if match else None


# --- notices and reminders -------------------------------------------------------------------


def _link(workgroup: Workgroup) -> str:
    return notices.path_for("workgroups.workgroup_page", workgroup_id=workgroup.id)


def report_link(report: WorkgroupReport) -> str:
    return notices.path_for("workgroups.report_page", report_id=report.id)


def _tell_members(workgroup: Workgroup, message, *, key: str, link: str | None = None) -> int:
    recipients = {member.id: member for member in workgroup.members}
    sent = 0
    for member in recipients.values():
        with notices.in_language_of(member):
            text = message()
        if notices.notify(member, NoticeKind.STATE_CHANGE, text, link or _link(workgroup),
                          key=f"{key}:{member.id}") is not None:
            sent += 1
    return sent


def send_reminders(today: date | None = None, days: int = REMIND_DAYS) -> int:
    """Remind members of groups whose mandate falls due within ``days``, and of overdue ones; once each."""
    today = today or local_today()
    sent = 0
    groups = db.session.scalars(workgroup_query().where(
        Workgroup.status.in_([W.OPEN.value, W.IN_PROGRESS.value]), Workgroup.due_on <= today + timedelta(days=days)))
    for workgroup in groups:
        if workgroup.due_on < today:
            sent += _tell_members(workgroup, lambda w=workgroup: _(
                "The mandate of the workgroup «%(name)s» was due on %(day)s and no report is delivered yet.",
                name=w.name, day=w.due_on.isoformat()), key=f"workgroup:{workgroup.id}:overdue")
        else:
            sent += _tell_members(workgroup, lambda w=workgroup: _(
                "The mandate of the workgroup «%(name)s» is due on %(day)s.", name=w.name, day=w.due_on.isoformat()),
                key=f"workgroup:{workgroup.id}:due-soon")
    return sent


def level_choices() -> list[tuple[int, str]]:
    from app.governance.services import levels

    return [(level.id, level_label(level)) for level in levels()]


# --- suggested members --------------------------------------------------------------------


def suggested_members(workgroup: Workgroup, limit: int = 10):
    """Current members not in the group, ranked by coverage of the mandate (see suggestions.py)."""
    from app.workgroups.suggestions import Candidate, suggest

    today = local_today()
    candidates, team = [], []
    everyone = db.session.scalars(select(Member).options(
        selectinload(Member.status_changes), selectinload(Member.skills), selectinload(Member.themes)))
    in_group = {item.member_id for item in workgroup.memberships}
    for member in everyone:
        status = member.status_on(today)
        if status is None or not status.is_active or not member.status_changes:
            continue
        candidate = Candidate(id=member.id, name=member.full_name, status=status.value,
                              since=member.status_changes[0].effective_on,
                              skills=frozenset(s.label for s in member.skills),
                              themes=frozenset(t.label for t in member.themes))
        (team if member.id in in_group else candidates).append(candidate)
    return suggest(candidates, skills={s.label for s in workgroup.skills}, themes={t.label for t in workgroup.themes},
                   today=today, team=team, limit=limit)
