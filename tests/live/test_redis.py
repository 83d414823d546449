"""Several server processes share rooms through Redis, as several workers do in production.

Two real server processes (tests/live/serve.py) use the same database and the same Redis
message queue, on a channel of their own so that concurrent test runs do not hear each
other. Without Redis the module is skipped, except in CI (CI set), where it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from flask_socketio import SocketIO

from app.extensions import db
from tests.conftest import free_port
from tests.conftest import require_redis as shared_require_redis
from tests.live.conftest import (
    WAIT,
    LiveClient,
    Members,
    dedicated_database,
    migrated_app,
    restored_socketio,
    signed_in_session,
)

pytestmark = pytest.mark.no_db_transaction

REDIS_URL = os.environ.get("LIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SERVE = Path(__file__).with_name("serve.py")
ROOT = SERVE.parents[2]
START_TIMEOUT = 60


def require_redis() -> None:
    shared_require_redis(REDIS_URL, "The multi-process live tests")


@dataclass
class Process:
    name: str
    url: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_until_serving(self) -> None:
        pause = threading.Event()
        for _ in range(START_TIMEOUT * 10):
            if self.popen.poll() is not None:
                pytest.fail(f"server {self.name} exited with {self.popen.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/connexion", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            pause.wait(0.1)
        pytest.fail(f"server {self.name} did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(WAIT)


@dataclass
class Cluster:
    a: Process
    b: Process
    members: Members
    channel: str

    def client(self, process: Process, http: requests.Session) -> LiveClient:
        return LiveClient(process.url, http)


def wait_until_subscribed(processes: list[Process], members: Members, channel: str) -> None:
    """A server subscribes to the queue on its first connection, in a thread: wait for all of them."""
    member = members.add()
    for process in processes:
        client = LiveClient(process.url, signed_in_session(process.url, member)).connect(transports=["polling"])
        client.close()
    queue = redis.Redis.from_url(REDIS_URL)
    pause = threading.Event()
    for _ in range(WAIT * 10):
        if dict(queue.pubsub_numsub(channel)).get(channel.encode(), 0) >= len(processes):
            return
        pause.wait(0.1)
    pytest.fail(f"the servers did not subscribe to {channel} within {WAIT} s")


@pytest.fixture(scope="module")
def cluster(app, tmp_path_factory):
    require_redis()
    channel = f"facettes-test-{uuid.uuid4().hex}"
    tmp = tmp_path_factory.mktemp("cluster")
    with restored_socketio(), dedicated_database(tmp, "cluster") as database_url:
        schema_app = migrated_app(database_url)
        processes: list[Process] = []
        try:
            for name in ("A", "B"):
                port = free_port()
                log = tmp / f"server-{name}.log"
                env = {
                    **os.environ,
                    "FACETTES_CONFIG": "testing",
                    "LIVE_NAME": name,
                    "LIVE_PORT": str(port),
                    "LIVE_DATABASE_URL": database_url,
                    "LIVE_REDIS_URL": REDIS_URL,
                    "LIVE_CHANNEL": channel,
                }
                with log.open("w") as out:
                    popen = subprocess.Popen([sys.executable, str(SERVE)], cwd=ROOT, env=env, stdout=out,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                processes.append(Process(name, f"http://127.0.0.1:{port}", popen, log))
            for process in processes:
                process.wait_until_serving()
            members = Members(schema_app)
            wait_until_subscribed(processes, members, channel)
            yield Cluster(processes[0], processes[1], members, channel)
        finally:
            for process in processes:
                process.stop()
            with schema_app.app_context():
                db.engine.dispose()


def test_event_emitted_by_one_process_reaches_a_client_of_the_other(cluster, clients):
    alice = cluster.members.add()
    bob = cluster.members.add()
    on_a = clients(cluster.client(cluster.a, signed_in_session(cluster.a.url, alice))).connect()
    on_b = clients(cluster.client(cluster.b, signed_in_session(cluster.b.url, bob))).connect()

    ack = on_b.call("test.emit", {"room": f"member:{alice.id}", "event": "crossed", "payload": {"n": 1}})

    assert ack == {"ok": True, "process": "B"}
    assert on_a.next_event() == ("crossed", {"n": 1, "from": "B"})


def test_rolled_back_emit_crosses_to_no_process(cluster, clients):
    alice = cluster.members.add()
    bob = cluster.members.add()
    on_a = clients(cluster.client(cluster.a, signed_in_session(cluster.a.url, alice))).connect()
    on_b = clients(cluster.client(cluster.b, signed_in_session(cluster.b.url, bob))).connect()
    room = f"member:{alice.id}"

    refused = on_b.call("test.emit", {"room": room, "event": "rolled.back", "fail": True})
    assert refused["ok"] is False and refused["error"]["code"] == "conflict"
    assert on_b.call("test.emit", {"room": room, "event": "marker"})["ok"] is True

    assert on_a.events_until("marker") == [("marker", {"from": "B"})]


def test_a_session_cookie_works_on_every_process_and_both_deliver(cluster, clients):
    """One member, signed in once, connected to A and to B: a room spans the processes."""
    carol = cluster.members.add()
    http = signed_in_session(cluster.a.url, carol)
    on_a = clients(cluster.client(cluster.a, http)).connect()
    on_b = clients(cluster.client(cluster.b, http)).connect()

    # An emitter outside both servers (a job, a CLI command), as Flask-SocketIO documents it.
    external = SocketIO(message_queue=REDIS_URL, channel=cluster.channel)
    external.emit("from.outside", {"n": 3}, to=f"member:{carol.id}")

    assert on_a.next_event() == ("from.outside", {"n": 3})
    assert on_b.next_event() == ("from.outside", {"n": 3})


def test_processes_on_another_channel_hear_nothing(cluster, clients):
    dave = cluster.members.add()
    on_a = clients(cluster.client(cluster.a, signed_in_session(cluster.a.url, dave))).connect()
    SocketIO(message_queue=REDIS_URL, channel=f"{cluster.channel}-other").emit("elsewhere", {}, to=f"member:{dave.id}")
    SocketIO(message_queue=REDIS_URL, channel=cluster.channel).emit("marker", {}, to=f"member:{dave.id}")
    assert on_a.events_until("marker") == [("marker", {})]
