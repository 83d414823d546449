"""The REST API of deliberation: same services, same refusals, the API's JSON error shape."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.governance import services as governance
from app.governance.models import LevelCode
from app.timeutil import utcnow
from tests.api.conftest import EnglishClient, bearer


@pytest.fixture
def api(app, token_of):
    """api(member) -> a function calling the API with that member's token."""

    def make(member):
        client = EnglishClient(app, app.response_class, use_cookies=False)
        headers = bearer(token_of(member))

        def call(method, url, **kwargs):
            return client.open(url, method=method, headers=headers, **kwargs)

        return call

    return make


@pytest.fixture
def token_of():
    from app.members import services

    def make(member):
        secret, _token = services.create_api_token(member, "test")
        db.session.commit()
        return secret

    return make


def everyday() -> int:
    return governance.matter_by_code("everyday").id


def assert_error(response, status, field=None):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["code"] == status and body["message"] and body["status"]
    if field:
        assert field in body["errors"], body
    return body


def test_a_proposal_travels_from_draft_to_the_register_through_the_api(api, author, facilitator, make_member):
    alice, gaston, other = api(author), api(facilitator), api(make_member())
    response = alice("POST", "/api/v1/proposals", json={
        "title": "Organisation des trinômes", "body": "Des trinômes **changeants**.",
        "matter_id": governance.matter_by_code("organisation").id})
    assert response.status_code == 201
    proposal = response.get_json()
    pid = proposal["id"]
    assert proposal["state"] == "draft" and proposal["revision_number"] == 1
    assert "<strong>changeants</strong>" in proposal["body_html"]
    assert proposal["allowed_states"] == ["debate", "withdrawn"]
    assert_error(other("GET", f"/api/v1/proposals/{pid}"), 403)
    assert alice("POST", f"/api/v1/proposals/{pid}/transitions", json={"action": "open"}).status_code == 200

    comment = other("POST", f"/api/v1/proposals/{pid}/comments", json={"body": "Bonne idée", "stance": "for"})
    assert comment.status_code == 201 and comment.get_json()["stance"] == "for"
    assert other("PUT", f"/api/v1/proposals/{pid}/sense-checks",
                 json={"opinion": "agree"}).get_json()["counts"]["agree"] == 1
    amendment = other("POST", f"/api/v1/proposals/{pid}/amendments", json={"body": "Des trinômes fixes."})
    assert amendment.status_code == 201 and "<ins>" in amendment.get_json()["diff_html"]
    accepted = alice("POST", f"/api/v1/amendments/{amendment.get_json()['id']}", json={"action": "accept"})
    assert accepted.get_json()["status"] == "accepted"
    revisions = alice("GET", f"/api/v1/proposals/{pid}/revisions").get_json()
    assert [r["number"] for r in revisions] == [1, 2]
    compare = alice("GET", f"/api/v1/proposals/{pid}/compare?from=1&to=2").get_json()
    assert "<del>" in compare["body"] and "<ins>fixes.</ins>" in compare["body"]

    scheduled = gaston("POST", f"/api/v1/proposals/{pid}/schedule", json={"meeting_ref": "Séminaire de mars"})
    assert scheduled.get_json()["state"] == "scheduled"
    decision = gaston("POST", f"/api/v1/proposals/{pid}/decision", json={
        "outcome": "adopted", "source": "meeting:12", "decided_on": "2026-03-14"})
    assert decision.status_code == 201
    record = decision.get_json()
    assert record["outcome"] == "adopted" and record["text"] == "Des trinômes fixes."
    register = other("GET", "/api/v1/register?q=trinome")
    assert [r["id"] for r in register.get_json()] == [record["id"]]
    assert "X-Pagination" in register.headers
    history = other("GET", f"/api/v1/proposals/{pid}/transitions").get_json()
    assert [t["to_state"] for t in history] == ["draft", "debate", "scheduled", "voting", "adopted"]
    followed = gaston("PATCH", f"/api/v1/register/{record['id']}", json={"status": "in_progress"})
    assert followed.get_json()["follow_up_status"] == "in_progress"


def test_a_stale_edit_is_a_409_carrying_the_current_text(api, make_proposal, author):
    proposal = make_proposal(body="Un.")
    alice = api(author)
    first = alice("PATCH", f"/api/v1/proposals/{proposal.id}", json={"base_revision": 1, "body": "Deux."})
    assert first.status_code == 200 and first.get_json()["revision_number"] == 2
    body = assert_error(alice("PATCH", f"/api/v1/proposals/{proposal.id}", json={"base_revision": 1, "body": "Trois."}),
                        409, "current_body")
    assert body["errors"]["current_body"] == ["Deux."] and body["errors"]["current_revision"] == ["2"]
    assert alice("GET", f"/api/v1/proposals/{proposal.id}").get_json()["body"] == "Deux."


def test_illegal_transition_and_scheduling_below_the_matters_level_are_refused(api, make_proposal, author):
    alice = api(author)
    proposal = make_proposal(matter="organisation")
    db.session.commit()  # as the request that made it would: a failing request rolls back only itself
    body = assert_error(alice("POST", f"/api/v1/proposals/{proposal.id}/transitions",
                              json={"action": "start_vote"}), 403)
    governance.set_matter_level(proposal.matter, governance.level_by_code(LevelCode.GENERAL_ASSEMBLY))
    db.session.commit()
    body = assert_error(alice("POST", f"/api/v1/proposals/{proposal.id}/schedule",
                              json={"meeting_ref": "Séminaire"}), 422, "level")
    assert "General assembly" in body["message"]
    draft = make_proposal(opened=False)
    db.session.commit()
    body = assert_error(alice("POST", f"/api/v1/proposals/{draft.id}/transitions", json={"action": "prepare"}), 409)
    assert "In debate" in body["message"] and "Withdrawn" in body["message"]


def test_bad_inputs_get_field_errors_and_change_nothing(api, make_proposal, author, make_member):
    alice = api(author)
    assert_error(alice("POST", "/api/v1/proposals", json={"title": "", "body": "x", "matter_id": everyday()}), 422,
                 "title")
    assert_error(alice("POST", "/api/v1/proposals", json={"title": "T"}), 422, "body")
    assert_error(alice("POST", "/api/v1/proposals", json={"title": "T", "body": "B", "matter_id": 999}), 422,
                 "matter_id")
    assert alice("GET", "/api/v1/proposals").get_json() == []
    proposal = make_proposal()
    db.session.commit()
    assert_error(alice("POST", f"/api/v1/proposals/{proposal.id}/comments", json={"body": "", "stance": "for"}),
                 422, "body")
    assert_error(alice("POST", f"/api/v1/proposals/{proposal.id}/comments", json={"body": "x", "stance": "bof"}),
                 422, "stance")
    assert_error(alice("PUT", f"/api/v1/proposals/{proposal.id}/sense-checks",
                       json={"opinion": "blocking_objection"}), 422, "reason")
    opens = utcnow() + timedelta(hours=2)
    assert_error(alice("POST", f"/api/v1/proposals/{proposal.id}/schedule",
                       json={"opens_at": opens.isoformat(), "closes_at": (opens - timedelta(hours=1)).isoformat()}),
                 422, "closes_at")
    assert_error(alice("POST", f"/api/v1/proposals/{proposal.id}/schedule",
                       json={"opens_at": "2026-01-01T10:00:00"}), 422)  # no offset: ambiguous
    assert_error(alice("GET", "/api/v1/register?decided_from=yesterday"), 422, "decided_from")
    assert_error(alice("GET", "/api/v1/proposals/999"), 404)


def test_editing_someone_elses_comment_is_forbidden(api, make_proposal, make_member):
    from app.deliberation import services

    proposal = make_proposal()
    owner, intruder = make_member(), make_member()
    comment = services.add_comment(proposal, owner, "Le mien", "for")
    db.session.commit()
    assert_error(api(intruder)("PATCH", f"/api/v1/comments/{comment.id}", json={"body": "À moi"}), 403)
    assert_error(api(intruder)("DELETE", f"/api/v1/comments/{comment.id}"), 403)
    withdrawn = api(owner)("DELETE", f"/api/v1/comments/{comment.id}").get_json()
    assert withdrawn["withdrawn_at"] and withdrawn["body"] is None


def test_escalation_requests_and_search(api, make_proposal, facilitator, make_member):
    proposal = make_proposal(matter="daily_administration", title="Achat d'imprimantes")
    db.session.commit()
    petition = api(facilitator)("POST", f"/api/v1/proposals/{proposal.id}/escalation-requests").get_json()
    assert petition["level_id"] == governance.level_by_code(LevelCode.GENERAL_ASSEMBLY).id
    hits = api(make_member())("GET", "/api/v1/search?q=imprimante").get_json()
    assert [(h["kind"], h["proposal_id"]) for h in hits] == [("proposal", proposal.id)]
    assert_error(api(make_member())("GET", "/api/v1/search"), 422, "q")


def test_the_api_needs_a_member(app):
    client = EnglishClient(app, app.response_class)
    assert client.get("/api/v1/proposals").status_code == 401
    assert client.get("/api/v1/register").status_code == 401


def test_decision_date_in_the_future_refused(api, make_proposal, author, facilitator):
    proposal = make_proposal(matter="organisation")
    from app.deliberation import services

    services.schedule_for_meeting(proposal, author, "Séminaire")
    db.session.commit()
    later = (date.today() + timedelta(days=400)).isoformat()
    assert_error(api(facilitator)("POST", f"/api/v1/proposals/{proposal.id}/decision",
                                  json={"outcome": "adopted", "source": "meeting:1", "decided_on": later}),
                 422, "decided_on")
    assert_error(api(author)("POST", f"/api/v1/proposals/{proposal.id}/decision",
                             json={"outcome": "adopted", "source": "meeting:1", "decided_on": "2026-01-01"}), 403)


def test_a_section_amendment_through_the_api(api, author, make_member, make_proposal):
    proposal = make_proposal(body="# Un\n\nA.\n\n# Deux\n\nB.")
    db.session.commit()
    alice, other = api(author), api(make_member())
    url = f"/api/v1/proposals/{proposal.id}/amendments"
    for bad in (3, -1, "2", True, 2.5, [2], {"heading": "Deux"}):
        assert_error(other("POST", url, json={"body": "# Deux\n\nC.", "section": bad}), 422, "section")
    assert other("GET", url).get_json() == []  # nothing was saved
    created = other("POST", url, json={"body": "# Deux\n\nC.", "section": 2, "base_revision": 1})
    assert created.status_code == 201, created.get_json()
    amendment = created.get_json()
    assert amendment["section"] == {"heading": "Deux", "occurrence": 1}
    assert amendment["diff_html"] == "# Deux\n\n<del>B.</del><ins>C.</ins>"
    whole = other("POST", url, json={"body": "Tout autre."}).get_json()
    assert whole["section"] is None
    edited = alice("PATCH", f"/api/v1/proposals/{proposal.id}", json={
        "base_revision": 1, "title": proposal.title, "summary": "", "body": "# Un\n\nA2.\n\n# Deux\n\nB."})
    assert edited.status_code == 200, edited.get_json()
    accepted = alice("POST", f"/api/v1/amendments/{amendment['id']}", json={"action": "accept"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert alice("GET", f"/api/v1/proposals/{proposal.id}").get_json()["body"] == "# Un\n\nA2.\n\n# Deux\n\nC."
    assert_error(alice("POST", f"/api/v1/amendments/{whole['id']}", json={"action": "accept"}), 409)


def test_a_conflicting_section_amendment_is_a_409_with_the_current_section(api, author, make_member,
                                                                           make_proposal):
    from app.deliberation import services

    proposal = make_proposal(body="# Un\n\nA.\n\n# Deux\n\nB.")
    amendment = services.propose_amendment(proposal, make_member(), "# Deux\n\nC.", section=2)
    services.edit_proposal(proposal, author, base_revision=1, title=proposal.title, summary="",
                           body="# Un\n\nA.\n\n# Deux\n\nB2.")
    db.session.commit()
    body = assert_error(api(author)("POST", f"/api/v1/amendments/{amendment.id}", json={"action": "accept"}),
                        409, "current_section")
    assert body["errors"]["current_section"] == ["# Deux\n\nB2."] and body["errors"]["current_revision"] == ["2"]
