"""Real server processes for the resilience tests, and the voters that talk to them (not a test module).

A worker is the production command, ``gunicorn -k gevent -w 1 wsgi:app``, started in a
process group of its own so that SIGKILL takes the master and its worker at once, as a
crashed machine or an OOM kill would: nothing is left to finish the requests in flight.

Voters are python-socketio clients (threads) signed in with a session cookie minted by the
test's own app with the workers' secret key: 200 Argon2 sign-ins would cost over a minute
and show nothing about votes.
"""

from __future__ import annotations

import functools
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import redis
import requests
import socketio as socketio_client
from flask import session
from flask_login import login_user
from sqlalchemy import func, select

from app.extensions import db
from tests.conftest import require_redis as shared_require_redis
from tests.live.conftest import WAIT

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
START_TIMEOUT = 60  # a cold gunicorn + gevent start on a loaded machine; an upper bound, never waited out
BULK_WAIT = 60  # upper bound for hundreds of votes or acks on a loaded 2-core machine; never waited out
CHOICES = ("for", "against", "abstain", "for")  # by elector index: the final tally is known in advance


def require_redis() -> None:
    shared_require_redis(REDIS_URL, "The multi-process live tests")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = BULK_WAIT) -> None:
    """Poll until ``condition()`` holds; fail naming ``what`` after ``timeout`` seconds."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        pause.wait(0.02)


# --- server processes -------------------------------------------------------------------------


@dataclass
class Worker:
    """One ``gunicorn -k gevent -w 1`` process group on a loopback port."""

    name: str
    port: int
    env: dict
    log: Path
    popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Worker:
        command = [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "--bind", f"127.0.0.1:{self.port}",
                   "--graceful-timeout", "2", "--log-level", "warning",
                   # gunicorn's control socket defaults to one path per user: concurrent runs would share it.
                   "--no-control-socket", "wsgi:app"]
        with self.log.open("a") as out:
            out.write(f"--- {' '.join(command)}\n")
            out.flush()
            # A session of its own: the group id is the master's pid, and killpg reaches its worker too.
            self.popen = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_until_serving(self) -> None:
        pause = threading.Event()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                pytest.fail(f"worker {self.name} exited with {self.popen.returncode}:\n{self.output()}")
            try:
                # A page that reads no database: the worker's app is up; the votes test the rest.
                # One patient request, not many short ones piling up on a slow boot.
                if requests.get(f"{self.url}/connexion", timeout=WAIT).status_code == 200:
                    return
            except requests.RequestException:
                pass
            pause.wait(0.1)
        pytest.fail(f"worker {self.name} did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL the whole group, master and worker: no request in flight is finished."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait_dead(self) -> None:
        self.popen.wait(WAIT)
        # The master is reaped; its worker, orphaned, must be gone too before the port is reused.
        wait_for(lambda: not _group_has_members(self.popen.pid), f"worker {self.name}'s processes to die")

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None and not _group_has_members(self.popen.pid):
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(WAIT)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(WAIT)


def _group_has_members(pgid: int) -> bool:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces): state, ppid, pgrp.
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def worker_env(*, database_url: str, secret_key: str, channel: str, instance_dir: Path) -> dict:
    """The production configuration, as docs/deploy.md sets it, on the test's database and channel."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FACETTES_", "LIVE_"))}
    return env | {
        "FACETTES_CONFIG": "production",
        "FACETTES_INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SOCKETIO_CHANNEL": channel,
        # Plain http on loopback: the cookie is sent by hand anyway, the flag only changes what is set.
        "SESSION_COOKIE_SECURE": "false",
    }


def wait_until_subscribed(channel: str, count: int) -> None:
    """A worker subscribes to the message queue in a thread on its first connection: wait for ``count``."""
    queue = redis.Redis.from_url(REDIS_URL)
    try:
        wait_for(lambda: dict(queue.pubsub_numsub(channel)).get(channel.encode(), 0) >= count,
                 f"{count} worker(s) subscribed to {channel}")
    finally:
        queue.close()


# --- the ballot and its electors ----------------------------------------------------------------


def open_ballot_for(live_app, electors: int) -> tuple[int, list[int]]:
    """``electors`` ES members and one open secret yes/no seminar ballot whose tally is visible live."""
    from app.governance import services as governance
    from app.members import services as members
    from app.votes import services

    with live_app.app_context():
        people = [members.create_member(email=f"elector{i}@resilience.example.org", full_name=f"Elector {i}",
                                        status="es", status_since=date(2024, 1, 1), shares=0)
                  for i in range(electors)]
        ballot = services.create_ballot(title="Resilience: live vote", level=governance.level_by_code("seminar"),
                                        method="yes_no", secrecy="secret", visibility="live")
        services.open_ballot(ballot)
        db.session.commit()
        ids = [member.id for member in people]
        ballot_id = ballot.id
        db.session.remove()
    return ballot_id, ids


def session_cookies(live_app, member_ids: Iterable[int]) -> list[str]:
    """Session cookies as the sign-in page would set them, signed with the app's (and workers') key."""
    from app.members.models import Member

    cookies = []
    with live_app.app_context():
        serializer = live_app.session_interface.get_signing_serializer(live_app)
        for member_id in member_ids:
            with live_app.test_request_context("/"):
                login_user(db.session.get(Member, member_id))
                cookies.append(serializer.dumps(dict(session)))
        db.session.remove()
    return cookies


@dataclass(frozen=True)
class Box:
    """What the database holds for one ballot, read directly (no server involved)."""

    electors: frozenset[int]  # one per participation row
    participations: int
    receipts: frozenset[str]
    votes: int
    audit_seq: int


def read_box(live_app, ballot_id: int) -> Box:
    from app.votes.models import Ballot, Participation, StoredVote

    with live_app.app_context():
        try:
            electors = list(db.session.scalars(select(Participation.elector_id)
                                               .where(Participation.ballot_id == ballot_id)))
            receipts = list(db.session.scalars(select(StoredVote.receipt).where(StoredVote.ballot_id == ballot_id)))
            votes = db.session.scalar(select(func.count()).select_from(StoredVote)
                                      .where(StoredVote.ballot_id == ballot_id))
            seq = db.session.scalar(select(Ballot.audit_seq).where(Ballot.id == ballot_id))
        finally:
            db.session.remove()
    return Box(frozenset(electors), len(electors), frozenset(receipts), votes, seq)


def assert_audit_verifies(live_app, ballot_id: int, entries: int) -> None:
    """The ballot's hash chain recomputes, by the verifier and by ``flask votes verify-audit``."""
    from app.votes import audit

    with live_app.app_context():
        try:
            checked, problems = audit.verify([ballot_id])
        finally:
            db.session.remove()
    assert (checked, problems) == (entries, [])
    result = live_app.test_cli_runner().invoke(args=["votes", "verify-audit", "--ballot", str(ballot_id)])
    assert result.exit_code == 0, result.output
    assert str(entries) in result.output.splitlines()[0], result.output  # "OK: <n> entries verified", translated


def expected_receipt(ballot_id: int, elector_id: int, key: str) -> str:
    from app.votes.services import receipt_code

    return receipt_code(ballot_id, elector_id, key)


# --- voters -------------------------------------------------------------------------------------


@dataclass
class Voter:
    """One elector's client: keeps the newest ballot state it saw, and every vote acknowledgement."""

    index: int
    member_id: int
    cookie: str
    ballot_id: int
    key: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # one submission, kept across retries
    latest: dict | None = None
    updates: int = 0
    acks: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.choice = CHOICES[self.index % len(CHOICES)]
        self.lock = threading.Lock()
        self.dropped = threading.Event()
        self.sio = socketio_client.Client(reconnection=False)  # reconnection is the test's own move
        self.sio.on("ballot_update", self._on_update)
        self.sio.on("disconnect", self._on_disconnect)

    @property
    def room(self) -> str:
        return f"ballot:{self.ballot_id}"

    def _keep(self, state: dict) -> None:
        # Broadcasts from two workers may cross, and a snapshot may cross a broadcast: the
        # audit chain's length (version) says which is newer.
        with self.lock:
            if self.latest is None or state["version"] > self.latest["version"]:
                self.latest = state

    def _on_update(self, payload) -> None:
        with self.lock:
            self.updates += 1
        self._keep(payload)

    def _on_disconnect(self, *reason) -> None:
        self.dropped.set()

    def connect(self, url: str) -> Voter:
        self.dropped.clear()
        self.sio.connect(url, headers={"Cookie": f"session={self.cookie}"}, transports=["websocket"],
                         wait_timeout=WAIT)
        return self

    def join(self) -> dict:
        """Join the ballot's room; the ack's snapshot is the state to resynchronise from."""
        ack = self.sio.call("join", {"room": self.room}, timeout=WAIT)
        assert ack["ok"], ack
        self._keep(ack["state"])
        return ack["state"]

    def payload(self) -> dict:
        return {"ballot": self.ballot_id, "choice": {"choice": self.choice}, "key": self.key}

    def send_vote(self, on_ack: Callable[[Voter, dict], None] | None = None) -> None:
        """Send the vote without waiting: the ack, if the server lives to send it, is recorded."""

        def acknowledged(ack) -> None:
            with self.lock:
                self.acks.append(ack)
            if on_ack is not None:
                on_ack(self, ack)

        self.sio.emit("vote", self.payload(), callback=acknowledged)

    def vote(self) -> dict:
        ack = self.sio.call("vote", self.payload(), timeout=WAIT)
        with self.lock:
            self.acks.append(ack)
        return ack

    @property
    def acknowledged(self) -> bool:
        with self.lock:
            return any(ack.get("ok") for ack in self.acks)

    def close(self) -> None:
        ws = getattr(self.sio.eio, "ws", None)
        if ws is not None:
            # Do not wait 3 s for a close frame the client's reading thread has already consumed.
            ws.close = functools.partial(ws.close, timeout=0)
        if self.sio.connected:
            self.sio.disconnect()


class AckCounter:
    """Counts successful vote acks across voters; runs ``action`` once, at the ``threshold``-th."""

    def __init__(self, threshold: int, action: Callable[[], None]):
        self.threshold, self.action = threshold, action
        self.lock = threading.Lock()
        self.count = 0
        self.fired = threading.Event()

    def __call__(self, voter: Voter, ack: dict) -> None:
        if not ack.get("ok"):
            return
        with self.lock:
            self.count += 1
            fire = self.count == self.threshold
        if fire:
            # In the client's reading thread, at once: later acks are still on their way.
            self.action()
            self.fired.set()


def vote_all(voters: list[Voter]) -> dict[int, dict]:
    """Send every voter's vote at once and wait for each ack: {member id: ack}."""
    before = {v.member_id: len(v.acks) for v in voters}
    for voter in voters:
        voter.send_vote()
    wait_for(lambda: all(len(v.acks) > before[v.member_id] for v in voters), f"acks for {len(voters)} votes")
    return {v.member_id: v.acks[-1] for v in voters}


def in_parallel(func: Callable[[Voter], object], voters: list[Voter], threads: int = 16) -> list:
    """Apply ``func`` to every voter from a few threads (connecting 200 clients one by one is slow)."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(func, voters))


def close_all(voters: list[Voter]) -> None:
    def close(voter: Voter) -> None:
        try:
            voter.close()
        except Exception:  # noqa: BLE001 — a client of a dead server: nothing left to close
            pass

    in_parallel(close, voters)


@contextmanager
def worker_cluster(tmp_path: Path, name: str, worker_names: Iterable[str]) -> Iterator[tuple]:
    """A dedicated database, a Redis channel and gunicorn workers on it (not started yet).

    Yields (live_app, workers, channel, voters); the voters the test adds are closed and
    the workers stopped at the end, whatever happens.
    """
    from tests.conftest import free_port
    from tests.live.conftest import dedicated_database, migrated_app, restored_socketio

    require_redis()
    secret_key = uuid.uuid4().hex
    with restored_socketio(), dedicated_database(tmp_path, name) as database_url:
        live_app = migrated_app(database_url, SECRET_KEY=secret_key)
        channel = f"facettes-test-{uuid.uuid4().hex}"
        env = worker_env(database_url=database_url, secret_key=secret_key, channel=channel, instance_dir=tmp_path)
        workers = [Worker(worker, free_port(), env, tmp_path / f"{worker}.log") for worker in worker_names]
        voters: list[Voter] = []
        try:
            yield live_app, workers, channel, voters
        finally:
            close_all(voters)
            for worker in workers:
                worker.stop()
            with live_app.app_context():
                db.engine.dispose()
