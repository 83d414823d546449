"""Escalation: by the authors, the facilitators, the matter, or members' requests reaching the threshold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.deliberation import services
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.governance import services as governance
from app.governance.models import LevelCode
from app.members.models import MemberStatus
from app.notifications.models import Notice
from app.timeutil import utcnow


def test_authors_and_facilitators_move_a_proposal_up_one_level(make_proposal, author, facilitator, make_member):
    proposal = make_proposal()
    services.escalate(proposal, author, "Sujet trop large pour l'en ligne")
    assert proposal.level.code == LevelCode.SEMINAR
    services.escalate(proposal, facilitator, "")
    assert proposal.level.code == LevelCode.CO_MANAGEMENT
    with pytest.raises(Forbidden):
        services.escalate(proposal, make_member())
    last = proposal.transitions[-1]
    assert (last.from_state, last.to_state, last.actor_id) == ("debate", "debate", facilitator.id)


def test_the_highest_level_has_nothing_above(make_proposal, author):
    proposal = make_proposal(matter="statutes")
    assert proposal.level.code == LevelCode.GENERAL_ASSEMBLY
    with pytest.raises(Conflict):
        services.escalate(proposal, author)


def test_escalating_a_scheduled_proposal_cancels_its_window(make_proposal, author):
    proposal = make_proposal()
    opens = utcnow() + timedelta(hours=1)
    services.schedule_online_decision(proposal, author, opens, opens + timedelta(days=3))
    services.escalate(proposal, author, "Finalement au séminaire")
    assert (proposal.state, proposal.level.code, proposal.decision_closes_at) == ("debate", "seminar", None)


def test_requests_reaching_a_fifth_of_the_electorate_move_it_up_and_followers_hear(make_proposal, author,
                                                                                  make_member):
    members = [make_member(MemberStatus.ES) for _ in range(9)]  # with the author: 10 voters at level 1
    proposal = make_proposal()
    follower = members[0]
    services.follow(proposal, follower)
    assert services.petition(proposal).threshold == 2  # ceil(1/5 × 10)
    state = services.request_escalation(proposal, members[1])
    assert (state.requests, state.threshold, proposal.level.code) == (1, 2, "online")
    with pytest.raises(Conflict):
        services.request_escalation(proposal, members[1])  # once per member and level
    services.request_escalation(proposal, members[2])
    assert proposal.level.code == LevelCode.SEMINAR
    moved = proposal.transitions[-1]
    assert moved.actor_id is None and "2" in moved.reason and "10" in moved.reason
    kinds = db.session.scalars(select(Notice.kind).where(Notice.member_id.in_([follower.id, author.id]))).all()
    assert sorted(kinds) == ["state_change", "state_change"]
    assert services.petition(proposal).requests == 0  # the count starts again at the new level


def test_the_threshold_follows_the_levels_setting_rounded_up(make_proposal, make_member):
    from fractions import Fraction

    for _ in range(6):
        make_member(MemberStatus.ES)
    proposal = make_proposal()  # 7 voters at level 1
    governance.update_level(proposal.level, escalation_share=Fraction(1, 2))
    assert services.petition(proposal).threshold == 4  # ceil(7 / 2)


def test_only_the_levels_electorate_may_ask(make_proposal, author, make_member, facilitator):
    proposal = make_proposal(matter="daily_administration")  # co-management: co-managers decide
    assert proposal.level.code == LevelCode.CO_MANAGEMENT
    with pytest.raises(Forbidden):
        services.request_escalation(proposal, make_member(MemberStatus.ES))
    services.request_escalation(proposal, facilitator)  # the only co-manager: threshold 1
    assert proposal.level.code == LevelCode.GENERAL_ASSEMBLY


def test_a_member_withdraws_their_request(make_proposal, make_member):
    for _ in range(9):
        make_member()
    proposal = make_proposal()
    member = make_member()
    services.request_escalation(proposal, member)
    assert services.cancel_escalation_request(proposal, member).requests == 0
    with pytest.raises(NotFound):
        services.cancel_escalation_request(proposal, member)


def test_no_escalation_after_the_vote_began(make_proposal, author, facilitator):
    proposal = make_proposal()
    opens = utcnow() + timedelta(hours=1)
    services.schedule_online_decision(proposal, author, opens, opens + timedelta(days=3))
    services.start_vote(proposal, facilitator)
    with pytest.raises(Conflict):
        services.escalate(proposal, author)
