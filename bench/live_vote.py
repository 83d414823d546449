"""A live vote: 500 members with real Socket.IO clients cast their vote within 10 seconds.

Not a test: run it by hand (see bench/README.md) and copy the figures into
docs/performance.md ("Live vote").

1. A fresh SQLite database is built by the migrations in a temporary folder; 500 members
   (ES, so all in a seminar's electorate) and one open seminar ballot (for / against,
   tally visible live) are created.
2. The server starts in a subprocess on loopback (gevent, as in production; or Werkzeug
   threads with --mode threading).
3. 500 python-socketio clients (greenlets of this process) connect over WebSocket with a
   signed-in session and join ballot:<id>. Sessions are issued by the server's own session
   interface, as if each member had signed in earlier: 500 Argon2 verifications (0.4 s
   each on the reference machine) would come before the measured phase and measure
   nothing about voting.
4. Each client sends its `vote` event at a random moment within the window (10 s) and
   waits for the acknowledgement, which the server sends only after the commit.
5. Measured: acknowledgements received and votes stored (counted in the database
   afterwards), the time from sending a vote to its acknowledgement (median, 95th
   percentile, max), the `ballot_update` broadcasts each client received (coalesced), and
   the time from the last vote sent until every client holds the final tally.

    .venv/bin/python bench/live_vote.py [--voters 500] [--window 10] [--mode gevent|threading]
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and "--serve" not in sys.argv:
    # The clients are greenlets: 500 sockets without 1,500 threads. Patch before anything imports socket.
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def make_app(database_url: str, secret_key: str, mode: str):
    os.environ.setdefault("FACETTES_INSTANCE_DIR", os.path.dirname(database_url.removeprefix("sqlite:///")))
    from app import create_app

    return create_app("development", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=secret_key, DEBUG=False,
                      RATELIMIT_ENABLED=False, SOCKETIO_ASYNC_MODE=mode)


# --- the server (subprocess) ------------------------------------------------------------------


def serve(args) -> None:
    if args.mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = make_app(args.database, args.secret, args.mode)
    logging.getLogger().setLevel(logging.WARNING)
    from app.extensions import socketio

    socketio.run(app, host="127.0.0.1", port=args.port, log_output=False, allow_unsafe_werkzeug=True)


# --- preparation (this process, before the server starts) ---------------------------------------


def prepare(database_url: str, secret_key: str, voters: int) -> tuple[int, list[str]]:
    """Migrate, create the members and the open ballot; return the ballot id and one session cookie each."""
    from flask import session
    from flask_login import login_user
    from flask_migrate import upgrade

    from app.extensions import db
    from app.governance import services as governance
    from app.members import services as members
    from app.votes import services

    app = make_app(database_url, secret_key, "threading")
    with app.app_context():
        upgrade()
        people = [members.create_member(email=f"voter{i}@bench.example.org", full_name=f"Voter {i}", status="es",
                                        status_since=date(2024, 1, 1), shares=0) for i in range(voters)]
        ballot = services.create_ballot(title="Bench: live vote", level=governance.level_by_code("seminar"),
                                        method="yes_no", secrecy="secret", visibility="live")
        services.open_ballot(ballot)
        db.session.commit()
        ballot_id = ballot.id
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = []
        for member in people:
            with app.test_request_context("/"):
                login_user(member)
                cookies.append(serializer.dumps(dict(session)))
        db.session.remove()
        db.engine.dispose()
    return ballot_id, cookies


def count_stored(database_url: str, ballot_id: int) -> tuple[int, int]:
    import sqlite3

    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    try:
        votes = connection.execute("SELECT count(*) FROM ballot_votes WHERE ballot_id = ?", (ballot_id,)).fetchone()[0]
        voted = connection.execute("SELECT count(*) FROM ballot_participations WHERE ballot_id = ?",
                                   (ballot_id,)).fetchone()[0]
    finally:
        connection.close()
    return votes, voted


# --- the clients ----------------------------------------------------------------------------------


class Voter:
    def __init__(self, url: str, cookie: str, ballot_id: int, expected: int):
        import socketio

        self.url, self.cookie, self.ballot_id, self.expected = url, cookie, ballot_id, expected
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("ballot_update", self.on_update)
        self.updates = 0
        self.final_at: float | None = None
        self.sent_at = self.acked_at = None
        self.ack: dict | None = None
        self.error: str | None = None

    def on_update(self, payload) -> None:
        self.updates += 1
        tally = payload.get("tally") or {}
        if self.final_at is None and payload["turnout"]["voted"] == self.expected \
                and sum(tally.get("counts", {}).values()) == self.expected:
            self.final_at = time.perf_counter()

    def connect_and_join(self) -> None:
        self.sio.connect(self.url, headers={"Cookie": f"session={self.cookie}"}, transports=["websocket"],
                         wait_timeout=60)
        ack = self.sio.call("join", {"room": f"ballot:{self.ballot_id}"}, timeout=60)
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")

    def vote(self, start: float, delay: float) -> None:
        import gevent

        gevent.sleep(max(0.0, start + delay - time.perf_counter()))
        choice = random.choice(["for", "for", "against", "abstain", "blank"])
        self.sent_at = time.perf_counter()
        try:
            self.ack = self.sio.call("vote", {"ballot": self.ballot_id, "choice": {"choice": choice},
                                              "key": secrets.token_urlsafe(16)}, timeout=60)
        except Exception as error:  # a timeout counts as a vote not acknowledged
            self.error = repr(error)
        self.acked_at = time.perf_counter()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[index]


def run(args) -> dict:
    import gevent
    from gevent.pool import Pool

    workdir = tempfile.mkdtemp(prefix="facettes-bench-")
    database_url = f"sqlite:///{os.path.join(workdir, 'bench.sqlite')}"
    secret_key = secrets.token_hex(32)
    started = time.perf_counter()
    ballot_id, cookies = prepare(database_url, secret_key, args.voters)
    print(f"prepared {args.voters} members and ballot {ballot_id} in {time.perf_counter() - started:.1f} s")

    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", "--database", database_url,
                               "--secret", secret_key, "--port", str(port), "--mode", args.mode],
                              cwd=ROOT, env=os.environ | {"FACETTES_INSTANCE_DIR": workdir})
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}"
        voters = [Voter(url, cookie, ballot_id, args.voters) for cookie in cookies]
        started = time.perf_counter()
        Pool(50).map(lambda v: v.connect_and_join(), voters)
        print(f"{len(voters)} clients connected and joined in {time.perf_counter() - started:.1f} s")

        start = time.perf_counter() + 0.5
        delays = [random.uniform(0, args.window) for _ in voters]
        gevent.joinall([gevent.spawn(v.vote, start, d) for v, d in zip(voters, delays, strict=True)], timeout=120)
        deadline = time.perf_counter() + 30
        while any(v.final_at is None for v in voters) and time.perf_counter() < deadline:
            gevent.sleep(0.05)
        acked = [v for v in voters if v.ack and v.ack.get("ok")]
        latencies = [v.acked_at - v.sent_at for v in acked]
        last_sent = max(v.sent_at for v in voters if v.sent_at)
        finals = [v.final_at for v in voters if v.final_at]
    finally:
        # Stopped before the clients hang up: their close frames would only add noise to the server's log.
        server.terminate()
        server.wait(30)
    stored, voted = count_stored(database_url, ballot_id)
    updates = [v.updates for v in voters]
    refused = [v.ack or v.error for v in voters if v not in acked]
    return {
        "voters": args.voters, "window_s": args.window, "mode": args.mode,
        "acknowledged": len(acked), "stored_votes": stored, "participations": voted,
        "refused_or_lost": refused[:5],
        "ack_ms": {"median": 1000 * statistics.median(latencies), "p95": 1000 * percentile(latencies, 0.95),
                   "max": 1000 * max(latencies)} if latencies else None,
        "voting_span_s": last_sent - min(v.sent_at for v in voters if v.sent_at),
        "updates_per_client": {"min": min(updates), "median": statistics.median(updates), "max": max(updates)},
        "clients_with_final_tally": len(finals),
        "last_vote_to_all_final_ms": 1000 * (max(finals) - last_sent) if len(finals) == len(voters) else None,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--window", type=float, default=10.0, help="seconds within which every vote is sent")
    parser.add_argument("--mode", choices=["gevent", "threading"], default="gevent")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--secret", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
