"""The pages, end to end through the test client: what a member sees and can do."""

from __future__ import annotations

import re

import pytest

from app.deliberation import services
from app.deliberation.models import Amendment, Proposal
from app.extensions import db
from app.governance import services as governance
from tests.conftest import sign_in


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_a_member_drafts_opens_and_sees_a_proposal_page(client, author, make_member):
    sign_in(client, author)
    assert "matter_id" in page(client, "/propositions/nouvelle")
    response = client.post("/propositions/nouvelle", data={
        "title": "Des bureaux partagés", "summary": "Un lieu commun",
        "body": "Nous **proposons** un lieu.\n\n<script>alert(1)</script>",
        "matter_id": str(governance.matter_by_code("everyday").id), "level_id": "",
    })
    assert response.status_code == 302
    proposal = db.session.scalars(db.select(Proposal)).one()
    html = page(client, f"/propositions/{proposal.id}")
    assert "<strong>proposons</strong>" in html and "<script>alert(1)</script>" not in html
    response = client.post(f"/propositions/{proposal.id}/ouvrir", data={"reason": "Prête"})
    assert response.status_code == 302 and proposal.state == "debate"
    html = page(client, f"/propositions/{proposal.id}")
    assert "Prête" in html  # the history shows why
    assert "Des bureaux partagés" in page(client, "/propositions")


def test_an_invalid_draft_is_shown_again_with_field_errors_and_nothing_saved(client, author):
    sign_in(client, author)
    response = client.post("/propositions/nouvelle", data={"title": "", "body": "", "matter_id": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Proposal)) == 0


def test_someone_elses_draft_is_forbidden(client, make_proposal, make_member):
    draft = make_proposal(opened=False)
    sign_in(client, make_member())
    assert client.get(f"/propositions/{draft.id}").status_code == 403


def test_an_illegal_transition_from_the_page_is_refused_with_the_reason(client, make_proposal, author):
    proposal = make_proposal(opened=False)
    sign_in(client, author)
    response = client.post(f"/propositions/{proposal.id}/preparer", data={"reason": ""}, follow_redirects=True)
    assert response.status_code == 200
    assert proposal.state == "draft"
    assert 'class="flash flash-error"' in response.get_data(as_text=True)


def test_a_stale_edit_on_the_page_shows_the_current_text_and_keeps_mine(client, make_proposal, author):
    proposal = make_proposal(body="Version un.")
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="", body="Version deux.")
    sign_in(client, author)
    response = client.post(f"/propositions/{proposal.id}/modifier", data={
        "title": proposal.title, "summary": "", "body": "Ma version depuis la un.", "base_revision": "1",
        "matter_id": str(proposal.matter_id), "level_id": str(proposal.level_id),
    })
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Ma version depuis la un." in html  # my text is still in the form
    assert "<del>" in html and "deux." in html  # the current text, compared with mine
    assert re.search(r'name="base_revision" type="hidden" value="2"', html)
    db.session.refresh(proposal)
    assert proposal.body == "Version deux." and proposal.revision_number == 2


def test_revisions_page_compares_two_revisions(client, make_proposal, author):
    proposal = make_proposal(body="Les bureaux sont ouverts le lundi.")
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="",
                           body="Les bureaux sont ouverts le mardi.")
    sign_in(client, author)
    html = page(client, f"/propositions/{proposal.id}/versions?de=1&a=2")
    assert "<del>lundi.</del><ins>mardi.</ins>" in html
    assert client.get(f"/propositions/{proposal.id}/versions?de=1&a=9").status_code == 404


def test_replying_goes_through_the_one_comment_form(client, make_proposal, make_member):
    proposal = make_proposal()
    alice, bob = make_member(), make_member()
    first = services.add_comment(proposal, alice, "Premier", "for")
    sign_in(client, bob)
    html = page(client, f"/propositions/{proposal.id}")
    assert f'href="/propositions/{proposal.id}?repondre={first.id}#comment-form"' in html
    html = page(client, f"/propositions/{proposal.id}?repondre={first.id}")
    assert f'name="parent_id" type="hidden" value="{first.id}"' in html
    response = client.post(f"/propositions/{proposal.id}/commentaires",
                           data={"body": "Réponse", "stance": "question", "parent_id": str(first.id)})
    assert response.status_code == 302
    reply = services.proposal_page_data(proposal.id, bob).threads[0].replies[0]
    assert (reply.body, reply.stance, reply.author_id) == ("Réponse", "question", bob.id)
    # Someone else's comment shows no edit link to me; mine does.
    html = page(client, f"/propositions/{proposal.id}")
    assert f"/commentaires/{first.id}/modifier" not in html and f"/commentaires/{reply.id}/modifier" in html


def test_a_refused_comment_says_why_and_posts_nothing(client, make_proposal, make_member):
    proposal = make_proposal()
    sign_in(client, make_member())
    response = client.post(f"/propositions/{proposal.id}/commentaires", data={"body": " ", "stance": "for"},
                           follow_redirects=True)
    assert response.status_code == 200 and 'flash-error' in response.get_data(as_text=True)
    assert services.proposal_page_data(proposal.id, proposal.created_by).comment_count == 0


SECTIONED = "Préambule.\n\n# Horaires\n\nLe lundi.\n\n# Budget\n\nMille euros.\n\n```\n# pas un titre\n```"


def test_the_amendment_form_offers_the_sections_and_loads_one_without_javascript(client, make_proposal,
                                                                               make_member):
    proposal = make_proposal(body=SECTIONED)
    sign_in(client, make_member(language="en"))
    url = f"/propositions/{proposal.id}/amendements/nouveau"
    html = page(client, url)
    assert '<option value="" selected>The whole text</option>' in html
    assert '<option value="1">Horaires</option>' in html and '<option value="2">Budget</option>' in html
    assert "pas un titre</option>" not in html  # a comment in a code block is not a section
    assert "Préambule." in html and 'name="section" type="hidden" value=""' in html
    html = page(client, url + "?section=2")
    assert '<option value="2" selected>Budget</option>' in html
    assert re.search(r"<textarea[^>]*>\s*# Budget\n\nMille euros.\n\n```\n# pas un titre\n```</textarea>", html)
    assert "Préambule." not in html and 'name="section" type="hidden" value="2"' in html
    response = client.post(url, data={"body": "# Budget\n\nDeux mille euros.", "rationale": "", "base_revision": "1",
                                      "section": "2"})
    assert response.status_code == 302
    amendment = db.session.scalars(db.select(Amendment)).one()
    assert (amendment.section_heading, amendment.section_occurrence) == ("Budget", 1)
    html = page(client, f"/propositions/{proposal.id}")
    assert "Replaces the section «Budget»" in html and "<ins>mille</ins>" not in html


@pytest.mark.parametrize("value", ["9", "abc", "-1"])
def test_an_unknown_section_in_the_address_shows_the_whole_text_with_an_error(client, make_proposal, make_member,
                                                                             value):
    proposal = make_proposal(body=SECTIONED)
    sign_in(client, make_member(language="en"))
    response = client.get(f"/propositions/{proposal.id}/amendements/nouveau?section={value}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "There is no section" in html
    assert "Préambule." in html and 'name="section" type="hidden" value=""' in html


def test_a_posted_unknown_section_is_refused_and_nothing_is_saved(client, make_proposal, make_member):
    proposal = make_proposal(body=SECTIONED)
    sign_in(client, make_member(language="en"))
    response = client.post(f"/propositions/{proposal.id}/amendements/nouveau", data={
        "body": "# X\n\ny", "rationale": "", "base_revision": "1", "section": "7"})
    assert response.status_code == 422 and "Choose the whole text or a section from 1 to 2." in \
        response.get_data(as_text=True)
    assert db.session.scalars(db.select(Amendment)).all() == []


def test_a_stale_section_form_finds_its_section_again_in_the_current_text(client, make_proposal, author,
                                                                         make_member):
    proposal = make_proposal(body=SECTIONED)
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="",
                           body="# Nouveau\n\nAjout.\n\n" + SECTIONED)
    sign_in(client, make_member(language="en"))
    response = client.post(f"/propositions/{proposal.id}/amendements/nouveau", data={
        "body": "# Budget\n\nDeux mille euros.", "rationale": "", "base_revision": "1", "section": "2"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    # Budget was the 2nd heading in revision 1 and is the 3rd now; the form follows it.
    assert 'name="section" type="hidden" value="3"' in html and 'name="base_revision" type="hidden" value="2"' in html
    diff = re.search(r'<div class="diff">(.*?)</div>', html, re.S).group(1)
    # Compared with the current section only, not with the whole text.
    assert diff.startswith("# Budget\n\n<del>Mille</del><ins>Deux mille</ins> euros.") and "Nouveau" not in diff
    assert db.session.scalars(db.select(Amendment)).all() == []


def test_a_stale_section_form_whose_section_is_gone_is_not_moved_elsewhere(client, make_proposal, author,
                                                                          make_member):
    proposal = make_proposal(body=SECTIONED)
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="",
                           body=SECTIONED.replace("# Budget", "# Finances"))
    sign_in(client, make_member(language="en"))
    data = {"body": "# Budget\n\nDeux mille euros.", "rationale": "", "base_revision": "1", "section": "2"}
    response = client.post(f"/propositions/{proposal.id}/amendements/nouveau", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "no longer exists" in html
    assert 'name="base_revision" type="hidden" value="1"' in html  # sending it again cannot succeed
    assert client.post(f"/propositions/{proposal.id}/amendements/nouveau", data=data).status_code == 409
    assert db.session.scalars(db.select(Amendment)).all() == []


def test_accepting_a_conflicting_section_amendment_on_the_page_says_why(client, make_proposal, author,
                                                                       make_member):
    proposal = make_proposal(body=SECTIONED)
    amendment = services.propose_amendment(proposal, make_member(), "# Horaires\n\nLe mardi.", section=1)
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="",
                           body=SECTIONED.replace("lundi", "jeudi"))
    db.session.commit()
    sign_in(client, author)
    response = client.post(f"/amendements/{amendment.id}/accepter", data={"reason": ""}, follow_redirects=True)
    assert "The section «Horaires» was changed after revision 1" in response.get_data(as_text=True)
    db.session.refresh(amendment)
    assert amendment.status == "pending" and proposal.revision_number == 2
