"""The votes REST API: the same services and rules as the pages, JSON errors, the OpenAPI document."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from app.extensions import db
from app.members import services as members
from app.members.models import MemberStatus
from app.timeutil import utcnow
from app.votes import services
from app.votes.models import Ballot, Proxy, StoredVote
from app.votes.tally import tally
from tests.conftest import FreshRequestClient
from tests.votes.conftest import new_key


@pytest.fixture
def api(app):
    """api(member) -> a JSON client calling as that member with a personal token, in English."""

    def as_member(member):
        secret, _token = members.create_api_token(member, "tests")
        db.session.commit()
        client = FreshRequestClient(app, app.response_class, use_cookies=False)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        return client

    return as_member


def commit():
    db.session.commit()


def stored(ballot) -> int:
    return db.session.scalar(select(func.count()).select_from(StoredVote).where(StoredVote.ballot_id == ballot.id))


def test_a_ballot_from_creation_to_its_published_box(api, admin, voters):
    manager = api(admin)
    created = manager.post("/api/v1/ballots", json={
        "title": "Horaires d'ouverture", "level": "seminar", "method": "yes_no", "visibility": "after_close",
        "majority": "2/3", "majority_strict": False, "majority_base": "votes_cast", "quorum": None})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["state"] == "draft" and body["majority"] == {"threshold": "2/3", "strict": False, "base": "votes_cast"}
    assert body["quorum"] is None and body["level"] == "seminar" and body["options"] == []
    ballot_id = body["id"]
    listed = manager.get("/api/v1/ballots", query_string={"state": "draft"})
    assert [b["id"] for b in listed.get_json()] == [ballot_id]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1

    opened = manager.post(f"/api/v1/ballots/{ballot_id}/open")
    assert opened.status_code == 200 and opened.get_json()["state"] == "open"

    voter = api(voters[0])
    key = new_key()
    first = voter.post(f"/api/v1/ballots/{ballot_id}/votes", json={"choice": {"choice": "for"}, "key": key})
    assert first.status_code == 201
    receipt = first.get_json()
    assert receipt["ballot_id"] == ballot_id and receipt["repeated"] is False and len(receipt["receipt"]) == 17
    again = voter.post(f"/api/v1/ballots/{ballot_id}/votes", json={"choice": {"choice": "for"}, "key": key})
    assert again.status_code == 200 and again.get_json() == receipt | {"repeated": True}
    for other, choice in zip(voters[1:4], ["for", "against", "abstain"], strict=True):
        assert api(other).post(f"/api/v1/ballots/{ballot_id}/votes",
                               json={"choice": {"choice": choice}, "key": new_key(), "on_behalf_of": None}
                               ).status_code == 201

    assert voter.get(f"/api/v1/ballots/{ballot_id}/turnout").get_json() == {
        "ballot_id": ballot_id, "state": "open", "electorate": 6, "voted": 4}
    hidden = voter.get(f"/api/v1/ballots/{ballot_id}/result")
    assert hidden.status_code == 409 and hidden.get_json()["message"] == "The result is shown once the ballot closes."
    assert voter.get(f"/api/v1/ballots/{ballot_id}/box").status_code == 409

    bad_close = manager.post(f"/api/v1/ballots/{ballot_id}/close", json={"present_or_represented": 2})
    assert bad_close.status_code == 422 and "between the voters (4)" in bad_close.get_json()["message"]
    closed = manager.post(f"/api/v1/ballots/{ballot_id}/close", json={"present_or_represented": 5})
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert manager.post(f"/api/v1/ballots/{ballot_id}/close").status_code == 409

    result = voter.get(f"/api/v1/ballots/{ballot_id}/result").get_json()
    assert result["final"] is True and result["result"]["counts"] == {"for": 2, "against": 1, "abstain": 1,
                                                                     "blank": 0}
    assert result["result"]["present_or_represented"] == 5
    assert result["result"]["sentence"].startswith("Adoptée à la majorité des deux tiers des voix exprimées")

    assert manager.post(f"/api/v1/ballots/{ballot_id}/publish").get_json()["state"] == "published"
    box = voter.get(f"/api/v1/ballots/{ballot_id}/box").get_json()
    assert [row["receipt"] for row in box["votes"]] == sorted(row["receipt"] for row in box["votes"])
    assert receipt["receipt"] in {row["receipt"] for row in box["votes"]}
    ballot = db.session.get(Ballot, ballot_id)
    assert tally(ballot, [row["vote"] for row in box["votes"]], 6, 5) == result["result"]
    assert manager.post(f"/api/v1/ballots/{ballot_id}/cancel", json={"reason": "trop tard"}).status_code == 409


@pytest.mark.parametrize("body, field", [
    ({"title": "x", "level": "seminar", "colour": "red"}, "colour"),
    ({"title": "x", "level": "nowhere"}, "level"),
    ({"title": "x", "level": "seminar", "majority": "3/2"}, "majority"),
    ({"title": "x", "level": "seminar", "majority": "0.66"}, "majority"),
    ({"title": "x", "level": "seminar", "opens_at": "2026-06-01T10:00:00"}, "opens_at"),
    ({"title": "x", "level": "seminar", "method": "yes_no", "options": ["A", "B"]}, "options"),
    ({"title": "x", "level": "seminar", "method": "schulze", "options": ["A"]}, "options"),
    ({"title": "", "level": "seminar"}, "title"),
    ({"title": "x", "level": "seminar", "secrecy": "secret", "changeable": True}, "changeable"),
    ({"title": "x", "level": "seminar", "seats": "2"}, "seats"),
    ({"title": "x", "level": "seminar", "context": "c" * 65}, "context"),
])
def test_bad_ballot_creation_is_a_field_error_and_creates_nothing(api, admin, body, field):
    response = api(admin).post("/api/v1/ballots", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_only_managers_create_open_close_and_cancel(api, voters, open_ballot, seminar):
    draft = services.create_ballot(title="Brouillon", level=seminar)
    ballot = open_ballot()
    commit()
    client = api(voters[0])
    assert client.post("/api/v1/ballots", json={"title": "x", "level": "seminar"}).status_code == 403
    assert client.post(f"/api/v1/ballots/{draft.id}/open").status_code == 403
    refused = client.post(f"/api/v1/ballots/{ballot.id}/close")
    assert refused.status_code == 403 and "co-managers and the administrator" in refused.get_json()["message"]
    assert client.post(f"/api/v1/ballots/{ballot.id}/cancel", json={"reason": "x"}).status_code == 403
    assert db.session.get(Ballot, ballot.id).state == "open"


@pytest.mark.parametrize("payload, status, field", [
    ({"choice": {"choice": "maybe"}, "key": "K" * 20}, 422, "choice"),
    ({"choice": "for", "key": "K" * 20}, 422, "choice"),
    ({"key": "K" * 20}, 422, "choice"),
    ({"choice": {"choice": "for"}, "key": "short"}, 422, "key"),
    ({"choice": {"choice": "for"}}, 422, "key"),
    ({"choice": {"choice": "for"}, "key": "K" * 20, "on_behalf_of": 999999}, 422, "on_behalf_of"),
    ({"choice": {"choice": "for"}, "key": "K" * 20, "on_behalf_of": "2"}, 422, "on_behalf_of"),
])
def test_bad_vote_payloads_are_field_errors_and_store_nothing(api, voters, open_ballot, payload, status, field):
    ballot = open_ballot()
    commit()
    response = api(voters[0]).post(f"/api/v1/ballots/{ballot.id}/votes", json=payload)
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["errors"]
    assert stored(ballot) == 0


def test_vote_errors_name_their_reason(api, voters, open_ballot, assembly, make_member, seminar):
    associate = make_member(MemberStatus.ESA, since=date(2020, 1, 1))
    ag = services.open_ballot(services.create_ballot(title="AGO", level=assembly))
    windowed = services.open_ballot(services.create_ballot(title="Fenêtre", level=seminar))
    windowed.opens_at, windowed.closes_at = utcnow() - timedelta(days=2), utcnow() - timedelta(days=1)
    mj = open_ballot(method="majority_judgment", options=["A", "B"])
    commit()
    client = api(voters[0])
    outsider = client.post(f"/api/v1/ballots/{ag.id}/votes", json={"choice": {"choice": "for"}, "key": new_key()})
    assert outsider.status_code == 403 and "not in this ballot's electorate" in outsider.get_json()["message"]
    late = client.post(f"/api/v1/ballots/{windowed.id}/votes", json={"choice": {"choice": "for"}, "key": new_key()})
    assert late.status_code == 409 and late.get_json()["message"].startswith("Voting closed on")
    a = mj.options[0].id
    grades = client.post(f"/api/v1/ballots/{mj.id}/votes", json={"choice": {"grades": {str(a): 0}}, "key": new_key()})
    assert grades.status_code == 422 and grades.get_json()["errors"] == {
        "grades": ["Every option needs one grade from Excellent to Reject."]}
    no_proxy = api(associate).post(f"/api/v1/ballots/{ag.id}/votes", json={
        "choice": {"choice": "for"}, "key": new_key(), "on_behalf_of": voters[1].id})
    assert no_proxy.status_code == 403
    not_json = client.post(f"/api/v1/ballots/{mj.id}/votes", data="choice=for", content_type="text/plain")
    assert not_json.status_code == 415
    assert client.get("/api/v1/ballots/999999").status_code == 404
    assert client.get("/api/v1/ballots/99999999999999999999").status_code == 404
    assert sum(stored(b) for b in (ag, windowed, mj)) == 0


def test_changing_a_named_vote_answers_200_with_the_same_receipt(api, voters, open_ballot):
    ballot = open_ballot(changeable=True, visibility="live")
    commit()
    client = api(voters[0])
    first = client.post(f"/api/v1/ballots/{ballot.id}/votes", json={"choice": {"choice": "for"}, "key": new_key()})
    changed = client.post(f"/api/v1/ballots/{ballot.id}/votes",
                          json={"choice": {"choice": "against"}, "key": new_key()})
    assert changed.status_code == 200 and changed.get_json()["replaced"] is True
    assert changed.get_json()["receipt"] == first.get_json()["receipt"]
    live = client.get(f"/api/v1/ballots/{ballot.id}/result").get_json()
    assert live["final"] is False and live["result"]["counts"]["against"] == 1 and stored(ballot) == 1


def test_proxy_holder_votes_through_the_api(api, assembly, make_member):
    holder, grantor = (make_member(MemberStatus.ESA, since=date(2020, 1, 1)) for _ in range(2))
    services.grant_proxy(context="ag", level=assembly, day=date.today(), grantor=grantor, holder=holder)
    ballot = services.open_ballot(services.create_ballot(title="Comptes", level=assembly, context="ag"))
    commit()
    client = api(holder)
    own = client.post(f"/api/v1/ballots/{ballot.id}/votes", json={"choice": {"choice": "for"}, "key": new_key()})
    proxied = client.post(f"/api/v1/ballots/{ballot.id}/votes", json={
        "choice": {"choice": "against"}, "key": new_key(), "on_behalf_of": grantor.id})
    assert (own.status_code, proxied.status_code) == (201, 201)
    assert own.get_json()["receipt"] != proxied.get_json()["receipt"]
    assert services.turnout(ballot).voted == 2


def test_proxies_are_recorded_with_the_rules_of_the_law(api, admin, make_member):
    associates = [make_member(MemberStatus.ESA, since=date(2020, 1, 1)) for _ in range(4)]
    employee = make_member(MemberStatus.ES, since=date(2020, 1, 1))
    manager = api(admin)
    base = {"context": "ag-2026", "level": "general_assembly", "day": date.today().isoformat()}
    created = manager.post("/api/v1/proxies", json=base | {"grantor_id": associates[1].id,
                                                           "holder_id": associates[0].id, "document": "scan 12"})
    assert created.status_code == 201
    assert created.get_json() | {"id": 0, "created_at": ""} == {
        "id": 0, "created_at": "", "context": "ag-2026", "grantor_id": associates[1].id,
        "grantor_name": associates[1].full_name, "holder_id": associates[0].id,
        "holder_name": associates[0].full_name, "document": "scan 12"}
    capped = manager.post("/api/v1/proxies", json=base | {"grantor_id": associates[2].id,
                                                          "holder_id": associates[0].id})
    assert capped.status_code == 422 and "art. 14" in capped.get_json()["message"]
    assert "holder_id" in capped.get_json()["errors"]
    outsider = manager.post("/api/v1/proxies", json=base | {"grantor_id": associates[2].id, "holder_id": employee.id})
    assert outsider.status_code == 422 and "holder_id" in outsider.get_json()["errors"]
    unknown = manager.post("/api/v1/proxies", json=base | {"grantor_id": 999999, "holder_id": None})
    assert unknown.status_code == 422 and "grantor_id" in unknown.get_json()["errors"]
    blank = manager.post("/api/v1/proxies", json=base | {"grantor_id": associates[3].id, "holder_id": None})
    assert blank.status_code == 201 and blank.get_json()["holder_id"] is None
    twice = manager.post("/api/v1/proxies", json=base | {"grantor_id": associates[3].id, "holder_id": None})
    assert twice.status_code == 409
    assert api(associates[2]).post("/api/v1/proxies", json=base | {
        "grantor_id": associates[2].id, "holder_id": None}).status_code == 403

    assert len(manager.get("/api/v1/proxies", query_string={"context": "ag-2026"}).get_json()) == 2
    own = api(associates[0]).get("/api/v1/proxies", query_string={"context": "ag-2026"}).get_json()
    assert [p["grantor_id"] for p in own] == [associates[1].id]  # a member sees only their own proxies
    assert manager.get("/api/v1/proxies").status_code == 422  # the sitting is required
    assert db.session.scalar(select(func.count()).select_from(Proxy)) == 2


def test_openapi_document_describes_the_votes_resources(app):
    client = FreshRequestClient(app, app.response_class)
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert {
        "/api/v1/ballots", "/api/v1/ballots/{ballot_id}", "/api/v1/ballots/{ballot_id}/open",
        "/api/v1/ballots/{ballot_id}/close", "/api/v1/ballots/{ballot_id}/publish",
        "/api/v1/ballots/{ballot_id}/cancel", "/api/v1/ballots/{ballot_id}/votes",
        "/api/v1/ballots/{ballot_id}/turnout", "/api/v1/ballots/{ballot_id}/result",
        "/api/v1/ballots/{ballot_id}/box", "/api/v1/proxies",
    } <= set(spec["paths"])
    votes = spec["paths"]["/api/v1/ballots/{ballot_id}/votes"]["post"]
    assert {"200", "201", "403", "404", "422"} <= set(votes["responses"])
    assert set(spec["components"]["schemas"]["Vote"]["properties"]) == {"choice", "key", "on_behalf_of"}
    assert set(spec["paths"]["/api/v1/proxies"]) == {"get", "post"}


def test_times_are_utc_with_their_offset(api, admin, seminar):
    ballot = services.create_ballot(title="Fenêtre", level=seminar,
                                    closes_at=datetime.fromisoformat("2030-01-15T18:00:00+01:00"))
    commit()
    body = api(admin).get(f"/api/v1/ballots/{ballot.id}").get_json()
    assert body["closes_at"] == "2030-01-15T17:00:00+00:00"
