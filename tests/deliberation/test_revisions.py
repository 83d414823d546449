"""Every revision kept, any two compared; a stale edit gets the current text and overwrites nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.deliberation import diff, services
from app.deliberation.models import Proposal
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.governance import services as governance
from tests.deliberation.conftest import BODY


def edit(proposal, who, base, body, **extra):
    return services.edit_proposal(proposal, who, base_revision=base, title=extra.pop("title", proposal.title),
                                  summary=extra.pop("summary", proposal.summary), body=body, **extra)


def test_each_edit_is_a_new_revision_and_all_are_kept(make_proposal, author, make_member):
    coauthor = make_member()
    proposal = make_proposal(coauthors=[coauthor])
    second = edit(proposal, author, 1, BODY + "\n\nDeuxième version.", note="Ajout")
    third = edit(proposal, coauthor, 2, BODY + "\n\nTroisième version.")
    assert (second.number, third.number) == (2, 3)
    assert proposal.revision_number == 3
    assert [r.number for r in proposal.revisions] == [1, 2, 3]
    assert services.revision(proposal, 1).body == BODY
    assert services.revision(proposal, 2).note == "Ajout" and services.revision(proposal, 3).author_id == coauthor.id
    assert "Troisième version." in proposal.body_html


def test_any_two_revisions_compare_word_by_word(make_proposal, author):
    proposal = make_proposal(body="Les bureaux sont ouverts le lundi.")
    edit(proposal, author, 1, "Les bureaux sont ouverts le mardi.")
    edit(proposal, author, 2, "Les bureaux partagés sont ouverts le mardi et le jeudi.")
    one, three = services.revision(proposal, 1), services.revision(proposal, 3)
    assert str(diff.word_diff(one.body, three.body)) == (
        "Les bureaux<ins> partagés</ins> sont ouverts le <del>lundi.</del><ins>mardi et le jeudi.</ins>")


def test_an_unchanged_text_makes_no_revision(make_proposal, author):
    proposal = make_proposal()
    assert edit(proposal, author, 1, BODY) is None
    assert proposal.revision_number == 1


def test_a_stale_edit_gets_a_conflict_with_the_current_text_and_nothing_is_overwritten(make_proposal, author,
                                                                                       make_member):
    coauthor = make_member()
    proposal = make_proposal(coauthors=[coauthor])
    edit(proposal, coauthor, 1, "Texte de la co-autrice.")
    with pytest.raises(services.StaleEdit) as error:
        edit(proposal, author, 1, "Texte de l'autrice, commencé sur la révision 1.")
    stale = error.value
    assert isinstance(stale, Conflict) and stale.status_code == 409
    assert stale.current_revision == 2 and stale.current_body == "Texte de la co-autrice."
    assert stale.fields["current_body"] == ["Texte de la co-autrice."]
    assert proposal.body == "Texte de la co-autrice." and proposal.revision_number == 2
    assert [r.number for r in proposal.revisions] == [1, 2]


def test_the_database_refuses_the_second_of_two_concurrent_edits(make_proposal, author):
    """The in-memory check passed (both edits started from revision 1); the row's compare-and-set decides."""
    proposal = make_proposal()
    # Another request saved revision 2 behind this session's back.
    db.session.execute(update(Proposal).where(Proposal.id == proposal.id).values(revision_number=2, body="Autre")
                       .execution_options(synchronize_session=False))
    assert proposal.revision_number == 1
    with pytest.raises(services.StaleEdit) as error:
        edit(proposal, author, 1, "Ma version")
    assert error.value.current_revision == 2 and error.value.current_body == "Autre"


def test_only_authors_edit_and_only_while_debated(make_proposal, author, make_member, facilitator):
    proposal = make_proposal()
    with pytest.raises(Forbidden):
        edit(proposal, make_member(), 1, "Autre texte")
    scheduled = make_proposal(matter="organisation")
    services.schedule_for_meeting(scheduled, author, "Séminaire")
    with pytest.raises(Conflict):
        edit(scheduled, author, 1, "Trop tard")


def test_matter_and_level_are_fixed_once_the_debate_is_open(make_proposal, author):
    proposal = make_proposal()
    organisation = governance.matter_by_code("organisation")
    with pytest.raises(InvalidInput) as error:
        edit(proposal, author, 1, BODY, matter_id=organisation.id)
    assert "matter_id" in error.value.fields
    draft = make_proposal(opened=False)
    edit(draft, author, 1, BODY, matter_id=organisation.id)
    assert draft.matter.code == "organisation"


@pytest.mark.parametrize("body, base, field", [
    ("", 1, "body"), ("x" * 100_001, 1, "body"), ("ok", None, "base_revision"), ("ok", "1", "base_revision"),
])
def test_bad_edits_are_refused(make_proposal, author, body, base, field):
    proposal = make_proposal()
    with pytest.raises(InvalidInput) as error:
        edit(proposal, author, base, body)
    assert field in error.value.fields
    assert proposal.revision_number == 1 and proposal.body == BODY
