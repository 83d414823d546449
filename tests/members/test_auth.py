"""Invitation, sign-in, password reset, sign-out: what a member does from the first e-mail on."""

import re
from datetime import date

from app.extensions import db
from app.members import services
from app.members.models import Member, MemberStatus
from tests.conftest import MemberFactory, link_in, sign_in


def without_tokens(response, submitted_email: str = "") -> str:
    """The page, without the address typed in and the CSRF tokens (they change every second)."""
    page = response.get_data(as_text=True).replace(submitted_email, "") if submitted_email \
        else response.get_data(as_text=True)
    return re.sub(r'(name="csrf_token"[^>]*value=|content=)"[^"]*"', "", page)


def test_admin_invites_member_who_sets_password_and_signs_in(client, admin, smtp_server):
    sign_in(client, admin)
    response = client.post("/membres/nouveau", data={
        "full_name": "Bérénice Dupont", "email": "Berenice@Example.org", "status": "cape",
        "status_since": "2026-09-01", "shares": "0",
    })
    assert response.status_code == 302
    member = db.session.scalar(db.select(Member).filter_by(email="berenice@example.org"))
    assert member.status_on(date(2026, 10, 1)) is MemberStatus.CAPE
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "berenice@example.org"
    link = link_in(message, "/invitation/")

    client.post("/deconnexion")
    page = client.get(link)
    assert page.status_code == 200 and "Bérénice" in page.get_data(as_text=True)
    short = client.post(link, data={"password": "court", "confirm": "court"})
    assert "10" in short.get_data(as_text=True) and member.password_hash is None
    done = client.post(link, data={"password": "une phrase assez longue", "confirm": "une phrase assez longue"})
    assert done.status_code == 302
    assert member.activated_at is not None
    # The link is single-use: once the password is set, it no longer works.
    assert client.get(link).status_code == 400
    client.post("/deconnexion")
    assert client.post("/connexion", data={"email": "berenice@example.org",
                                           "password": "une phrase assez longue"}).status_code == 302
    assert client.get("/membres").status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_generic_message(client, make_member):
    member = make_member()
    wrong = client.post("/connexion", data={"email": member.email, "password": "nope nope nope"})
    unknown = client.post("/connexion", data={"email": "nobody@example.org", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert without_tokens(wrong, member.email) == without_tokens(unknown, "nobody@example.org")


def test_password_reset_by_email_and_no_enumeration(client, make_member, smtp_server):
    member = make_member()
    known = client.post("/mot-de-passe-oublie", data={"email": member.email}, follow_redirects=True)
    unknown = client.post("/mot-de-passe-oublie", data={"email": "ghost@example.org"}, follow_redirects=True)
    assert without_tokens(known) == without_tokens(unknown)
    assert len(smtp_server.messages) == 1
    link = link_in(smtp_server.messages[0], "/mot-de-passe/")
    assert client.post(link, data={"password": "nouveau mot de passe", "confirm": "autre chose"}).status_code == 200
    assert client.post(link, data={"password": "nouveau mot de passe",
                                   "confirm": "nouveau mot de passe"}).status_code == 302
    assert services.authenticate(member.email, "nouveau mot de passe") == member
    assert services.authenticate(member.email, MemberFactory.password) is None
    assert client.get(link).status_code == 400  # used once, then dead


def test_tampered_and_expired_links_are_refused_with_a_way_to_ask_again(client, app, make_member):
    member = make_member(activated=False)
    token = services.make_link_token(member, "invitation")
    tampered = client.get(f"/invitation/{token[:-2]}xx")
    assert tampered.status_code == 400
    assert "/invitation/nouvelle" in tampered.get_data(as_text=True)
    app.config["INVITATION_MAX_AGE_DAYS"] = -1
    try:
        expired = client.get(f"/invitation/{token}")
    finally:
        app.config["INVITATION_MAX_AGE_DAYS"] = 14
    assert expired.status_code == 400
    assert "/invitation/nouvelle" in expired.get_data(as_text=True)


def test_former_member_cannot_sign_in(client, make_member):
    member = make_member()
    services.record_status(member, MemberStatus.FORMER, date(2025, 1, 1))
    response = client.post("/connexion", data={"email": member.email, "password": MemberFactory.password})
    assert response.status_code == 401


def test_sign_out_ends_the_session(client, make_member):
    member = make_member()
    sign_in(client, member)
    assert client.get("/membres").status_code == 200
    client.post("/deconnexion")
    assert client.get("/membres").status_code == 302
