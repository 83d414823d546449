"""The bridge to the votes engine: an online decision is a ballot, its result a decision.

Deliberation may import votes (not the reverse): the ballot points at its proposal by a
generic reference (subject "proposal", id), and announces its result by the
``ballot_closed`` signal, which this module turns into a line of the decision register.
"""

from __future__ import annotations

from sqlalchemy import select

from app.deliberation.models import Proposal, ProposalState
from app.extensions import db
from app.timeutil import local_zone
from app.votes import services as votes
from app.votes import signals
from app.votes.models import Ballot, BallotState, SubjectKind


def decision_ballot(proposal: Proposal) -> Ballot | None:
    """The proposal's current decision ballot (not cancelled), if any."""
    return db.session.scalar(
        select(Ballot)
        .where(Ballot.subject_kind == SubjectKind.PROPOSAL.value, Ballot.subject_id == proposal.id,
               Ballot.state != BallotState.CANCELLED.value)
        .order_by(Ballot.id.desc())
        .limit(1)
    )


def create_decision_ballot(proposal: Proposal) -> Ballot:
    """A draft ballot over the proposal's window, with its level's method, secrecy and majority."""
    return votes.create_ballot(
        title=proposal.title[:300],
        question=proposal.summary or "",
        level=proposal.level,
        subject_kind=SubjectKind.PROPOSAL,
        subject_id=proposal.id,
        opens_at=proposal.decision_opens_at,
        closes_at=proposal.decision_closes_at,
        created_by=proposal.created_by,
    )


def open_decision_ballot_of(proposal: Proposal) -> Ballot | None:
    """When the window opens: the draft ballot opens, its electorate is snapshotted."""
    ballot = decision_ballot(proposal)
    if ballot is not None and ballot.state == BallotState.DRAFT:
        votes.open_ballot(ballot, now=proposal.decision_opens_at)
    return ballot


@signals.ballot_closed.connect
def _record_the_decision(ballot: Ballot, result: dict, **_extra) -> None:
    if ballot.subject_kind != SubjectKind.PROPOSAL or ballot.subject_id is None:
        return
    if ballot.context is not None:
        return  # a sitting's ballot: the meeting records the decision when it reveals the result
    proposal = db.session.get(Proposal, ballot.subject_id)
    if proposal is None or proposal.state_enum not in (ProposalState.SCHEDULED, ProposalState.VOTING):
        return
    adopted = result.get("adopted")
    if adopted is None:  # a method that ranks options decides nothing about the proposal itself
        return
    from app.deliberation.services.register import record_decision

    decided_on = ballot.closed_at.astimezone(local_zone()).date()
    record_decision(proposal, "adopted" if adopted else "rejected", f"ballot:{ballot.id}", decided_on)
