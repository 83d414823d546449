"""The one place that decides who may do what.

Pages, API resources and Socket.IO handlers all ask ``require(member, action, target)``;
templates ask ``can(...)``. A rule returns None when allowed, or the reason it refuses,
so every refusal can say why. Domains add their rules here, next to each other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from app.errors import Forbidden
from app.members.models import Member, RoleKind
from app.timeutil import local_today

Rule = Callable[[Member, Any, date], str | None]
RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        if action in RULES:
            raise RuntimeError(f"policy rule {action!r} defined twice")
        RULES[action] = func
        return func

    return register


def refusal(member: Member | None, action: str, target: Any = None) -> str | None:
    # Not is_authenticated: Flask-Login makes it False for former members, who deserve the reason below.
    if member is None or getattr(member, "is_anonymous", True):
        return str(_l("Please sign in first."))
    today = local_today()
    status = member.status_on(today)
    if status is None or not status.is_active:
        return str(_l("Former members no longer have access to the cooperative's space."))
    return RULES[action](member, target, today)


def can(member: Member | None, action: str, target: Any = None) -> bool:
    return refusal(member, action, target) is None


def require(member: Member | None, action: str, target: Any = None) -> None:
    reason = refusal(member, action, target)
    if reason is not None:
        raise Forbidden(reason)


def is_administrator(member: Member, today: date) -> bool:
    return member.has_role_on(RoleKind.ADMINISTRATOR, today)


# --- members -------------------------------------------------------------------------


@rule("members.view")
def _view_members(member, target, today):
    return None  # Every active member sees the directory: the cooperative is transparent.


@rule("members.manage")
def _manage_members(member, target, today):
    if is_administrator(member, today):
        return None
    return str(_l("Only the administrator (responsable administration-gestion) may do this."))


@rule("profile.edit")
def _edit_profile(member, target, today):
    if target is not None and target.id == member.id:
        return None
    if is_administrator(member, today):
        return None
    return str(_l("You may only edit your own profile."))


@rule("live.connect")
def _live_connect(member, target, today):
    return None


@rule("live.member_room")
def _live_member_room(member, target, today):
    # A member's room carries their own notifications: nobody else listens in, not even an admin.
    if target is not None and target.id == member.id:
        return None
    return str(_l("This channel belongs to another member."))


# --- ballots -----------------------------------------------------------------------------


def is_co_manager(member: Member, today: date) -> bool:
    return member.has_role_on(RoleKind.CO_MANAGER, today)


@rule("ballots.view")
def _view_ballots(member, target, today):
    return None  # Every active member sees every ballot and, once published, its result.


@rule("ballots.manage")
def _manage_ballots(member, target, today):
    # Facilitators of a meeting get their own rule with the meetings domain.
    if is_administrator(member, today) or is_co_manager(member, today):
        return None
    return str(_l("Only the co-managers and the administrator may prepare, open or close a ballot."))


@rule("ballots.vote")
def _vote(member, target, today):
    return None  # Whether the member is in the ballot's electorate is the votes service's check.


# --- deliberation (proposals, comments, amendments, register) ------------------------


def is_facilitator(member: Member, today: date) -> bool:
    # Facilitators of a level, for now: the co-managers and the administrator.
    return is_administrator(member, today) or is_co_manager(member, today)


def _is_author(member, proposal) -> bool:
    return proposal is not None and proposal.is_author(member)


@rule("proposals.view")
def _view_proposal(member, target, today):
    # A draft is its authors' working copy; once opened, every member sees the proposal.
    if target is None or target.state != "draft" or _is_author(member, target):
        return None
    return str(_l("This proposal is still a draft: only its authors see it."))


@rule("proposals.create")
def _create_proposal(member, target, today):
    return None  # Every member may propose: the seed's "all decisions, whatever the status".


@rule("proposals.edit")
def _edit_proposal(member, target, today):
    if _is_author(member, target):
        return None
    return str(_l("Only the proposal's authors may edit it; propose an amendment instead."))


@rule("proposals.manage")
def _manage_proposal(member, target, today):
    if _is_author(member, target):
        return None
    return str(_l("Only the proposal's authors may open it for debate or withdraw it."))


@rule("proposals.steer")
def _steer_proposal(member, target, today):
    if _is_author(member, target) or is_facilitator(member, today):
        return None
    return str(_l("Only the proposal's authors and the facilitators (co-managers, administrator) may do this."))


@rule("proposals.escalate")
def _escalate_proposal(member, target, today):
    return _steer_proposal(member, target, today)


@rule("proposals.facilitate")
def _facilitate(member, target, today):
    if is_facilitator(member, today):
        return None
    return str(_l("Only the facilitators (co-managers, administrator) may do this."))


@rule("proposals.request_escalation")
def _request_escalation(member, target, today):
    from app.governance.services import level_label, may_vote

    # The threshold is a share of the level's electorate: only its members' requests count.
    if target is None or may_vote(member, target.level, today):
        return _view_proposal(member, target, today)
    return str(_l("Only members who decide at the level «%(level)s» may ask for a higher level.",
                  level=level_label(target.level)))


@rule("proposals.comment")
def _comment(member, target, today):
    return _view_proposal(member, target, today)


@rule("proposals.sense_check")
def _sense_check(member, target, today):
    return _view_proposal(member, target, today)


@rule("comments.edit")
def _edit_comment(member, target, today):
    if target is not None and target.author_id == member.id:
        return None
    return str(_l("You may only edit your own comments."))


@rule("comments.withdraw")
def _withdraw_comment(member, target, today):
    if target is not None and target.author_id == member.id:
        return None
    return str(_l("You may only withdraw your own comments."))


@rule("amendments.propose")
def _propose_amendment(member, target, today):
    return _view_proposal(member, target, today)


@rule("amendments.decide")
def _decide_amendment(member, target, today):
    if _is_author(member, target):
        return None
    return str(_l("Only the proposal's authors accept or decline its amendments."))


@rule("amendments.withdraw")
def _withdraw_amendment(member, target, today):
    if target is not None and target.author_id == member.id:
        return None
    return str(_l("Only its author may withdraw an amendment."))


@rule("amendments.put_to_vote")
def _amendment_to_vote(member, target, today):
    if (target is not None and target.author_id == member.id) or is_facilitator(member, today):
        return None
    return str(_l("Only the amendment's author or a facilitator may put it to the vote."))


@rule("register.view")
def _view_register(member, target, today):
    return None  # The register of decisions is open to every member.


@rule("register.follow_up")
def _follow_up(member, target, today):
    if is_facilitator(member, today):
        return None
    if target is not None and target.responsible_id == member.id:
        return None
    return str(_l("Only the facilitators and the member responsible may update this follow-up."))


# --- meetings (seminars, co-gérance, workgroups; the live session) -------------------------


def _meeting_of(target):
    # Rules receive a meeting, or an object of one (agenda item, item ballot) that knows it.
    return getattr(target, "meeting", target)


@rule("meetings.view")
def _view_meetings(member, target, today):
    return None  # Every active member sees the calendar, agendas and attendance: the seed's transparency.


@rule("meetings.manage")
def _manage_meetings(member, target, today):
    if is_facilitator(member, today):
        return None
    return str(_l("Only the co-managers and the administrator may plan meetings and send convocations."))


@rule("meetings.facilitate")
def _facilitate_meeting(member, target, today):
    meeting = _meeting_of(target)
    if meeting is not None and meeting.is_facilitator(member):
        return None
    if is_facilitator(member, today):
        return None
    return str(_l("Only this meeting's facilitators, the co-managers and the administrator may run the session."))


@rule("meetings.take_notes")
def _take_notes(member, target, today):
    meeting = _meeting_of(target)
    if meeting is not None and meeting.secretary_id == member.id:
        return None
    if _facilitate_meeting(member, target, today) is None:
        return None
    return str(_l("Only the meeting's secretary and facilitators may write its notes."))


@rule("meetings.participate")
def _participate(member, target, today):
    return None  # Whether the member checked in is the service's check, with its own message.


# --- workgroups (thematic groups preparing decisions) ----------------------------------


@rule("workgroups.view")
def _view_workgroups(member, target, today):
    return None  # Transparency: every member reads every workgroup, its thread, notes and reports.


@rule("workgroups.propose")
def _propose_workgroup(member, target, today):
    return None  # Any member may start an initiative; it becomes a group once enough members support it.


@rule("workgroups.record_decision")
def _record_workgroup_decision(member, target, today):
    if is_facilitator(member, today):
        return None
    return str(_l("Only the co-managers and the administrator record a level's decision to create a workgroup."))


@rule("workgroups.write")
def _write_in_workgroup(member, target, today):
    if target is not None and target.is_member(member):
        return None
    if target is not None and target.open_membership:
        return str(_l("Only this workgroup's members may write in it: join it first."))
    return str(_l("Only this workgroup's members may write in it: ask one of its facilitators to invite you."))


@rule("workgroups.manage")
def _manage_workgroup(member, target, today):
    if target is not None and target.is_facilitator(member):
        return None
    if is_facilitator(member, today):
        return None
    return str(_l("Only this workgroup's facilitators, the co-managers and the administrator may do this."))


# --- general assembly (legal profile, convocation, holding, PV) ------------------------


@rule("assembly.profile")
def _edit_legal_profile(member, target, today):
    if is_administrator(member, today):
        return None
    return str(_l("Only the administrator (responsable administration-gestion) may edit the legal profile."))


@rule("assembly.manage")
def _manage_assembly(member, target, today):
    if is_facilitator(member, today):
        return None
    return str(_l("Only the co-managers and the administrator may prepare, convene and hold a general assembly."))
