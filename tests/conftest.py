"""Test harness: one schema built by the migrations per run, one rolled-back transaction per test.

TEST_DATABASE_URL chooses the database (SQLite file by default; CI runs the suite again
on PostgreSQL). Each test runs inside a transaction that is rolled back at its end, and
the application's commits become SAVEPOINT releases, so tests never see each other's
data and the suite does not rebuild a database per test.
"""

from __future__ import annotations

import functools
import os
import re
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession

os.environ.setdefault("FACETTES_CONFIG", "testing")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.members import services  # noqa: E402
from app.members.models import MemberStatus, RoleKind  # noqa: E402
from config import TestingConfig  # noqa: E402


def _per_run_url(url: str) -> str:
    """One database per test run (suffixed by the process id), so parallel runs never collide."""
    parsed = sa.engine.make_url(url)
    suffix = f"_{os.getpid()}"
    if parsed.get_backend_name() == "sqlite":
        root, ext = os.path.splitext(parsed.database or "facettes-test.sqlite")
        return parsed.set(database=f"{root}{suffix}{ext}").render_as_string(hide_password=False)
    return parsed.set(database=f"{parsed.database}{suffix}").render_as_string(hide_password=False)


DATABASE_URL = _per_run_url(TestingConfig.SQLALCHEMY_DATABASE_URI)


def _drop_database(url: str) -> None:
    engine_url = sa.engine.make_url(url)
    if engine_url.get_backend_name() == "sqlite":
        if engine_url.database and os.path.exists(engine_url.database):
            os.remove(engine_url.database)
        return
    admin = sa.create_engine(engine_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{engine_url.database}" WITH (FORCE)')
    admin.dispose()


def _reset_database(url: str) -> None:
    engine_url = sa.engine.make_url(url)
    if engine_url.get_backend_name() == "sqlite":
        if engine_url.database and os.path.exists(engine_url.database):
            os.remove(engine_url.database)
        return
    admin = sa.create_engine(engine_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": engine_url.database})
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{engine_url.database}"')
    admin.dispose()
    engine = sa.create_engine(engine_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(scope="session")
def app():
    _reset_database(DATABASE_URL)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=DATABASE_URL)
    with app.app_context():
        upgrade()  # the schema comes from the migrations, as in production
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()
    _drop_database(DATABASE_URL)


class _ConnectionBoundSession(FlaskSQLAlchemySession):
    # Flask-SQLAlchemy picks the engine per table; in tests every query must use the test's connection.
    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(autouse=True)
def _transaction(request, app):
    if "no_db_transaction" in request.keywords:
        yield
        return
    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    outer = connection.begin()
    original_session = db.session
    db.session = db._make_scoped_session(
        {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _ConnectionBoundSession}
    )
    try:
        yield
    finally:
        db.session.remove()
        db.session = original_session
        outer.rollback()
        connection.close()
        ctx.pop()


class FreshRequestClient(FlaskClient):
    """Every request starts with an empty `g`, as in production.

    The harness keeps one application context per test, which Flask reuses for each
    request: without this, Flask-Login's cached member and Babel's cached locale would
    leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        for key in list(g):
            g.pop(key)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    return FreshRequestClient(app, app.response_class, use_cookies=True)


@functools.cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per run.
    return services.hash_password(MemberFactory.password)


class MemberFactory:
    """Creates members with a status history, roles and a password, as the admin would."""

    password = "correct horse battery"

    def __init__(self):
        self.count = 0

    def __call__(self, status=MemberStatus.ES, *, since=date(2024, 1, 1), shares=None, roles=(),
                 name=None, email=None, activated=True, language=None):
        self.count += 1
        status = MemberStatus(status)
        if shares is None:
            shares = 1 if status.is_associate else 0
        member = services.create_member(
            email=email or f"membre{self.count}@example.org",
            full_name=name or f"Membre {self.count}",
            status=status,
            status_since=since,
            shares=shares,
            language=language,
        )
        if activated:
            member.password_hash = _password_hash()
            from app.timeutil import utcnow

            member.activated_at = utcnow()
        for kind in roles:
            kind = RoleKind(kind)
            ends = date(2027, 12, 31) if kind is RoleKind.CO_MANAGER else None
            services.assign_role(member, kind, since, ends)
        db.session.flush()
        return member


@pytest.fixture
def make_member():
    return MemberFactory()


@pytest.fixture
def admin(make_member):
    return make_member(MemberStatus.ESA, roles=[RoleKind.ADMINISTRATOR], name="Alice Admin",
                       email="admin@example.org")


def sign_in(client, member, password=MemberFactory.password):
    response = client.post("/connexion", data={"email": member.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def require_redis(url: str, what: str) -> None:
    """Skip without Redis at `url`; under CI, fail instead: .ci/run starts it."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        message = f"{what} need Redis at {url} ({error})."
        if os.environ.get("CI"):
            pytest.fail(message + " CI must start it (see .ci/run).")
        pytest.skip(message)



JOB_TEST_REDIS_URL = os.environ.get("MAIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def rq_test_queue(app, monkeypatch, mode_setting: str):
    """Yield a job queue of its own on the test Redis, with `mode_setting` (MAIL_QUEUE,
    DOCUMENT_QUEUE) at "rq"; emptied afterwards. For a fixture: `yield from rq_test_queue(...)`."""
    from app.jobs import queue

    require_redis(JOB_TEST_REDIS_URL, "The job-queue tests")
    monkeypatch.setitem(app.config, "REDIS_URL", JOB_TEST_REDIS_URL)
    monkeypatch.setitem(app.config, mode_setting, "rq")
    monkeypatch.setitem(app.config, "JOB_QUEUE", f"facettes-test-{uuid.uuid4().hex}")
    yield queue()
    queue().delete(delete_jobs=True)

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback (aiosmtpd); the app sends to it through Flask-Mail."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    previous = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = port
    try:
        yield inbox
    finally:
        app.config.update(previous)
        app.extensions["mail"].server = previous["MAIL_SERVER"]
        app.extensions["mail"].port = previous["MAIL_PORT"]
        controller.stop()


def link_in(message, path_prefix: str) -> str:
    body = message.get_payload(decode=True).decode() if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True).decode()
    match = re.search(r"http://localhost(" + re.escape(path_prefix) + r"\S+)", body)
    assert match, body
    return match.group(1)
