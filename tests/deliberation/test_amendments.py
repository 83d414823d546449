"""Amendments: a replacement text shown as a word diff; accepted (new revision) or declined (kept on file)."""

from __future__ import annotations

import pytest

from app.deliberation import services
from app.deliberation.models import Amendment
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db


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


# --- section amendments ------------------------------------------------------------------------

@pytest.fixture
def english(app, monkeypatch):
    """Messages made outside a request use the default locale (French): compare the English sources."""
    from flask import g, has_app_context

    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    if has_app_context():
        g.pop("_flask_babel", None)


SECTIONED = "Préambule.\n\n# Horaires\n\nLe lundi.\n\n# Budget\n\nMille euros.\n\n## Budget\n\nDétail du budget."


def test_a_section_amendment_is_diffed_against_its_section_only(make_proposal, make_member):
    proposal = make_proposal(body=SECTIONED)
    amendment = services.propose_amendment(proposal, make_member(), "# Horaires\n\nLe mardi.", section=1)
    assert (amendment.section_heading, amendment.section_occurrence) == ("Horaires", 1)
    assert amendment.diff_html == "# Horaires\n\nLe <del>lundi.</del><ins>mardi.</ins>"
    assert "Préambule" not in amendment.diff_html and "Budget" not in amendment.diff_html


def test_accepting_a_section_amendment_splices_it_into_the_body(make_proposal, author, make_member):
    proposal = make_proposal(body=SECTIONED)
    # The third heading is the second «Budget»: the occurrence keeps the duplicates apart.
    amendment = services.propose_amendment(proposal, make_member(), "## Budget\n\nDétail revu.", section="3")
    assert (amendment.section_heading, amendment.section_occurrence) == ("Budget", 2)
    revision = services.accept_amendment(amendment, author)
    assert revision.number == 2 and revision.amendment_id == amendment.id
    assert proposal.body == SECTIONED.replace("Détail du budget.", "Détail revu.")
    assert amendment.status == "accepted"


def test_a_section_amendment_applies_over_changes_to_other_sections(make_proposal, author, make_member):
    proposal = make_proposal(body=SECTIONED)
    amendment = services.propose_amendment(proposal, make_member(), "# Horaires\n\nLe mardi.", section=1)
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="",
                           body="Nouveau préambule.\n\n" + SECTIONED.split("\n\n", 1)[1].replace("Mille", "Deux mille"))
    services.accept_amendment(amendment, author)
    assert proposal.revision_number == 3
    assert proposal.body == ("Nouveau préambule.\n\n# Horaires\n\nLe mardi.\n\n# Budget\n\nDeux mille euros.\n\n"
                             "## Budget\n\nDétail du budget.")


def test_a_section_changed_since_the_amendment_is_a_conflict_and_nothing_changes(make_proposal, author,
                                                                                 make_member, english):
    proposal = make_proposal(body=SECTIONED)
    amendment = services.propose_amendment(proposal, make_member(), "# Horaires\n\nLe mardi.", section=1)
    changed = SECTIONED.replace("Le lundi.", "Le mercredi.")
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="", body=changed)
    with pytest.raises(services.SectionConflict) as error:
        services.accept_amendment(amendment, author)
    assert "Horaires" in error.value.message and error.value.current_section == "# Horaires\n\nLe mercredi."
    assert proposal.body == changed and proposal.revision_number == 2 and amendment.status == "pending"


def test_a_section_gone_since_the_amendment_is_a_conflict(make_proposal, author, make_member, english):
    proposal = make_proposal(body=SECTIONED)
    amendment = services.propose_amendment(proposal, make_member(), "# Horaires\n\nLe mardi.", section=1)
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="",
                           body=SECTIONED.replace("# Horaires", "# Calendrier"))
    with pytest.raises(services.SectionConflict) as error:
        services.accept_amendment(amendment, author)
    assert "no longer exists" in error.value.message and "current_section" not in error.value.fields
    assert proposal.revision_number == 2 and amendment.status == "pending"


def test_a_renamed_heading_moves_the_occurrence_and_is_a_conflict(make_proposal, author, make_member):
    proposal = make_proposal(body=SECTIONED)
    # Amends the second «Budget»; then the first one is renamed, so «Budget» #2 no longer exists.
    amendment = services.propose_amendment(proposal, make_member(), "## Budget\n\nAutre.", section=3)
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="",
                           body=SECTIONED.replace("# Budget\n\nMille", "# Finances\n\nMille"))
    with pytest.raises(services.SectionConflict):
        services.accept_amendment(amendment, author)
    assert "Détail du budget." in proposal.body


def test_a_section_amendment_may_rename_its_heading(make_proposal, author, make_member):
    proposal = make_proposal(body=SECTIONED)
    amendment = services.propose_amendment(proposal, make_member(), "# Jours d'ouverture\n\nLe lundi.", section=1)
    services.accept_amendment(amendment, author)
    assert proposal.body == SECTIONED.replace("# Horaires", "# Jours d'ouverture")


def test_a_whole_body_amendment_is_still_stale_after_any_change(make_proposal, author, make_member):
    proposal = make_proposal(body=SECTIONED)
    amendment = services.propose_amendment(proposal, make_member(), SECTIONED.replace("lundi", "mardi"))
    assert amendment.section_heading is None and amendment.section_occurrence is None
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="",
                           body=SECTIONED.replace("Mille", "Cent"))
    with pytest.raises(services.StaleEdit):
        services.accept_amendment(amendment, author)


@pytest.mark.parametrize("section", [5, -1, "abc", "1.5", True, 2.0, [1]])
def test_an_unknown_section_is_refused(make_proposal, make_member, section):
    proposal = make_proposal(body=SECTIONED)
    with pytest.raises(InvalidInput) as error:
        services.propose_amendment(proposal, make_member(), "# Horaires\n\nLe mardi.", section=section)
    assert "section" in error.value.fields
    assert services.amendments_for_vote(proposal) == [] and not proposal_amendments(proposal)


@pytest.mark.parametrize("section", [None, "", 0, "0", " "])
def test_no_section_means_the_whole_text(make_proposal, make_member, section):
    proposal = make_proposal(body=SECTIONED)
    amendment = services.propose_amendment(proposal, make_member(), "Tout autre.", section=section)
    assert amendment.section_heading is None


def test_a_body_without_headings_has_no_sections(make_proposal, make_member, english):
    proposal = make_proposal(body="Pas de titre ici.\n\n```\n# du code\n```")
    with pytest.raises(InvalidInput) as error:
        services.propose_amendment(proposal, make_member(), "# du code", section=1)
    assert "no headings" in error.value.fields["section"][0]


def test_an_unchanged_section_is_nothing_to_amend(make_proposal, make_member):
    proposal = make_proposal(body=SECTIONED)
    with pytest.raises(InvalidInput) as error:
        services.propose_amendment(proposal, make_member(), "# Horaires\n\nLe lundi.\n\n", section=1)
    assert "body" in error.value.fields


def test_a_spliced_body_over_the_limit_is_refused_and_nothing_changes(make_proposal, author, make_member):
    proposal = make_proposal(body="# Court\n\n" + "x" * 60_000 + "\n\n# Long\n\ntexte")
    amendment = services.propose_amendment(proposal, make_member(), "# Long\n\n" + "y" * 50_000, section=2)
    with pytest.raises(InvalidInput) as error:
        services.accept_amendment(amendment, author)
    assert "body" in error.value.fields
    assert proposal.revision_number == 1 and amendment.status == "pending"


def proposal_amendments(proposal):
    return db.session.scalars(db.select(Amendment).where(Amendment.proposal_id == proposal.id)).all()
