"""The facilitator's console and the raised hands: state kept in the database, clear refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.deliberation import services as deliberation
from app.deliberation.models import DecisionRecord
from app.errors import Conflict, Forbidden
from app.extensions import db
from app.governance.services import level_by_code, matter_by_code
from app.meetings import services, state
from app.votes import services as votes
from tests.conftest import sign_in
from tests.meetings.conftest import T0
from tests.votes.conftest import new_key


def test_raising_a_hand_without_being_checked_in_is_refused(make_meeting, facilitator, make_member):
    meeting = make_meeting()
    services.start_session(meeting, facilitator, now=T0)
    services.open_debate(meeting, facilitator, now=T0)
    late = make_member()
    with pytest.raises(Conflict, match="Check in first"):
        services.raise_hand(meeting, late, "for", now=T0)
    assert services.queue(meeting.current_item) == (None, [])


def test_hands_queue_in_order_the_facilitator_reorders_and_gives_the_floor(in_session, facilitator, people):
    meeting = in_session
    a = services.raise_hand(meeting, people[0], "for", now=T0)
    b = services.raise_hand(meeting, people[1], "against", now=T0)
    c = services.raise_hand(meeting, people[2], "question", now=T0)
    with pytest.raises(Conflict, match="already raised"):
        services.raise_hand(meeting, people[0], "question", now=T0)
    with pytest.raises(Exception, match="for, against or question"):
        services.raise_hand(meeting, people[3], "maybe", now=T0)
    services.move_speaker(meeting, facilitator, c.id, "up")
    assert [r.id for r in services.queue(meeting.current_item)[1]] == [a.id, c.id, b.id]
    with pytest.raises(Forbidden):
        services.move_speaker(meeting, people[0], c.id, "up")
    speaking = services.give_floor(meeting, facilitator, now=T0)
    assert speaking.id == a.id and speaking.started_at == T0
    # The timer is computed from the stored start: a reload 50 s later shows 130 s left.
    assert services.remaining_seconds(meeting, speaking, T0 + timedelta(seconds=50)) == 130
    assert services.remaining_seconds(meeting, speaking, T0 + timedelta(seconds=200)) == -20
    services.give_floor(meeting, facilitator, now=T0 + timedelta(seconds=60))
    now_speaking, waiting = services.queue(meeting.current_item)
    assert now_speaking.id == c.id and [r.id for r in waiting] == [b.id]
    services.lower_hand(meeting, people[1])
    assert services.queue(meeting.current_item)[1] == []


def test_hands_are_refused_when_the_debate_is_closed_or_the_session_paused(in_session, facilitator, people):
    meeting = in_session
    services.close_debate(meeting, facilitator, now=T0)
    with pytest.raises(Conflict, match="not open"):
        services.raise_hand(meeting, people[0], "for", now=T0)
    services.open_debate(meeting, facilitator, now=T0)
    services.pause_session(meeting, facilitator, now=T0)
    with pytest.raises(Conflict, match="paused"):
        services.raise_hand(meeting, people[0], "for", now=T0)


def test_second_ballot_on_an_item_is_refused_and_next_item_waits_for_the_close(in_session, facilitator):
    meeting = in_session
    link = services.open_item_ballot(meeting, facilitator, title="Adopter la charte", method="yes_no", now=T0)
    assert link.ballot.state == "open" and link.ballot.context == f"meeting:{meeting.id}"
    with pytest.raises(Conflict, match="already open on this item .*Adopter la charte"):
        services.open_item_ballot(meeting, facilitator, title="Encore", method="yes_no", now=T0)
    with pytest.raises(Conflict, match="still open"):
        services.go_to_item(meeting, facilitator, None, now=T0)
    with pytest.raises(Conflict, match="still open"):
        services.end_session(meeting, facilitator, now=T0)
    assert len(meeting.current_item.ballots) == 1


def test_reveal_before_close_is_refused_when_visibility_forbids_it(in_session, facilitator, people):
    meeting = in_session
    link = services.open_item_ballot(meeting, facilitator, method="yes_no", visibility="after_close", now=T0)
    votes.cast_vote(link.ballot, people[0], {"choice": "for"}, new_key())
    with pytest.raises(Conflict, match="hidden until it closes"):
        services.reveal_result(meeting, facilitator, link.id, now=T0)
    assert link.revealed_at is None
    assert "tally" not in state.public_state(meeting, T0)["ballot"]
    result = services.close_item_ballot(meeting, facilitator, link.id, now=T0)
    # Those checked in are the «present» of the majority base.
    assert result["present_or_represented"] == len(people)
    assert "tally" not in state.public_state(meeting, T0)["ballot"]  # closed but not yet revealed
    services.reveal_result(meeting, facilitator, link.id, now=T0)
    shown = state.public_state(meeting, T0)["ballot"]
    assert shown["state"] == "published" and shown["revealed"] and shown["tally"]["counts"]["for"] == 1


def test_live_ballot_shows_its_tally_while_open_and_may_be_revealed_before_closing(in_session, facilitator,
                                                                                  people):
    meeting = in_session
    link = services.open_item_ballot(meeting, facilitator, method="yes_no", visibility="live", now=T0)
    votes.cast_vote(link.ballot, people[0], {"choice": "against"}, new_key())
    ballot = state.public_state(meeting, T0)["ballot"]
    assert ballot["turnout"]["voted"] == 1 and ballot["tally"]["counts"]["against"] == 1
    services.reveal_result(meeting, facilitator, link.id, now=T0)
    assert link.revealed_at == T0 and link.ballot.state == "open"
    with pytest.raises(Conflict, match="already shown"):
        services.reveal_result(meeting, facilitator, link.id, now=T0)


def test_a_proposal_voted_in_session_is_recorded_in_the_register(make_meeting, facilitator, people):
    meeting = make_meeting(items=())
    proposal = deliberation.create_proposal(people[0], title="Accueillir Zoé", summary="", body="Texte.",
                                            matter_id=matter_by_code("entrepreneur_entry").id,
                                            level_id=level_by_code("seminar").id, theme_ids=[], coauthor_ids=[])
    deliberation.open_for_debate(proposal, people[0])
    services.add_item(meeting, facilitator, kind="proposal", proposal_id=proposal.id)
    for person in people:
        services.mark_present(meeting, facilitator, person, now=T0)
    services.start_session(meeting, facilitator, now=T0)
    link = services.open_item_ballot(meeting, facilitator, method="yes_no", now=T0)
    assert proposal.state == "voting"
    for person in people[:4]:
        votes.cast_vote(link.ballot, person, {"choice": "for"}, new_key())
    services.close_item_ballot(meeting, facilitator, link.id, now=T0)
    assert proposal.state == "adopted"
    record = db.session.query(DecisionRecord).filter_by(proposal_id=proposal.id).one()
    assert record.source == f"meeting:{meeting.id}"


def test_console_survives_a_reload(client, make_meeting, facilitator, people):
    from app.timeutil import utcnow

    meeting = make_meeting(starts_at=utcnow() - timedelta(minutes=10), items=("Premier point", "Deuxième point"))
    services.mark_present(meeting, facilitator, people[0])
    sign_in(client, facilitator)
    assert client.post(f"/seances/{meeting.id}/console/demarrer").status_code == 302
    assert client.post(f"/seances/{meeting.id}/console/suivant").status_code == 302
    assert client.post(f"/seances/{meeting.id}/console/ouvrir-debat").status_code == 302
    page = client.get(f"/seances/{meeting.id}/console").get_data(as_text=True)
    assert "Item 2: Deuxième point" in page and "Debate open" in page
    refused = client.post(f"/seances/{meeting.id}/console/suivant")
    assert refused.status_code == 409 and "last item" in refused.get_data(as_text=True)


def test_participants_cannot_run_the_console(client, make_meeting, people):
    meeting = make_meeting()
    sign_in(client, people[0])
    assert client.get(f"/seances/{meeting.id}/console").status_code == 403
    assert client.post(f"/seances/{meeting.id}/console/demarrer").status_code == 403
    assert meeting.session_state == "planned"


def test_snapshot_gives_a_reconnecting_phone_everything_at_once(in_session, facilitator, people):
    meeting = in_session
    services.raise_hand(meeting, people[0], "question", now=T0)
    link = services.open_item_ballot(meeting, facilitator, method="yes_no", now=T0)
    receipt = votes.cast_vote(link.ballot, people[0], {"choice": "for"}, new_key())
    snapshot = state.member_snapshot(people[0], meeting.id)
    assert snapshot["item"]["title"] == "Charte des bureaux partagés"
    assert snapshot["ballot"]["id"] == link.ballot.id and snapshot["ballot"]["state"] == "open"
    assert snapshot["me"]["checked_in"] == "on_site"
    assert snapshot["me"]["hand"]["stance"] == "question"
    assert snapshot["me"]["vote"]["voted"] is True
    if not link.ballot.is_secret:
        assert snapshot["me"]["vote"]["receipt"] == receipt.code
