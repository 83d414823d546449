"""API authentication: personal tokens, the session cookie and its CSRF token, refusals."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.datastructures import WWWAuthenticate

from app.extensions import db
from app.members import services
from app.members.models import ApiToken, MemberStatus
from tests.api.conftest import bearer
from tests.conftest import sign_in


def test_token_created_in_session_is_shown_once_used_then_revoked(client, anonymous, make_member):
    member = make_member(name="Camille Token")
    sign_in(client, member)

    created = client.post("/api/v1/members/me/tokens", json={"name": "  my script  "})
    assert created.status_code == 201
    body = created.get_json()
    secret = body["token"]
    assert secret.startswith("fct_") and body["prefix"] == secret[:12]
    assert body["name"] == "my script" and body["revoked_at"] is None
    assert "token_hash" not in body

    # The token alone (another client, no cookie) identifies the member.
    me = anonymous.get("/api/v1/members/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.get_json()["full_name"] == "Camille Token"
    assert "Set-Cookie" not in me.headers  # a token call opens no session

    # The list never shows the secret again, and records the use.
    listed = anonymous.get("/api/v1/members/me/tokens", headers=bearer(secret)).get_json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    assert listed[0]["last_used_at"] is not None

    revoked = client.delete(f"/api/v1/members/me/tokens/{body['id']}")
    assert revoked.status_code == 204
    refused = anonymous.get("/api/v1/members/me", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.get_json()["code"] == 401
    challenge = WWWAuthenticate.from_header(refused.headers["WWW-Authenticate"])
    assert challenge.type == "bearer" and challenge["error"] == "invalid_token"
    # Revoking again is harmless; the revocation date does not move.
    first_revocation = db.session.get(ApiToken, body["id"]).revoked_at
    assert client.delete(f"/api/v1/members/me/tokens/{body['id']}").status_code == 204
    assert db.session.get(ApiToken, body["id"]).revoked_at == first_revocation


def test_a_token_can_revoke_itself(anonymous, make_member, token_of):
    member = make_member()
    secret = token_of(member)
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.member_id == member.id))
    assert anonymous.delete(f"/api/v1/members/me/tokens/{token_id}", headers=bearer(secret)).status_code == 204
    assert anonymous.get("/api/v1/members/me", headers=bearer(secret)).status_code == 401


def test_a_token_cannot_create_tokens(anonymous, make_member, token_of):
    member = make_member()
    secret = token_of(member)
    response = anonymous.post("/api/v1/members/me/tokens", json={"name": "another"}, headers=bearer(secret))
    assert response.status_code == 403
    assert "signed in" in response.get_json()["message"]
    assert len(db.session.scalars(select(ApiToken).where(ApiToken.member_id == member.id)).all()) == 1


def test_token_name_is_required_and_bounded(client, make_member):
    member = make_member()
    sign_in(client, member)
    for payload, field in (({}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 101}, "name"),
                           ({"name": 12}, "name")):
        response = client.post("/api/v1/members/me/tokens", json=payload)
        assert response.status_code == 422, payload
        assert field in response.get_json()["errors"], response.get_json()
    assert db.session.scalars(select(ApiToken).where(ApiToken.member_id == member.id)).all() == []


def test_cannot_revoke_someone_elses_token(client, make_member, token_of):
    owner, other = make_member(), make_member()
    token_of(owner)
    token = db.session.scalar(select(ApiToken).where(ApiToken.member_id == owner.id))
    sign_in(client, other)
    response = client.delete(f"/api/v1/members/me/tokens/{token.id}")
    assert response.status_code == 404
    assert response.get_json()["message"] == "No such token."
    assert token.revoked_at is None


@pytest.mark.parametrize("path", ["/api/v1/members", "/api/v1/members/me", "/api/v1/members/1",
                                  "/api/v1/members/me/tokens", "/api/v1/csrf-token"])
def test_anonymous_requests_get_401_json(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == 401 and body["status"] == "Unauthorized"
    assert "Bearer" in body["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_write_is_refused_before_anything_changes(anonymous, make_member):
    response = anonymous.patch("/api/v1/members/me", json={"full_name": "Nobody"})
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Bearer fct_" + "x" * 43])
def test_unknown_or_empty_token_is_refused(anonymous, header):
    response = anonymous.get("/api/v1/members/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["code"] == 401


def test_former_members_token_is_refused(anonymous, make_member, token_of):
    member = make_member(since=date(2023, 1, 1))
    secret = token_of(member)
    assert anonymous.get("/api/v1/members/me", headers=bearer(secret)).status_code == 200
    services.record_status(member, MemberStatus.FORMER, date(2025, 1, 1))
    response = anonymous.get("/api/v1/members/me", headers=bearer(secret))
    assert response.status_code == 401
    assert "left the cooperative" in response.get_json()["message"]


def test_former_members_open_session_is_refused(client, make_member):
    member = make_member(since=date(2023, 1, 1))
    sign_in(client, member)
    assert client.get("/api/v1/members").status_code == 200
    services.record_status(member, MemberStatus.FORMER, date(2025, 1, 1))
    db.session.commit()
    response = client.get("/api/v1/members")
    assert response.status_code == 401
    assert response.get_json()["code"] == 401


def test_the_token_not_the_session_cookie_says_who_calls(client, make_member, token_of):
    signed_in, token_owner = make_member(name="Session Person"), make_member(name="Token Person")
    sign_in(client, signed_in)
    secret = token_of(token_owner)
    assert client.get("/api/v1/members/me", headers=bearer(secret)).get_json()["full_name"] == "Token Person"
    # A bad token is refused even though the session cookie is valid.
    assert client.get("/api/v1/members/me", headers=bearer("fct_wrong")).status_code == 401
    assert client.get("/api/v1/members/me").get_json()["full_name"] == "Session Person"


def test_other_authorization_schemes_are_ignored(client, anonymous, make_member):
    # A proxy's Basic authentication in front of the site must not break session clients.
    member = make_member()
    sign_in(client, member)
    assert client.get("/api/v1/members/me", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 200
    assert anonymous.get("/api/v1/members/me", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401


@pytest.fixture
def csrf_enabled(app):
    previous = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = previous


def test_session_writes_need_the_csrf_header_token_writes_do_not(client, anonymous, make_member, token_of,
                                                                 csrf_enabled):
    member = make_member(name="Before")
    # Signing in through the form needs its CSRF token too.
    page = client.get("/connexion").get_data(as_text=True)
    form_token = page.split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post("/connexion", data={"email": member.email, "password": "correct horse battery",
                                            "csrf_token": form_token})
    assert signed.status_code == 302

    refused = client.patch("/api/v1/members/me", json={"full_name": "After"})
    assert refused.status_code == 400
    body = refused.get_json()
    assert body["code"] == 400 and "X-CSRFToken" in body["message"]
    assert member.full_name == "Before"

    csrf = client.get("/api/v1/csrf-token").get_json()["csrf_token"]
    accepted = client.patch("/api/v1/members/me", json={"full_name": "After"}, headers={"X-CSRFToken": csrf})
    assert accepted.status_code == 200 and accepted.get_json()["full_name"] == "After"

    secret = token_of(member)
    by_token = anonymous.patch("/api/v1/members/me", json={"full_name": "By token"}, headers=bearer(secret))
    assert by_token.status_code == 200 and by_token.get_json()["full_name"] == "By token"


def test_the_index_and_the_documentation_are_public(anonymous):
    index = anonymous.get("/api/v1")
    assert index.status_code == 200
    assert index.get_json()["openapi"] == "/api/v1/openapi.json"
    assert anonymous.get("/api/v1/openapi.json").status_code == 200
    assert anonymous.get("/api/v1/docs").status_code == 200
