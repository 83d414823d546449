"""Escalation: a proposal goes up one level before its decision.

By its authors, by the level's facilitators, automatically when the matter requires it
(see ``open_for_debate``), or when members' requests reach the level's escalation share
of its electorate (Level.escalation_share, default one fifth, rounded up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app import policy
from app.deliberation.labels import state_label
from app.deliberation.models import EscalationRequest, Proposal, ProposalState
from app.deliberation.services import proposals
from app.deliberation.services.common import lock
from app.errors import Conflict, NotFound
from app.extensions import db
from app.governance.models import Level
from app.governance.services import level_label, may_vote
from app.members.models import Member, MemberStatus, Role, RoleKind, StatusChange
from app.timeutil import local_today, utcnow

S = ProposalState
ESCALATION_STATES = (S.DEBATE, S.PREPARATION, S.SCHEDULED)


@dataclass(frozen=True)
class Petition:
    """Where members' requests stand at the proposal's current level."""

    requests: int
    electorate: int
    threshold: int
    next_level: Level | None


def next_level(level: Level) -> Level | None:
    return db.session.scalar(select(Level).where(Level.rank > level.rank).order_by(Level.rank).limit(1))


def threshold(level: Level, electorate_size: int) -> int:
    # Rounded up, and never zero: a level with no electorate cannot be petitioned out of silence.
    return max(1, math.ceil(level.escalation_share * electorate_size))


def _require_escalatable(proposal: Proposal) -> Level:
    if proposal.state_enum not in ESCALATION_STATES:
        raise Conflict(_("A proposal goes up a level before its decision; this one is «%(state)s».",
                         state=state_label(proposal.state)))
    target = next_level(proposal.level)
    if target is None:
        raise Conflict(_("The proposal is already at the highest level, «%(level)s».",
                         level=level_label(proposal.level)))
    return target


def escalate(proposal: Proposal, actor: Member | None, reason: str = "") -> Proposal:
    """One level up; a scheduled proposal goes back to debate there (its schedule is cancelled)."""
    if actor is not None:
        policy.require(actor, "proposals.escalate", proposal)
    lock(proposal)
    reason = proposals._reason(reason)
    target = _require_escalatable(proposal)
    to_state = S.DEBATE if proposal.state_enum is S.SCHEDULED else proposal.state_enum
    proposals._move(proposal, to_state, actor, reason, to_level=target)
    return proposal


class _History:
    """A member's status and role histories read as plain rows, for governance.may_vote.

    The proposal page counts the level's electorate on every view: loading every member with
    their histories as ORM objects (governance.electorate_on) cost ~20 ms with 500 members.
    Same reading as Member.status_on and Member.has_role_on; the rule itself stays may_vote's
    (tests/deliberation/test_page_petition.py checks both give the same electorate).
    """

    __slots__ = ("status", "co_manager")

    def __init__(self, status: str | None, co_manager: bool):
        self.status = status
        self.co_manager = co_manager

    def status_on(self, day: date) -> MemberStatus | None:
        return MemberStatus(self.status) if self.status else None

    def has_role_on(self, kind, day: date) -> bool:
        return kind == RoleKind.CO_MANAGER and self.co_manager


def electorate_ids_on(level: Level, day: date) -> set[int]:
    """The ids of governance.electorate_on(level, day), read in two light queries."""
    statuses: dict[int, str] = {}
    # Ordered as Member.status_changes: the last change effective on that day is the status.
    for member_id, status in db.session.execute(
        select(StatusChange.member_id, StatusChange.status).where(StatusChange.effective_on <= day)
        .order_by(StatusChange.member_id, StatusChange.effective_on, StatusChange.id)
    ):
        statuses[member_id] = status
    co_managers = set(db.session.scalars(select(Role.member_id).where(
        Role.kind == RoleKind.CO_MANAGER.value, Role.starts_on <= day,
        or_(Role.ends_on.is_(None), Role.ends_on >= day))))
    # may_vote reads nothing else than these two facts: asked once per pair, not per member.
    answers: dict[tuple[str, bool], bool] = {}
    electorate = set()
    for member_id, status in statuses.items():
        facts = (status, member_id in co_managers)
        if facts not in answers:
            answers[facts] = may_vote(_History(*facts), level, day)
        if answers[facts]:
            electorate.add(member_id)
    return electorate


def _electorate_ids(level: Level) -> set[int]:
    return electorate_ids_on(level, local_today())


def _count(proposal: Proposal, electorate: set[int]) -> int:
    members = db.session.scalars(select(EscalationRequest.member_id).where(
        EscalationRequest.proposal_id == proposal.id, EscalationRequest.level_id == proposal.level_id))
    # Requests of members who since left the electorate no longer count.
    return sum(1 for member_id in members if member_id in electorate)


def petition(proposal: Proposal) -> Petition:
    electorate = _electorate_ids(proposal.level)
    return Petition(_count(proposal, electorate), len(electorate), threshold(proposal.level, len(electorate)),
                    next_level(proposal.level))


def has_requested(proposal: Proposal, member: Member) -> bool:
    return db.session.scalar(select(func.count(EscalationRequest.id)).where(
        EscalationRequest.proposal_id == proposal.id, EscalationRequest.level_id == proposal.level_id,
        EscalationRequest.member_id == member.id)) > 0


def request_escalation(proposal: Proposal, member: Member) -> Petition:
    """A member of the level's electorate asks for a higher level; at the threshold, it goes up."""
    lock(proposal)
    policy.require(member, "proposals.request_escalation", proposal)
    _require_escalatable(proposal)
    if has_requested(proposal, member):
        raise Conflict(_("You have already asked for this proposal to go up a level."))
    db.session.add(EscalationRequest(proposal_id=proposal.id, level_id=proposal.level_id, member_id=member.id,
                                     created_at=utcnow()))
    db.session.flush()
    state = petition(proposal)
    if state.requests >= state.threshold:
        escalate(proposal, None, _("%(count)d of the %(size)d members of the level asked for it (threshold: "
                                   "%(threshold)d).", count=state.requests, size=state.electorate,
                                   threshold=state.threshold))
        return petition(proposal)
    return state


def cancel_escalation_request(proposal: Proposal, member: Member) -> Petition:
    policy.require(member, "proposals.view", proposal)
    request = db.session.scalar(select(EscalationRequest).where(
        EscalationRequest.proposal_id == proposal.id, EscalationRequest.level_id == proposal.level_id,
        EscalationRequest.member_id == member.id))
    if request is None:
        raise NotFound(_("You have not asked for this proposal to go up a level."))
    db.session.delete(request)
    db.session.flush()
    return petition(proposal)
