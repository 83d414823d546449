"""Configuration: one class per environment, every setting overridable from the environment.

Select the class with FACETTES_CONFIG (development, testing, production); the
values below are defaults, the environment variable of the same name wins.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("FACETTES_INSTANCE_DIR", BASE_DIR / "instance"))


def env(name: str, default=None):
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver named."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    SECRET_KEY = env("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'facettes.sqlite'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = env("REDIS_URL") or None

    # Interface: French first, English available; times stored in UTC, shown here.
    BABEL_DEFAULT_LOCALE = env("DEFAULT_LOCALE", "fr")
    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_TIMEZONE = env("TIMEZONE", "Europe/Paris")
    COOPERATIVE_NAME = env("COOPERATIVE_NAME", "Kaleido'Scop")

    # Sessions and cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    # CSRF is checked by our own before_request so that bearer-token API calls can skip it.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_ENABLED = env_bool("WTF_CSRF_ENABLED", True)
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)
    # Reverse proxies in front (nginx: 1): their X-Forwarded-For/-Proto are then trusted, so
    # rate limits see each member's address instead of the proxy's. 0 trusts no header.
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
    # One uploaded file (the member CSV import), below MAX_CONTENT_LENGTH: 2000 members fit in ~400 kB.
    IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 1024 * 1024)

    # Links sent by e-mail.
    INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 14)
    PASSWORD_RESET_MAX_AGE_MINUTES = env_int("PASSWORD_RESET_MAX_AGE_MINUTES", 60)
    PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    # Rate limits (Flask-Limiter): memory by default, Redis when REDIS_URL is set.
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    SIGN_IN_RATE_LIMIT = env("SIGN_IN_RATE_LIMIT", "10 per minute;60 per hour")
    EMAIL_LINK_RATE_LIMIT = env("EMAIL_LINK_RATE_LIMIT", "5 per minute;30 per hour")
    # Sign-in is limited per address and e-mail (SIGN_IN_RATE_LIMIT) and, more loosely, per address
    # alone: an assembly signs in from one Wi-Fi address at once, a password spray does not stop at one account.
    SIGN_IN_ADDRESS_RATE_LIMIT = env("SIGN_IN_ADDRESS_RATE_LIMIT", "100 per minute;1000 per hour")
    # Per administrator: invitations sent one by one (new member, new link); a CSV import is one request.
    INVITATION_RATE_LIMIT = env("INVITATION_RATE_LIMIT", "30 per minute;300 per hour")
    # Per member, pages, API and websocket together: a proxy holder votes for themselves and each
    # grantor, and may change a named vote; a script voting in a loop is slowed to one a second.
    VOTE_RATE_LIMIT = env("VOTE_RATE_LIMIT", "60 per minute;1000 per hour")

    # Mail: without MAIL_SERVER, messages are written to the log (development).
    MAIL_SERVER = env("MAIL_SERVER") or None
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = env("MAIL_USERNAME") or None
    MAIL_PASSWORD = env("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Facettes <facettes@localhost>")
    # With REDIS_URL and MAIL_QUEUE=rq, e-mails are sent by an RQ worker, not in the request.
    MAIL_QUEUE = env("MAIL_QUEUE", "inline")
    # With REDIS_URL and DOCUMENT_QUEUE=rq, the PV exports (PDF, DOCX, ODT) are rendered by an RQ
    # worker: the request answers with a status page, the file is kept in Redis for an hour.
    DOCUMENT_QUEUE = env("DOCUMENT_QUEUE", "inline")
    JOB_QUEUE = env("JOB_QUEUE", "facettes")

    # Socket.IO: the async mode is explicit; gevent in production under gunicorn.
    SOCKETIO_ASYNC_MODE = env("SOCKETIO_ASYNC_MODE", "threading")
    # Redis pub/sub channels ignore the database number: two sites sharing a Redis need two names.
    SOCKETIO_CHANNEL = env("SOCKETIO_CHANNEL", "facettes")
    # Votes arriving during a commit share the next one (app/live/group_commit.py).
    LIVE_GROUP_COMMIT = env_bool("LIVE_GROUP_COMMIT", True)
    # A serving process (wsgi.py) freezes what start-up built and collects young objects less
    # often (app/runtime.py): three positive integers for gc.set_threshold, or "python" for its own.
    GC_THRESHOLDS = env("GC_THRESHOLDS", "20000,5,20")

    # REST API (flask-smorest).
    API_TITLE = "Facettes API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    API_PAGE_SIZE_MAX = 100
    # Rows per page of the long lists of the pages (register, directory); the CSV gives all.
    LIST_PAGE_SIZE = env_int("LIST_PAGE_SIZE", 100)

    # CAE rules (DOMAIN.md), settings with the legal value as default.
    ES_MONTHS_TO_BECOME_ASSOCIATE = 36  # Code du travail L7331-3
    ES_ASSOCIATE_WARNING_MONTHS = 30


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = env("SECRET_KEY", "testing-secret")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        env("TEST_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'facettes-test.sqlite'}")
    )
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    REDIS_URL = None
    MAIL_SERVER = None
    # The tests send for real, to an SMTP server they run on loopback.
    MAIL_SUPPRESS_SEND = False
    PUBLIC_BASE_URL = "http://localhost"
    # The test client runs events in the test's own transaction; the tests with real servers
    # (tests/live, tests/votes/test_live.py) switch group commit back on.
    LIVE_GROUP_COMMIT = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    SOCKETIO_ASYNC_MODE = env("SOCKETIO_ASYNC_MODE", "gevent")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
