"""Cross-cutting foundation: languages, time zone, cookies, CSRF, rate limits, production settings."""

from datetime import UTC, datetime

import pytest
from flask_babel import format_datetime

import config
from app import ProductionSettingsError, create_app
from app.extensions import limiter, socketio
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


@pytest.fixture(autouse=True)
def _keep_shared_extensions():
    # Socket.IO and the rate limiter are module-level objects that keep the last app's server
    # and storage: a production app built here must not leave Redis behind for later tests.
    # Dicts are copied too: Flask-SocketIO keeps the Redis client manager in server_options,
    # and every later app would reuse it (then broadcast from threads sharing the test's connection).
    kept = {extension: {name: dict(value) if isinstance(value, dict) else value
                        for name, value in vars(extension).items()}
            for extension in (socketio, limiter)}
    yield
    for extension, state in kept.items():
        vars(extension).clear()
        vars(extension).update(state)


def _production_environment(monkeypatch, tmp_path, **values):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = {"SECRET_KEY": "x" * 32, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
                "REDIS_URL": "redis://127.0.0.1:6379/15"} | values
    for name, value in settings.items():
        if value is not None:
            monkeypatch.setenv(name, value)
    # config.py reads the environment when imported: the classes are rebuilt for each case.
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", settings["SECRET_KEY"] or "dev-only-not-secret")
    monkeypatch.setattr(config.ProductionConfig, "SQLALCHEMY_DATABASE_URI",
                        config.normalise_database_url(settings["DATABASE_URL"] or "sqlite://"))
    monkeypatch.setattr(config.ProductionConfig, "REDIS_URL", settings["REDIS_URL"])


def test_production_cookies_are_secure_and_settings_are_required(monkeypatch, tmp_path):
    _production_environment(monkeypatch, tmp_path, SECRET_KEY=None, DATABASE_URL=None, REDIS_URL=None)
    with pytest.raises(ProductionSettingsError, match="SECRET_KEY, DATABASE_URL, REDIS_URL"):
        create_app("production")
    _production_environment(monkeypatch, tmp_path)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SOCKETIO_ASYNC_MODE"] == "gevent"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_a_setting_and_names_it(monkeypatch, tmp_path, missing):
    _production_environment(monkeypatch, tmp_path, **{missing: None})
    with pytest.raises(ProductionSettingsError, match=rf"settings in the environment: {missing}$"):
        create_app("production")


def test_production_refuses_to_start_when_the_database_is_unreachable(monkeypatch, tmp_path):
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    url = "postgresql://facettes:secret-password@127.0.0.1:9/facettes"
    _production_environment(monkeypatch, tmp_path, DATABASE_URL=url)
    with pytest.raises(ProductionSettingsError, match=r"^DATABASE_URL: the database cannot be reached") as error:
        create_app("production")
    assert "secret-password" not in str(error.value)


def test_production_refuses_to_start_when_redis_is_unreachable(monkeypatch, tmp_path):
    _production_environment(monkeypatch, tmp_path, REDIS_URL="redis://:secret-password@127.0.0.1:9/0")
    with pytest.raises(ProductionSettingsError, match=r"^REDIS_URL: Redis cannot be reached") as error:
        create_app("production")
    assert "secret-password" not in str(error.value)


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


@pytest.mark.parametrize("path", ["/scrutins/{}", "/propositions/{}", "/membres/{}"])
def test_an_id_beyond_the_databases_integers_is_a_404_not_a_500(client, make_member, path):
    sign_in(client, make_member())
    for huge in (2**31, 2**63, 10**30):
        assert client.get(path.format(huge)).status_code == 404


def test_behind_a_trusted_proxy_rate_limits_see_each_members_address():
    from flask import request

    proxied = create_app("testing", TRUSTED_PROXIES=1)
    direct = create_app("testing")
    for app, expected in ((proxied, "203.0.113.7"), (direct, "127.0.0.1")):
        @app.get("/_address")
        def address():
            return request.remote_addr

        response = app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.7"},
                                         environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.get_data(as_text=True) == expected
