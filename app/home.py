"""The home page: what awaits the member today, gathered from every domain.

It lives outside the domains because it reads all of them (members must not import
deliberation, votes or meetings).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import exists, select

from app.deliberation.models import Proposal, ProposalState
from app.extensions import db
from app.meetings.models import Meeting
from app.members.services import associate_deadline
from app.timeutil import local_today, utcnow
from app.votes.models import Ballot, BallotState, ElectorateEntry, Participation

bp = Blueprint("home", __name__)
ACTIVE_STATES = (ProposalState.DEBATE, ProposalState.PREPARATION, ProposalState.SCHEDULED, ProposalState.VOTING)


def ballots_awaiting(member) -> list[Ballot]:
    """Open ballots where the member is an elector and has not voted yet."""
    return list(db.session.scalars(
        select(Ballot)
        .join(ElectorateEntry, (ElectorateEntry.ballot_id == Ballot.id) & (ElectorateEntry.member_id == member.id))
        .where(Ballot.state == BallotState.OPEN.value,
               ~exists().where(Participation.ballot_id == Ballot.id, Participation.elector_id == member.id))
        .order_by(Ballot.closes_at.is_(None), Ballot.closes_at, Ballot.id)
        .limit(10)
    ))


@bp.route("/")
@login_required
def home():
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.state.in_([s.value for s in ACTIVE_STATES]))
        .order_by(Proposal.updated_at.desc()).limit(6)
    ).all()
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.ends_at >= utcnow()).order_by(Meeting.starts_at).limit(4)
    ).all()
    return render_template(
        "home.html", today=local_today(), deadline=associate_deadline(current_user),
        ballots=ballots_awaiting(current_user), proposals=proposals, meetings=meetings,
    )
