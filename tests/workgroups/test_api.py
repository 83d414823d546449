"""The workgroups' REST API: same services, same refusals, in the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.governance.services import level_by_code
from app.timeutil import local_today
from tests.deliberation.test_api import api, token_of  # noqa: F401


def _create(call, **overrides):
    body = {"origin": "decision", "name": "Mobilité", "question": "Quels déplacements ?",
            "due_on": (local_today() + timedelta(days=20)).isoformat(),
            "reports_to_level_id": level_by_code("seminar").id, "decided_by_level_id": level_by_code("seminar").id,
            "decision_reference": "Séminaire de juin"}
    body.update(overrides)
    return call("POST", "/api/v1/workgroups", json=body)


def test_a_group_works_through_the_api(api, facilitator, alice, bob, outsider, make_proposal, author):  # noqa: F811
    gaston, ali, bo, olga, aline = api(facilitator), api(alice), api(bob), api(outsider), api(author)
    response = _create(gaston, facilitator_ids=[alice.id])
    assert response.status_code == 201, response.get_json()
    group = response.get_json()
    gid = group["id"]
    assert group["status"] == "open" and group["mandate"]["question"] == "Quels déplacements ?"
    assert bo("POST", f"/api/v1/workgroups/{gid}/join").status_code == 200
    refused = olga("POST", f"/api/v1/workgroups/{gid}/messages", json={"body": "Intrus"})
    assert refused.status_code == 403 and "join it first" in refused.get_json()["message"]
    assert bo("POST", f"/api/v1/workgroups/{gid}/messages", json={"body": "Bonjour"}).status_code == 201
    assert [m["body"] for m in olga("GET", f"/api/v1/workgroups/{gid}/messages").get_json()] == ["Bonjour"]

    assert ali("PUT", f"/api/v1/workgroups/{gid}/notes", json={"body": "A", "base_revision": 0}).status_code == 200
    conflict = bo("PUT", f"/api/v1/workgroups/{gid}/notes", json={"body": "B", "base_revision": 0})
    assert conflict.status_code == 409 and conflict.get_json()["errors"]["current_body"] == ["A"]

    proposal = make_proposal()
    sent = aline("POST", f"/api/v1/workgroups/{gid}/proposals", json={"proposal_id": proposal.id})
    assert sent.status_code == 201
    assert ali("POST", f"/api/v1/workgroups/{gid}/close").status_code == 409
    report = ali("POST", f"/api/v1/workgroups/{gid}/reports", json={
        "proposal_id": proposal.id, "recommendation": "adopt", "body": "Oui."})
    assert report.status_code == 201, report.get_json()
    assert aline("GET", f"/api/v1/proposals/{proposal.id}").get_json()["state"] == "debate"
    again = ali("POST", f"/api/v1/workgroups/{gid}/reports", json={
        "proposal_id": proposal.id, "recommendation": "adopt", "body": "Encore."})
    assert again.status_code == 422 and "proposal_id" in again.get_json()["errors"]
    assert ali("POST", f"/api/v1/workgroups/{gid}/close").get_json()["status"] == "closed"


@pytest.mark.parametrize("overrides, field", [
    ({"due_on": "2001-01-01"}, "due_on"),
    ({"name": ""}, "name"),
    ({"reports_to_level_id": 99999}, "reports_to_level_id"),
])
def test_bad_creations_are_refused_with_the_field(api, facilitator, alice, overrides, field):  # noqa: F811
    response = _create(api(facilitator), facilitator_ids=[alice.id], **overrides)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_workgroups_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/workgroups/{workgroup_id}/notes" in paths
    assert "/api/v1/workgroups/{workgroup_id}/reports" in paths
