"""What a proposal page shows, read in a fixed number of queries whatever the counts.

The page's query count must not grow with its comments, amendments or revisions
(tests/deliberation/test_page_queries.py): every list is one query, with its authors
joined in, and the rendered HTML of texts is stored rather than computed per view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import policy
from app.deliberation.models import (
    Amendment,
    AmendmentStatus,
    Comment,
    DecisionRecord,
    Proposal,
    ProposalState,
    Revision,
    SenseCheck,
    Stance,
    Transition,
)
from app.deliberation.services import escalation, notify, proposals
from app.deliberation.services.comments import sense_counts
from app.errors import NotFound
from app.extensions import db
from app.governance.models import Matter
from app.governance.services import electorate_on
from app.members.models import Member
from app.timeutil import local_today, utcnow


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass
class RevisionLine:
    number: int
    created_at: datetime
    note: str
    author_name: str
    amendment_id: int | None


@dataclass
class ProposalPage:
    proposal: Proposal
    revisions: list[RevisionLine]
    transitions: list[Transition]
    threads: list[Thread]
    arguments_for: list[Comment]
    arguments_against: list[Comment]
    comment_count: int
    amendments: list[Amendment]
    sense_counts: dict[str, int]
    my_sense_check: SenseCheck | None
    following: bool
    petition: escalation.Petition
    requested: bool
    decision: DecisionRecord | None

    @property
    def pending_amendments(self) -> list[Amendment]:
        return [item for item in self.amendments if item.status == AmendmentStatus.PENDING.value]

    @property
    def other_amendments(self) -> list[Amendment]:
        return [item for item in self.amendments if item.status != AmendmentStatus.PENDING.value]


def proposal_page_data(proposal_id: int, member: Member) -> ProposalPage:
    # One statement: a proposal has a few co-authors and themes, and SQLAlchemy's selectinload
    # spent ~1.5 ms building the cache keys of its two extra statements on every view.
    proposal = db.session.scalars(
        select(Proposal).where(Proposal.id == proposal_id).options(
            joinedload(Proposal.coauthors), joinedload(Proposal.themes),
            joinedload(Proposal.matter).joinedload(Matter.min_level), joinedload(Proposal.level),
            joinedload(Proposal.created_by),
        )
    ).unique().one_or_none()
    if proposal is None:
        raise NotFound(notify_missing())
    policy.require(member, "proposals.view", proposal)
    revisions = [
        RevisionLine(*row) for row in db.session.execute(
            select(Revision.number, Revision.created_at, Revision.note, Member.full_name, Revision.amendment_id)
            .join(Member, Member.id == Revision.author_id).where(Revision.proposal_id == proposal.id)
            .order_by(Revision.number.desc())
        )
    ]
    transitions = list(db.session.scalars(
        select(Transition).where(Transition.proposal_id == proposal.id)
        .options(joinedload(Transition.actor), joinedload(Transition.from_level), joinedload(Transition.to_level))
        .order_by(Transition.id)
    ))
    comments = list(db.session.scalars(
        select(Comment).where(Comment.proposal_id == proposal.id).options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ))
    threads: dict[int, Thread] = {}
    for comment in comments:
        if comment.parent_id is None:
            threads[comment.id] = Thread(comment)
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    live = [comment for comment in comments if comment.withdrawn_at is None]
    amendments = list(db.session.scalars(
        select(Amendment).where(Amendment.proposal_id == proposal.id)
        .options(joinedload(Amendment.author), joinedload(Amendment.decided_by)).order_by(Amendment.id)
    ))
    decision = None
    if proposal.state in (ProposalState.ADOPTED.value, ProposalState.REJECTED.value):
        decision = db.session.scalar(select(DecisionRecord).where(DecisionRecord.proposal_id == proposal.id))
    return ProposalPage(
        proposal=proposal,
        revisions=revisions,
        transitions=transitions,
        threads=list(threads.values()),
        arguments_for=[comment for comment in live if comment.stance == Stance.FOR.value],
        arguments_against=[comment for comment in live if comment.stance == Stance.AGAINST.value],
        comment_count=len(live),
        amendments=amendments,
        sense_counts=sense_counts(proposal.id),
        my_sense_check=db.session.scalar(select(SenseCheck).where(
            SenseCheck.proposal_id == proposal.id, SenseCheck.member_id == member.id)),
        following=proposals.is_following(proposal, member),
        petition=escalation.petition(proposal),
        requested=escalation.has_requested(proposal, member),
        decision=decision,
    )


def notify_missing() -> str:
    from flask_babel import gettext as _

    return _("No such proposal.")


def window_closing_reminders(now: datetime | None = None, within: timedelta = timedelta(hours=24)) -> int:
    """Tell the electorate that a decision window closes within 24 hours; once per window.

    Idempotent (each notice has a key), so a scheduler may run it as often as it likes.
    """
    now = now or utcnow()
    closing = db.session.scalars(
        select(Proposal).where(
            Proposal.state.in_((ProposalState.SCHEDULED.value, ProposalState.VOTING.value)),
            Proposal.decision_closes_at > now, Proposal.decision_closes_at <= now + within,
        ).order_by(Proposal.id)
    ).all()
    sent = 0
    for proposal in closing:
        sent += notify.window_closing(proposal, electorate_on(proposal.level, local_today()))
    return sent
