"""Amendments: a replacement text shown as a word diff; accepted (new revision) or declined (kept on file)."""

from __future__ import annotations

import pytest

from app.deliberation import services
from app.errors import Conflict, Forbidden, InvalidInput


def test_an_amendment_shows_a_word_diff_against_its_revision(make_proposal, make_member):
    proposal = make_proposal(body="Les bureaux ouvrent le lundi.")
    amendment = services.propose_amendment(proposal, make_member(), "Les bureaux ouvrent le mardi.", "Marché")
    assert amendment.status == "pending" and amendment.base_revision_number == 1
    assert amendment.diff_html == "Les bureaux ouvrent le <del>lundi.</del><ins>mardi.</ins>"


def test_the_authors_accept_an_amendment_and_it_becomes_a_new_revision(make_proposal, author, make_member):
    proposal = make_proposal(body="Les bureaux ouvrent le lundi.")
    amendment = services.propose_amendment(proposal, make_member(), "Les bureaux ouvrent le mardi.")
    revision = services.accept_amendment(amendment, author, "Bonne idée")
    assert (revision.number, revision.amendment_id) == (2, amendment.id)
    assert proposal.body == "Les bureaux ouvrent le mardi." and proposal.revision_number == 2
    assert amendment.status == "accepted" and amendment.decided_by_id == author.id
    assert amendment.decision_reason == "Bonne idée"
    with pytest.raises(Conflict):
        services.decline_amendment(amendment, author)


def test_a_declined_amendment_stays_on_file_and_can_be_put_to_the_vote(make_proposal, author, make_member,
                                                                       facilitator):
    proposal = make_proposal()
    proposer = make_member()
    amendment = services.propose_amendment(proposal, proposer, "Autre rédaction complète.")
    services.decline_amendment(amendment, author, "Hors sujet")
    assert amendment.status == "declined" and proposal.revision_number == 1
    assert services.amendments_for_vote(proposal) == []
    with pytest.raises(Forbidden):
        services.put_amendment_to_vote(amendment, make_member())
    services.put_amendment_to_vote(amendment, proposer)
    assert services.amendments_for_vote(proposal) == [amendment]
    services.put_amendment_to_vote(amendment, facilitator, wanted=False)
    assert services.amendments_for_vote(proposal) == []


def test_only_a_declined_amendment_goes_to_the_vote(make_proposal, make_member):
    proposal = make_proposal()
    proposer = make_member()
    amendment = services.propose_amendment(proposal, proposer, "Autre texte.")
    with pytest.raises(Conflict):
        services.put_amendment_to_vote(amendment, proposer)


def test_only_the_authors_decide_and_only_its_author_withdraws(make_proposal, author, make_member):
    proposal = make_proposal()
    proposer, other = make_member(), make_member()
    amendment = services.propose_amendment(proposal, proposer, "Autre texte.")
    with pytest.raises(Forbidden):
        services.accept_amendment(amendment, proposer)
    with pytest.raises(Forbidden):
        services.withdraw_amendment(amendment, other)
    services.withdraw_amendment(amendment, proposer)
    assert amendment.status == "withdrawn"


def test_an_amendment_written_on_an_old_revision_is_not_applied_over_newer_changes(make_proposal, author,
                                                                                  make_member):
    proposal = make_proposal(body="Version un.")
    amendment = services.propose_amendment(proposal, make_member(), "Version amendée de la un.")
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="", body="Version deux.")
    with pytest.raises(services.StaleEdit) as error:
        services.accept_amendment(amendment, author)
    assert error.value.current_body == "Version deux."
    assert proposal.body == "Version deux." and amendment.status == "pending"


@pytest.mark.parametrize("body, field", [("", "body"), ("x" * 100_001, "body"), ("Texte actuel.", "body")])
def test_bad_amendments_are_refused(make_proposal, make_member, body, field):
    proposal = make_proposal(body="Texte actuel.")
    with pytest.raises(InvalidInput) as error:
        services.propose_amendment(proposal, make_member(), body)
    assert field in error.value.fields


def test_amendments_only_while_debated_or_prepared(make_proposal, author, make_member):
    proposal = make_proposal(matter="organisation")
    services.schedule_for_meeting(proposal, author, "Séminaire")
    with pytest.raises(Conflict):
        services.propose_amendment(proposal, make_member(), "Trop tard.")


def test_a_stale_amendment_form_is_refused_with_the_current_text(make_proposal, author, make_member):
    proposal = make_proposal(body="Un.")
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="", body="Deux.")
    with pytest.raises(services.StaleEdit):
        services.propose_amendment(proposal, make_member(), "Mon texte", base_revision=1)
