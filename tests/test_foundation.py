"""Cross-cutting foundation: languages, time zone, cookies, CSRF, rate limits, production settings."""

from datetime import UTC, datetime

import pytest
from flask_babel import format_datetime

from app import create_app
from tests.conftest import sign_in


def test_french_is_the_default_interface(client):
    page = client.get("/connexion").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Mot de passe" in page


def test_english_from_the_browser_then_from_the_members_preference(client, make_member):
    page = client.get("/connexion", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Password" in page
    member = make_member(language="fr")
    sign_in(client, member)
    page = client.get("/profil", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in page  # the member chose French: it wins over the browser


def test_language_switch_is_remembered(client):
    client.post("/langue", data={"lang": "en", "next": "/connexion"})
    assert '<html lang="en">' in client.get("/connexion").get_data(as_text=True)
    client.post("/langue", data={"lang": "xx", "next": "/connexion"})  # unknown: ignored
    assert '<html lang="en">' in client.get("/connexion").get_data(as_text=True)


def test_times_are_shown_in_the_cooperatives_time_zone(app):
    moment = datetime(2026, 7, 1, 16, 30, tzinfo=UTC)
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert "18:30" in format_datetime(moment, "short")  # Paris is UTC+2 in summer


def test_session_cookie_is_httponly_and_samesite(client, make_member):
    response = sign_in(client, make_member())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_settings_are_required(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SOCKETIO_ASYNC_MODE"] == "gevent"


def test_forms_without_csrf_token_are_refused(app, client, make_member):
    member = make_member()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/connexion", data={"email": member.email, "password": "correct horse battery"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "formulaire" in response.get_data(as_text=True).lower()


def test_sign_in_is_rate_limited_with_a_clear_message(app, make_member):
    from app.extensions import limiter

    member = make_member()
    app.config["RATELIMIT_ENABLED"] = True
    limiter.enabled = True
    limiter.reset()
    try:
        client = app.test_client()
        codes = [client.post("/connexion", data={"email": member.email, "password": "wrong password"},
                             environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code for _ in range(11)]
        blocked = client.post("/connexion", data={"email": member.email, "password": "correct horse battery"},
                              environ_base={"REMOTE_ADDR": "10.9.8.7"})
        other_address = client.post("/connexion", data={"email": member.email, "password": "wrong password"},
                                    environ_base={"REMOTE_ADDR": "10.9.8.8"})
    finally:
        limiter.enabled = False
        app.config["RATELIMIT_ENABLED"] = False
        limiter.reset()
    assert codes[:10] == [401] * 10 and codes[10] == 429
    assert blocked.status_code == 429  # even the right password waits
    assert "minute" in blocked.get_data(as_text=True)
    assert other_address.status_code == 401


def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404 and "Page introuvable" in response.get_data(as_text=True)
