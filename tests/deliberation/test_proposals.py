"""Proposals: drafting, the recorded state machine, scheduling never below the matter's level."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import policy
from app.deliberation import services
from app.deliberation.labels import state_label
from app.deliberation.models import DecisionRecord, Proposal, ProposalState, Revision, Transition
from app.deliberation.services.ballots import decision_ballot
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.governance import services as governance
from app.governance.models import LevelCode
from app.governance.services import level_label
from app.members.models import MemberStatus, Theme
from app.timeutil import utcnow
from app.votes import services as votes
from tests.deliberation.conftest import BODY


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_member_drafts_a_proposal_with_coauthors_themes_and_first_revision(author, make_member):
    coauthor = make_member(MemberStatus.CAPE)
    theme = Theme(label="Habitat participatif")
    db.session.add(theme)
    db.session.flush()
    proposal = services.create_proposal(
        author, title="  Des bureaux partagés  ", summary="Résumé", body=BODY,
        matter_id=governance.matter_by_code("everyday").id, theme_ids=[theme.id], coauthor_ids=[coauthor.id],
    )
    assert proposal.state == ProposalState.DRAFT
    assert proposal.title == "Des bureaux partagés"
    assert proposal.level.code == LevelCode.ONLINE  # by default, the matter's own level
    assert [m.id for m in proposal.coauthors] == [coauthor.id]
    assert [t.label for t in proposal.themes] == ["Habitat participatif"]
    assert [(r.number, r.body) for r in proposal.revisions] == [(1, BODY)]
    assert "<p>La coopérative" in proposal.body_html
    assert services.is_following(proposal, author) and services.is_following(proposal, coauthor)


def test_a_draft_is_seen_by_its_authors_only(make_proposal, author, make_member):
    other = make_member()
    draft = make_proposal(opened=False)
    assert policy.can(author, "proposals.view", draft)
    assert not policy.can(other, "proposals.view", draft)
    assert draft.id not in [p.id for p in db.session.scalars(services.list_query(other))]
    services.open_for_debate(draft, author)
    assert policy.can(other, "proposals.view", draft)


@pytest.mark.parametrize("changes, field", [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"body": ""}, "body"),
    ({"body": "x" * 100_001}, "body"),
    ({"body": "nul \x00 byte"}, "body"),
    ({"summary": "x" * 1001}, "summary"),
    ({"matter_id": 99999}, "matter_id"),
    ({"matter_id": "abc"}, "matter_id"),
    ({"level_id": 99999}, "level_id"),
    ({"theme_ids": [99999]}, "themes"),
    ({"theme_ids": ["x"]}, "themes"),
    ({"coauthor_ids": [99999]}, "coauthors"),
])
def test_bad_drafts_are_refused_field_by_field_and_nothing_is_saved(author, changes, field):
    before = count(Proposal), count(Revision)
    values = dict(title="Titre", body="Texte", matter_id=governance.matter_by_code("everyday").id)
    values.update(changes)
    with pytest.raises(InvalidInput) as error:
        services.create_proposal(author, **values)
    assert field in error.value.fields
    assert (count(Proposal), count(Revision)) == before


def test_a_former_member_cannot_be_coauthor(author, make_member):
    from app.members import services as members

    former = make_member(MemberStatus.ES, since=date(2020, 1, 1))
    members.record_status(former, MemberStatus.FORMER, date(2023, 1, 1))
    with pytest.raises(InvalidInput) as error:
        services.create_proposal(author, title="T", body="B", matter_id=governance.matter_by_code("everyday").id,
                                 coauthor_ids=[former.id])
    assert "coauthors" in error.value.fields


def test_every_transition_is_recorded_with_who_when_and_why(make_proposal, author, facilitator):
    proposal = make_proposal(opened=False)
    services.open_for_debate(proposal, author, "Prête à discuter")
    services.send_to_preparation(proposal, facilitator, "Le groupe de travail locaux s'en charge")
    services.back_to_debate(proposal, author, "Rapport rendu")
    rows = [(t.from_state, t.to_state, t.actor_id, t.reason) for t in proposal.transitions]
    assert rows == [
        (None, "draft", author.id, ""),
        ("draft", "debate", author.id, "Prête à discuter"),
        ("debate", "preparation", facilitator.id, "Le groupe de travail locaux s'en charge"),
        ("preparation", "debate", author.id, "Rapport rendu"),
    ]
    assert all(t.created_at is not None and t.created_at.tzinfo is not None for t in proposal.transitions)


def test_an_illegal_transition_says_what_is_allowed_from_here(make_proposal, author, facilitator):
    draft = make_proposal(opened=False)
    with pytest.raises(Conflict) as error:
        services.send_to_preparation(draft, author)
    message = error.value.message
    # The message names the current state and every state allowed from it (in the member's language).
    assert state_label("draft") in message
    assert f"«{state_label('debate')}», «{state_label('withdrawn')}»" in message
    assert draft.state == "draft" and len(draft.transitions) == 1


def test_a_final_state_has_nothing_after_it(make_proposal, author):
    proposal = make_proposal()
    services.withdraw(proposal, author, "Sans objet")
    with pytest.raises(Conflict) as error:
        services.back_to_debate(proposal, author)
    assert state_label("withdrawn") in error.value.message and state_label("debate") not in error.value.message


def test_only_authors_open_or_withdraw_and_a_withdrawal_says_why(make_proposal, author, make_member, facilitator):
    proposal = make_proposal(opened=False)
    with pytest.raises(Forbidden):
        services.open_for_debate(proposal, make_member())
    services.open_for_debate(proposal, author)
    with pytest.raises(Forbidden):
        services.withdraw(proposal, facilitator, "Je préfère")
    with pytest.raises(InvalidInput) as error:
        services.withdraw(proposal, author, "   ")
    assert "reason" in error.value.fields
    assert proposal.state == "debate"


def test_a_member_who_is_neither_author_nor_facilitator_cannot_steer(make_proposal, make_member):
    proposal = make_proposal()
    with pytest.raises(Forbidden):
        services.send_to_preparation(proposal, make_member())


def test_opening_below_the_matters_level_moves_the_proposal_up_automatically(make_proposal, author):
    # Entry of a new entrepreneur is decided at a seminar at the lowest (DOMAIN.md, seed).
    proposal = make_proposal(matter="entrepreneur_entry", level="online", opened=False)
    assert proposal.level.code == LevelCode.ONLINE
    services.open_for_debate(proposal, author)
    assert proposal.level.code == LevelCode.SEMINAR
    automatic = proposal.transitions[-1]
    assert automatic.actor_id is None and automatic.to_level_id == proposal.level_id
    assert level_label(LevelCode.SEMINAR) in automatic.reason


def _window(hours_from_now=1, days=7):
    opens = utcnow() + timedelta(hours=hours_from_now)
    return opens, opens + timedelta(days=days)


def test_scheduling_an_online_decision_records_the_window_and_prepares_its_ballot(make_proposal, author):
    proposal = make_proposal()
    opens, closes = _window()
    services.schedule_online_decision(proposal, author, opens, closes, "Débat mûr")
    assert proposal.state == "scheduled"
    assert (proposal.decision_opens_at, proposal.decision_closes_at) == (opens, closes)
    ballot = decision_ballot(proposal)
    assert (ballot.state, ballot.subject_kind, ballot.subject_id) == ("draft", "proposal", proposal.id)
    assert (ballot.opens_at, ballot.closes_at) == (opens, closes)
    assert ballot.method == proposal.level.default_method


def test_online_decision_end_to_end_the_ballot_result_writes_the_register(make_proposal, author, make_member):
    voters = [make_member(MemberStatus.ES) for _ in range(3)]
    proposal = make_proposal()
    opens, closes = _window()
    services.schedule_online_decision(proposal, author, opens, closes)
    services.open_due_windows(opens + timedelta(minutes=1))
    ballot = decision_ballot(proposal)
    assert proposal.state == "voting" and ballot.state == "open"
    during = opens + timedelta(hours=1)
    for voter, choice in zip(voters, ["for", "for", "against"], strict=True):
        votes.cast_vote(ballot, voter, {"choice": choice}, secrets.token_urlsafe(16), now=during)
    votes.close_ballot(ballot)  # closed by hand, today
    assert proposal.state == "adopted"
    record = db.session.scalar(select(DecisionRecord).where(DecisionRecord.proposal_id == proposal.id))
    assert record.source == f"ballot:{ballot.id}" and record.outcome == "adopted"


@pytest.mark.parametrize("opens_delta, closes_delta, field", [
    (timedelta(hours=2), timedelta(hours=1), "closes_at"),  # closes before it opens
    (timedelta(hours=1), timedelta(hours=1, minutes=30), "closes_at"),  # shorter than an hour
    (timedelta(days=-2), timedelta(days=-1), "closes_at"),  # entirely in the past
    (timedelta(days=-1), timedelta(days=1), "opens_at"),  # opens in the past
    (timedelta(hours=1), timedelta(days=90), "closes_at"),  # too long
])
def test_a_bad_decision_window_is_refused_and_nothing_changes(make_proposal, author, opens_delta, closes_delta,
                                                              field):
    proposal = make_proposal()
    now = utcnow()
    with pytest.raises(InvalidInput) as error:
        services.schedule_online_decision(proposal, author, now + opens_delta, now + closes_delta)
    assert field in error.value.fields
    assert proposal.state == "debate" and proposal.decision_opens_at is None


def test_a_naive_datetime_window_is_refused(make_proposal, author):
    proposal = make_proposal()
    with pytest.raises(InvalidInput) as error:
        services.schedule_online_decision(proposal, author, utcnow().replace(tzinfo=None), utcnow())
    assert "opens_at" in error.value.fields


def test_online_window_is_only_for_level_one_and_meetings_for_the_others(make_proposal, author):
    seminar = make_proposal(matter="organisation")
    with pytest.raises(InvalidInput):
        services.schedule_online_decision(seminar, author, *_window())
    online = make_proposal()
    with pytest.raises(InvalidInput):
        services.schedule_for_meeting(online, author, "Séminaire de mars")
    with pytest.raises(InvalidInput) as error:
        services.schedule_for_meeting(seminar, author, "  ")
    assert "meeting_ref" in error.value.fields
    services.schedule_for_meeting(seminar, author, "Séminaire de mars 2026")
    assert seminar.state == "scheduled" and seminar.meeting_ref == "Séminaire de mars 2026"


def test_domain_scheduling_below_the_matters_level_is_refused_whatever_the_path(make_proposal, author, facilitator):
    """DOMAIN.md "Who decides what": the administrator raised the matter's level after opening."""
    proposal = make_proposal(matter="organisation")  # seminar
    governance.set_matter_level(proposal.matter, governance.level_by_code(LevelCode.GENERAL_ASSEMBLY))
    with pytest.raises(InvalidInput) as error:
        services.schedule_for_meeting(proposal, author, "Séminaire de mars")
    assert "level" in error.value.fields and level_label(LevelCode.GENERAL_ASSEMBLY) in error.value.message
    assert proposal.state == "debate"

    # Scheduled before the change: starting the vote and recording a decision are refused too.
    other = make_proposal(matter="daily_administration")  # co-management
    services.schedule_for_meeting(other, facilitator, "Co-gérance du 3 mars")
    governance.set_matter_level(other.matter, governance.level_by_code(LevelCode.GENERAL_ASSEMBLY))
    with pytest.raises(InvalidInput):
        services.start_vote(other, facilitator)
    with pytest.raises(InvalidInput):
        services.record_decision(other, "adopted", "meeting:3", date.today())
    assert other.state == "scheduled"


def test_going_back_to_debate_cancels_the_schedule(make_proposal, author):
    proposal = make_proposal()
    services.schedule_online_decision(proposal, author, *_window())
    services.back_to_debate(proposal, author, "Encore à discuter")
    assert proposal.state == "debate" and proposal.decision_opens_at is None and proposal.decision_closes_at is None


def test_only_facilitators_start_a_vote_and_due_windows_open_by_themselves(make_proposal, author, facilitator):
    proposal = make_proposal()
    services.schedule_online_decision(proposal, author, *_window())
    with pytest.raises(Forbidden):
        services.start_vote(proposal, author)
    assert services.open_due_windows(utcnow()) == []
    opened = services.open_due_windows(utcnow() + timedelta(hours=2))
    assert opened == [proposal] and proposal.state == "voting"
    assert proposal.transitions[-1].actor_id is None


def test_withdrawal_is_refused_once_the_vote_has_begun(make_proposal, author, facilitator):
    proposal = make_proposal()
    services.schedule_online_decision(proposal, author, *_window())
    services.start_vote(proposal, facilitator)
    with pytest.raises(Conflict) as error:
        services.withdraw(proposal, author, "Trop tard ?")
    assert f"«{state_label('adopted')}», «{state_label('rejected')}»" in error.value.message


def test_transitions_table_matches_the_documented_flow():
    s = ProposalState
    assert services.ALLOWED[s.DRAFT] == (s.DEBATE, s.WITHDRAWN)
    assert services.ALLOWED[s.VOTING] == (s.ADOPTED, s.REJECTED)
    assert all(not services.ALLOWED[state] for state in (s.ADOPTED, s.REJECTED, s.WITHDRAWN))
    assert db.session.scalar(select(func.count()).select_from(Transition)) == 0
