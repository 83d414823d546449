"""Live-channel fixtures: real servers on loopback, real Socket.IO clients, a committed database.

The per-test rollback cannot span the server's threads or processes, so the server tests
use a database of their own (an SQLite file, or a PostgreSQL database beside
TEST_DATABASE_URL's), built by the migrations and deleted at the end of the module.
"""

from __future__ import annotations

import functools
import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
import socketio as socketio_client
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db, socketio
from app.live import ROOM_KINDS, register_room_kind
from tests.conftest import DATABASE_URL, MemberFactory

WAIT = 10  # seconds: an upper bound for anything to arrive, never an expected duration


@contextmanager
def restored_socketio() -> Iterator[None]:
    """create_app() rebinds the shared SocketIO object to the new app's server: undo that after."""
    # Handlers stay as they are: a domain module imported meanwhile registers its own for good.
    saved = {name: value for name, value in vars(socketio).items() if name not in ("handlers", "namespace_handlers")}
    saved["server_options"] = dict(socketio.server_options)
    try:
        yield
    finally:
        vars(socketio).update(saved)


@contextmanager
def dedicated_database(tmp_dir, name: str) -> Iterator[str]:
    """An empty database for one test module, of the same kind as TEST_DATABASE_URL."""
    url = sa.engine.make_url(DATABASE_URL)
    if url.get_backend_name() == "sqlite":
        path = tmp_dir / f"{name}.sqlite"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                if os.path.exists(f"{path}{suffix}"):
                    os.remove(f"{path}{suffix}")
        return
    database = f"{url.database}_{name}_{os.getpid()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    try:
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()


def migrated_app(database_url: str, **overrides):
    # A real server: votes share commits under load, as in production.
    overrides.setdefault("LIVE_GROUP_COMMIT", True)
    live_app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    with live_app.app_context():
        upgrade()
    return live_app


@dataclass(frozen=True)
class MemberRef:
    """A committed member, by value: ORM objects do not outlive their session."""

    id: int
    email: str
    password: str = MemberFactory.password


class Members:
    """Creates members in a live database and commits them, so the server's threads see them."""

    def __init__(self, live_app):
        self.app = live_app
        self.factory = MemberFactory()

    def add(self, *args, **kwargs) -> MemberRef:
        with self.app.app_context():
            member = self.factory(*args, **kwargs)
            db.session.commit()
            return MemberRef(member.id, member.email)

    @contextmanager
    def transaction(self) -> Iterator:
        """An application context whose session the test commits or rolls back itself."""
        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.rollback()


def signed_in_session(base_url: str, member: MemberRef) -> requests.Session:
    http = requests.Session()
    response = http.post(
        f"{base_url}/connexion",
        data={"email": member.email, "password": member.password},
        allow_redirects=False,
        timeout=WAIT,
    )
    assert response.status_code == 302, response.text[:500]
    assert "session" in http.cookies
    return http


class LiveClient:
    """A real python-socketio client that records every event and connection error."""

    def __init__(self, base_url: str, http: requests.Session | None = None, **options):
        self.base_url = base_url
        self.events: queue.Queue = queue.Queue()
        self.errors: queue.Queue = queue.Queue()
        self.sio = socketio_client.Client(http_session=http or requests.Session(), **options)
        self.sio.on("*", self._record)
        self.sio.on("connect_error", self.errors.put)

    def _record(self, event, *args):
        self.events.put((event, args[0] if args else None))

    def connect(self, transports=None) -> LiveClient:
        self.sio.connect(self.base_url, transports=transports, wait_timeout=WAIT)
        return self

    def call(self, event: str, data=None):
        return self.sio.call(event, data, timeout=WAIT)

    def next_event(self) -> tuple[str, object]:
        try:
            return self.events.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"no event arrived within {WAIT} s") from None

    def events_until(self, marker: str) -> list[tuple[str, object]]:
        """Every event received up to and including ``marker``: events arrive in emit order."""
        seen = []
        while True:
            event = self.next_event()
            seen.append(event)
            if event[0] == marker:
                return seen

    def close(self) -> None:
        ws = getattr(self.sio.eio, "ws", None)
        if ws is not None:
            # websocket-client waits 3 s for a close frame that the client's own reading thread
            # has already consumed; browsers do not, and the tests have nothing to learn from it.
            ws.close = functools.partial(ws.close, timeout=0)
        self.sio.disconnect()


@dataclass
class LiveServer:
    app: object
    url: str
    members: Members

    def client(self, member: MemberRef | None = None, **options) -> LiveClient:
        http = signed_in_session(self.url, member) if member else None
        return LiveClient(self.url, http, **options)


@pytest.fixture(scope="module")
def live_server(app, tmp_path_factory) -> Iterator[LiveServer]:
    """The app served by Werkzeug in a thread (threading async mode), on a free loopback port."""
    with restored_socketio(), dedicated_database(tmp_path_factory.mktemp("live"), "live") as url:
        live_app = migrated_app(url)
        server = make_server("127.0.0.1", 0, live_app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        try:
            yield LiveServer(live_app, f"http://127.0.0.1:{server.socket.getsockname()[1]}", Members(live_app))
        finally:
            server.shutdown()
            thread.join(WAIT)
            with live_app.app_context():
                db.engine.dispose()


@pytest.fixture
def clients() -> Iterator[Callable[[LiveClient], LiveClient]]:
    """Register clients to be disconnected at the end of the test, whatever happens."""
    opened: list[LiveClient] = []

    def track(client: LiveClient) -> LiveClient:
        opened.append(client)
        return client

    yield track
    for client in opened:
        client.close()


@pytest.fixture
def room_kind():
    """Register a room kind for one test only."""
    added: list[str] = []

    def register(kind: str, **kwargs):
        added.append(kind)
        return register_room_kind(kind, **kwargs)

    yield register
    for kind in added:
        ROOM_KINDS.pop(kind, None)


@pytest.fixture
def client_event():
    """Register a Socket.IO client event (through app.live.on) for one test only."""
    from app import live

    added: list[str] = []

    def register(event: str):
        def decorator(func):
            added.append(event)
            return live.on(event)(func)

        return decorator

    yield register
    socketio.handlers[:] = [h for h in socketio.handlers if h[0] not in added]
    for event in added:
        socketio.server.handlers.get("/", {}).pop(event, None)
