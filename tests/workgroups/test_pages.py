"""Workgroup pages: dashboard, creation, the group's page and its forms, conflicts on notes."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.governance.services import level_by_code
from app.timeutil import local_today
from app.workgroups import services
from app.workgroups.models import Workgroup
from tests.conftest import sign_in


def test_the_dashboard_lists_my_groups_and_overdue_mandates(client, make_workgroup, alice, bob):
    mine = make_workgroup(members=[bob], name="Mon groupe")
    late = make_workgroup(name="En retard")
    late.due_on = local_today() - timedelta(days=2)
    db.session.flush()
    sign_in(client, bob)
    page = client.get("/groupes-de-travail").get_data(as_text=True)
    assert "Mon groupe" in page and "Overdue mandates" in page and "En retard" in page
    assert mine.name in page.split("My workgroups")[1].split("All workgroups")[0]
    assert "En retard" not in page.split("My workgroups")[1].split("All workgroups")[0]


def test_a_member_proposes_an_initiative_from_the_form_and_a_past_date_is_refused(client, bob):
    sign_in(client, bob)
    data = {"origin": "initiative", "name": "Charte", "question": "Quelle charte ?",
            "reports_to_level_id": str(level_by_code("seminar").id)}
    response = client.post("/groupes-de-travail/nouveau",
                           data={**data, "due_on": (local_today() - timedelta(days=1)).isoformat()})
    assert response.status_code == 422 and "already past" in response.get_data(as_text=True)
    assert db.session.query(Workgroup).count() == 0
    response = client.post("/groupes-de-travail/nouveau",
                           data={**data, "due_on": (local_today() + timedelta(days=10)).isoformat()})
    assert response.status_code == 302
    group = db.session.query(Workgroup).one()
    assert group.status == "proposed" and group.is_facilitator(bob)


def test_an_outsider_reads_the_page_but_is_told_why_they_cannot_write(client, make_workgroup, alice, outsider):
    group = make_workgroup()
    services.post_message(group, alice, "Premier message")
    sign_in(client, outsider)
    page = client.get(f"/groupes-de-travail/{group.id}").get_data(as_text=True)
    assert "Premier message" in page and "join it first" in page
    response = client.post(f"/groupes-de-travail/{group.id}/message", data={"body": "Intrus"},
                           follow_redirects=True)
    assert "join it first" in response.get_data(as_text=True)
    assert len(services.messages(group)) == 1


def test_the_second_notes_writer_sees_the_current_text_and_keeps_theirs(client, make_workgroup, alice, bob):
    group = make_workgroup(members=[bob])
    services.save_notes(group, alice, "Version d'Alice", 0)
    db.session.flush()
    sign_in(client, bob)
    response = client.post(f"/groupes-de-travail/{group.id}/notes",
                           data={"body": "Version de Bob", "base_revision": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Version de Bob" in page and "<del>" in page and "Alice" in page
    assert services.get_workgroup(group.id).notes == "Version d'Alice"


def test_notes_diff_page(client, make_workgroup, alice):
    group = make_workgroup()
    services.save_notes(group, alice, "Un deux trois", 0)
    services.save_notes(group, alice, "Un quatre trois", 1)
    sign_in(client, alice)
    page = client.get(f"/groupes-de-travail/{group.id}/notes/1/2").get_data(as_text=True)
    assert "<del>deux</del>" in page and "<ins>quatre</ins>" in page
    assert client.get(f"/groupes-de-travail/{group.id}/notes/1/9").status_code == 404


def test_a_proposal_is_sent_from_its_page_and_the_report_page_is_linked(client, make_workgroup, make_proposal,
                                                                        author, alice):
    group = make_workgroup()
    proposal = make_proposal()
    sign_in(client, author)
    response = client.post(f"/propositions/{proposal.id}/groupe-de-travail",
                           data={"workgroup_id": str(group.id), "reason": "À préciser"})
    assert response.status_code == 302
    assert proposal.state == "preparation"
    report = services.deliver_report(group, alice, recommendation="adopt", body="Bon pour **adoption**.",
                                     proposal_id=proposal.id)
    page = client.get(f"/groupes-de-travail/rapports/{report.id}").get_data(as_text=True)
    assert "<strong>adoption</strong>" in page and proposal.title in page


def test_closing_without_a_report_is_refused_on_the_page(client, make_workgroup, alice):
    group = make_workgroup()
    sign_in(client, alice)
    response = client.post(f"/groupes-de-travail/{group.id}/close", follow_redirects=True)
    assert "has none yet" in response.get_data(as_text=True)
    assert services.get_workgroup(group.id).status == "open"


def test_the_proposal_page_names_its_group_and_its_history_links_the_report(client, make_workgroup, make_proposal,
                                                                           author, alice):
    group = make_workgroup()
    proposal = make_proposal()
    sign_in(client, author)
    assert f"/propositions/{proposal.id}/groupe-de-travail" in client.get(f"/propositions/{proposal.id}").get_data(
        as_text=True)
    services.send_proposal(proposal, group, author)
    page = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    assert "In preparation by the workgroup" in page and f"/groupes-de-travail/{group.id}" in page
    report = services.deliver_report(group, alice, recommendation="reject", body="Non.", proposal_id=proposal.id)
    page = client.get(f"/propositions/{proposal.id}").get_data(as_text=True)
    assert f'<a href="/groupes-de-travail/rapports/{report.id}">' in page
    assert "In preparation by the workgroup" not in page


def test_the_forms_render_in_french_for_a_french_member(client, make_workgroup, make_member, make_proposal, author):
    group = make_workgroup()
    proposal = make_proposal()
    gerant = make_member("esa", roles=["co_manager"], language="fr")
    sign_in(client, gerant)
    for url in ("/groupes-de-travail", "/groupes-de-travail/nouveau", f"/groupes-de-travail/{group.id}",
                f"/propositions/{proposal.id}/groupe-de-travail"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="fr"' in response.get_data(as_text=True)


def test_sending_to_a_new_group_from_the_page(client, make_proposal, facilitator, alice):
    proposal = make_proposal()
    sign_in(client, facilitator)
    response = client.post(f"/propositions/{proposal.id}/groupe-de-travail", data={
        "workgroup_id": "new", "name": "Groupe neuf", "question": "Comment ?",
        "due_on": (local_today() + timedelta(days=5)).isoformat(),
        "reports_to_level_id": str(level_by_code("seminar").id), "facilitators": [str(alice.id)]})
    assert response.status_code == 302
    assert services.holder_of(proposal).name == "Groupe neuf"
    bad = client.post(f"/propositions/{proposal.id}/groupe-de-travail", data={"workgroup_id": "abc"})
    assert bad.status_code == 404 and proposal.state == "preparation"


def test_members_draft_amendments_to_the_proposal_the_group_prepares(client, make_workgroup, make_proposal, author,
                                                                     alice):
    from app.deliberation import services as deliberation

    group = make_workgroup()
    proposal = make_proposal()
    services.send_proposal(proposal, group, author)
    sign_in(client, alice)
    page = client.get(f"/groupes-de-travail/{group.id}").get_data(as_text=True)
    assert f"/propositions/{proposal.id}/amendements/nouveau" in page
    # Deliberation accepts amendments while the proposal is in preparation.
    amendment = deliberation.propose_amendment(proposal, alice, body="Texte amendé par le groupe.", rationale="",
                                               base_revision=proposal.revision_number)
    assert amendment.status == "pending"
