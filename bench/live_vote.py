"""A live vote: N members (1,000 by default) with real Socket.IO clients vote within 10 seconds.

Not a test: run it by hand (see bench/README.md), or through bench/run_all.py.

1. A fresh database (SQLite in a temporary folder, or the PostgreSQL database given by
   --database-url, dropped and created again) is built by the migrations; N members (ES,
   so all in a seminar's electorate) and one open seminar ballot (for / against, secret,
   tally visible live) are created through the services.
2. The server starts in a subprocess on loopback: gevent, as in production (or Werkzeug
   threads with --mode threading). With --workers 2, two gevent processes share the
   database and Redis (REDIS_URL, a channel of their own), and the clients are spread
   over both.
3. N python-socketio clients connect over WebSocket with a signed-in session and join
   ballot:<id>. They run as greenlets of --client-processes separate processes (2 by
   default), so that one Python process decoding every broadcast for 1,000 sockets is not
   what is measured. Sessions are issued by the server's own session interface, as if each
   member had signed in earlier: N Argon2 verifications would come before the measured
   phase and measure nothing about voting.
4. Each client sends its `vote` event at a random moment within the window (10 s) and
   waits for the acknowledgement, which the server sends only after the commit.
5. The same scenario then runs against bench/bare_server.py (same async mode, same events
   and coalescing, no database): the ratio Facettes / bare is printed for the 95th
   percentile and for the convergence time.
6. Both are run --repeat times (3 by default), alternated: the figures reported are the
   medians of the runs, and the full figures of the run of median p95. The convergence
   time in particular moves by up to 250 ms from run to run (the broadcast interval).

Measured for each server: acknowledgements received and votes stored (counted in the
database afterwards), vote → acknowledgement (median, p95, p99, max), the `ballot_update`
broadcasts each client received, the time from the last vote sent until every client holds
the final tally, each server process's peak RSS (VmHWM) and CPU during the voting phase,
and the CPU of each client process (mean and busiest second).

    .venv/bin/python bench/live_vote.py [--voters 1000] [--window 10] [--workers 1|2]
        [--database-url postgresql+psycopg://...] [--client-processes 2] [--repeat 3] [--no-bare]
        [--json out.json]
"""

from __future__ import annotations

import sys

if "--client-role" in sys.argv or ("--serve" in sys.argv and "threading" not in sys.argv):
    # Clients and the production-like server are greenlets: patch before anything imports socket.
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from common import (  # noqa: E402
    backend,
    cpu_seconds,
    drop_database,
    free_port,
    memory_kib,
    percentile,
    prepare_database,
    runqueue_wait_seconds,
    voters_and_open_ballot,
    wait_for_port,
    write_json,
)

CHOICES = ["for", "for", "against", "abstain", "blank"]


def make_app(database_url: str, secret_key: str, mode: str, redis_url: str | None = None, channel: str | None = None):
    from app import create_app

    overrides = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key, "DEBUG": False,
                 "RATELIMIT_ENABLED": False, "SOCKETIO_ASYNC_MODE": mode, "REDIS_URL": redis_url}
    if channel:
        overrides["SOCKETIO_CHANNEL"] = channel
    return create_app("development", **overrides)


# --- the Facettes server (subprocess) -------------------------------------------------------------


def serve(args) -> None:
    import logging

    app = make_app(args.database, args.secret, args.mode, args.redis or None, args.channel or None)
    logging.getLogger().setLevel(logging.WARNING)
    from app.extensions import socketio
    from app.runtime import settle_for_serving

    settle_for_serving(app)  # as wsgi.py does in production

    socketio.run(app, host="127.0.0.1", port=args.port, log_output=False, allow_unsafe_werkzeug=True)


# --- preparation (this process, before the servers start) -----------------------------------------


def prepare(database_url: str, secret_key: str, voters: int) -> tuple[int, list[str]]:
    """Migrate, create the members and the open ballot; return the ballot id and one session cookie each."""
    from flask import session
    from flask_login import login_user
    from flask_migrate import upgrade

    from app.extensions import db

    app = make_app(database_url, secret_key, "threading")
    with app.app_context():
        upgrade()
        people, ballot = voters_and_open_ballot(voters, "Bench: live vote")
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
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            votes = conn.execute(sa.text("SELECT count(*) FROM ballot_votes WHERE ballot_id = :b"),
                                 {"b": ballot_id}).scalar_one()
            voted = conn.execute(sa.text("SELECT count(*) FROM ballot_participations WHERE ballot_id = :b"),
                                 {"b": ballot_id}).scalar_one()
    finally:
        engine.dispose()
    return votes, voted


# --- a client process (subprocess, greenlets) -----------------------------------------------------


class Voter:
    def __init__(self, url: str, cookie: str, ballot_id: int, expected: int):
        import socketio

        self.url, self.cookie, self.ballot_id, self.expected = url, cookie, ballot_id, expected
        # websocket-client checks every received byte for UTF-8 in pure Python, which made the
        # client processes, not the servers, the bottleneck; it decodes the same text right
        # after (in C, strictly), so nothing goes unchecked.
        self.sio = socketio.Client(reconnection=False, websocket_extra_options={"skip_utf8_validation": True})
        self.sio.on("ballot_update", self.on_update)
        self.updates = 0
        self.arrivals: list[tuple[int, float]] = []  # (turnout it showed, when) of each broadcast
        self.final_at: float | None = None
        self.sent_at: float | None = None
        self.acked_at: float | None = None
        self.ok = False
        self.error: str | None = None

    def on_update(self, payload) -> None:
        self.updates += 1
        self.arrivals.append((payload["turnout"]["voted"], time.monotonic()))
        tally = payload.get("tally") or {}
        if self.final_at is None and payload["turnout"]["voted"] == self.expected \
                and sum(tally.get("counts", {}).values()) == self.expected:
            self.final_at = time.monotonic()

    def connect_and_join(self) -> None:
        try:
            headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
            self.sio.connect(self.url, headers=headers, transports=["websocket"], wait_timeout=60)
            ack = self.sio.call("join", {"room": f"ballot:{self.ballot_id}"}, timeout=60)
            if not ack.get("ok"):
                self.error = f"join refused: {ack}"
        except Exception as error:  # counted as a voter who could not vote
            self.error = f"connect: {error!r}"

    def vote(self, start: float, delay: float, choice: str) -> None:
        import gevent

        if self.error:
            return
        gevent.sleep(max(0.0, start + delay - time.monotonic()))
        self.sent_at = time.monotonic()
        try:
            ack = self.sio.call("vote", {"ballot": self.ballot_id, "choice": {"choice": choice},
                                         "key": secrets.token_urlsafe(16)}, timeout=60)
            self.ok = bool(ack and ack.get("ok"))
            if not self.ok:
                self.error = f"refused: {ack}"
        except Exception as error:  # a timeout counts as a vote not acknowledged
            self.error = repr(error)
        self.acked_at = time.monotonic()

    def record(self) -> dict:
        return {"sent": self.sent_at, "acked": self.acked_at, "ok": self.ok, "updates": self.updates,
                "final": self.final_at, "error": self.error, "arrivals": self.arrivals}


def write_atomically(path: str, data: dict) -> None:
    with open(path + ".tmp", "w") as out:
        json.dump(data, out)
    os.replace(path + ".tmp", path)


def client_role(config_path: str) -> None:
    import gevent
    from gevent.pool import Pool

    with open(config_path) as source:
        config = json.load(source)
    voters = [Voter(url, cookie, config["ballot"], config["expected"]) for url, cookie in config["voters"]]
    started, cpu = time.monotonic(), time.process_time()
    Pool(50).map(lambda v: v.connect_and_join(), voters)
    write_atomically(config["ready"], {"connect_s": time.monotonic() - started,
                                       "connect_cpu_s": time.process_time() - cpu,
                                       "failed": sum(1 for v in voters if v.error)})
    while not os.path.exists(config["go"]):
        gevent.sleep(0.02)
    with open(config["go"]) as go:
        start = float(go.read())
    rng = random.Random(config["seed"])
    plan = [(rng.uniform(0, config["window"]), rng.choice(CHOICES)) for _ in voters]
    cpu = time.process_time()
    greenlets = [gevent.spawn(v.vote, start, delay, choice) for v, (delay, choice) in zip(voters, plan, strict=True)]
    gevent.joinall(greenlets, timeout=config["window"] + 120)
    deadline = time.monotonic() + 30
    while any(v.final_at is None for v in voters) and time.monotonic() < deadline:
        gevent.sleep(0.02)
    write_atomically(config["out"], {"cpu_s": time.process_time() - cpu, "voters": [v.record() for v in voters]})
    # Stay connected until the coordinator has read the servers' figures and stops everything.
    while True:
        gevent.sleep(1)


# --- the coordinator -------------------------------------------------------------------------------


class CpuSampler:
    """CPU time of some processes every half second: mean share and busiest second of each.

    Also the time each waited for a core while runnable: on a shared machine, a server that
    waits for a CPU is slow for reasons that are not its own.
    """

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.waits: list[dict[str, float]] = []

    def sample(self) -> None:
        self.samples.append((time.monotonic(), {name: cpu_seconds(pid) for name, pid in self.pids.items()}))
        self.waits.append({name: runqueue_wait_seconds(pid) for name, pid in self.pids.items()})

    def figures(self) -> dict:
        out = {}
        first, last = self.samples[0], self.samples[-1]
        for name in self.pids:
            busiest = 0.0
            for i in range(len(self.samples)):
                # The first sample at least one second after sample i.
                j = next((j for j in range(i + 1, len(self.samples))
                          if self.samples[j][0] - self.samples[i][0] >= 1.0), None)
                if j is None:
                    break
                (t0, c0), (t1, c1) = self.samples[i], self.samples[j]
                busiest = max(busiest, (c1[name] - c0[name]) / (t1 - t0))
            used = last[1][name] - first[1][name]
            out[name] = {"cpu_s": round(used, 2), "mean_core_share": round(used / (last[0] - first[0]), 2),
                         "busiest_second_core_share": round(busiest, 2),
                         "waited_for_a_core_s": round(self.waits[-1][name] - self.waits[0][name], 2)}
        return out


def run_clients(label: str, servers: dict[str, subprocess.Popen], urls: list[str], cookies: list[str],
                ballot_id: int, args, workdir: str) -> dict:
    """Spread the voters over the client processes, run the vote, return the merged figures."""
    count = max(1, min(args.client_processes, len(cookies)))
    procs, configs = [], []
    for index in range(count):
        base = os.path.join(workdir, f"{label}-clients{index}")
        config = {"voters": [[urls[i], cookies[i]] for i in range(index, len(cookies), count)],
                  "ballot": ballot_id, "expected": len(cookies), "window": args.window, "seed": args.seed + index,
                  "ready": base + ".ready", "go": os.path.join(workdir, f"{label}.go"), "out": base + ".out"}
        with open(base + ".json", "w") as out:
            json.dump(config, out)
        configs.append(config)
        procs.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--client-role", base + ".json"],
                                      cwd=ROOT))
    try:
        connect_started = time.monotonic()
        wait_for_files([c["ready"] for c in configs], procs, servers, timeout=600)
        ready = [read_json(c["ready"]) for c in configs]
        connect_s = time.monotonic() - connect_started
        print(f"[{label}] {len(cookies)} clients connected and joined in {connect_s:.1f} s "
              f"({sum(r['failed'] for r in ready)} failed)", flush=True)

        sampler = CpuSampler({**{name: p.pid for name, p in servers.items()},
                              **{f"clients{i}": p.pid for i, p in enumerate(procs)}})
        sampler.sample()
        start = time.monotonic() + 1.0
        write_atomically(configs[0]["go"], start)  # the one go file every client process polls
        deadline = start + args.window + 200
        while not all(os.path.exists(c["out"]) for c in configs):
            if time.monotonic() > deadline:
                raise RuntimeError(f"[{label}] the clients did not finish")
            check_alive(procs, servers)
            time.sleep(0.5)
            sampler.sample()
        sampler.sample()
        memory = {name: memory_kib(p.pid) for name, p in servers.items()}
        outs = [read_json(c["out"]) for c in configs]
    finally:
        # Servers first: the clients' close frames would only add noise to the servers' logs.
        for proc in [*servers.values(), *procs]:
            proc.terminate()
        for proc in [*servers.values(), *procs]:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()

    records = [r for out in outs for r in out["voters"]]
    acked = [r for r in records if r["ok"]]
    latencies = [r["acked"] - r["sent"] for r in acked]
    sent = [r["sent"] for r in records if r["sent"] is not None]
    finals = [r["final"] for r in records if r["final"] is not None]
    updates = [r["updates"] for r in records]
    cpu = sampler.figures()
    return {
        "voters": len(records), "connect_s": round(connect_s, 1),
        "connect_failures": sum(r["failed"] for r in ready),
        "acknowledged": len(acked),
        "refused_or_lost": [r["error"] for r in records if not r["ok"]][:5],
        "ack_ms": {"p50": ms(statistics.median(latencies)), "p95": ms(percentile(latencies, 0.95)),
                   "p99": ms(percentile(latencies, 0.99)), "max": ms(max(latencies))} if latencies else None,
        "voting_span_s": round(max(sent) - min(sent), 2) if sent else None,
        "updates_per_client": {"min": min(updates), "median": statistics.median(updates), "max": max(updates)},
        "clients_with_final_tally": len(finals),
        "last_vote_to_all_final_ms": ms(max(finals) - max(sent)) if sent and len(finals) == len(records) else None,
        # Where the convergence time goes: until the final tally leaves the server (its first
        # client), then its delivery to the last one.
        "last_vote_to_first_final_ms": ms(min(finals) - max(sent)) if sent and finals else None,
        "last_ack_after_last_vote_ms": ms(max(r["acked"] for r in acked) - max(sent)) if sent and acked else None,
        # How long one broadcast takes to reach every client, over all of them: the convergence
        # time samples just one (the final tally's), so its spread is much of the run-to-run spread.
        "broadcast_delivery_ms": delivery_spreads(records),
        "servers": {name: {"peak_rss_mib": round(memory[name].get("VmHWM", 0) / 1024, 1), **cpu[name]}
                    for name in servers},
        "client_processes": {f"clients{i}": {"clients": len(configs[i]["voters"]),
                                             "connect_cpu_s": round(ready[i]["connect_cpu_s"], 2),
                                             "connect_s": round(ready[i]["connect_s"], 1),
                                             **cpu[f"clients{i}"],
                                             "cpu_ms_per_message": cpu_per_message(outs[i])}
                             for i in range(count)},
    }


def delivery_spreads(records: list[dict]) -> dict | None:
    """First to last client of each broadcast every client received (a broadcast known by its turnout)."""
    arrivals: dict[int, list[float]] = {}
    for record in records:
        for voted, at in record["arrivals"]:
            arrivals.setdefault(voted, []).append(at)
    spreads = sorted(max(times) - min(times) for times in arrivals.values() if len(times) == len(records))
    if not spreads:
        return None
    return {"broadcasts": len(spreads), "median": ms(statistics.median(spreads)),
            "p90": ms(percentile(spreads, 0.9)), "min": ms(spreads[0]), "max": ms(spreads[-1])}


def cpu_per_message(out: dict) -> float | None:
    """A client process's CPU over the voting phase per message it received (broadcasts and acks)."""
    messages = sum(r["updates"] + (1 if r["acked"] is not None else 0) for r in out["voters"])
    return round(1000 * out["cpu_s"] / messages, 3) if messages else None


def ms(seconds: float) -> float:
    return round(1000 * seconds, 1)


def read_json(path: str):
    with open(path) as source:
        return json.load(source)


def check_alive(procs, servers) -> None:
    for name, proc in servers.items():
        if proc.poll() is not None:
            raise RuntimeError(f"server {name} exited with status {proc.returncode}")
    for proc in procs:
        if proc.poll() is not None:
            raise RuntimeError(f"a client process exited with status {proc.returncode}")


def wait_for_files(paths: list[str], procs, servers, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not all(os.path.exists(p) for p in paths):
        if time.monotonic() > deadline:
            raise RuntimeError("the clients did not connect in time")
        check_alive(procs, servers)
        time.sleep(0.1)


def run_facettes(args, workdir: str) -> dict:
    # Each run in a folder of its own: its database (a PostgreSQL one is dropped and created
    # again) and the files through which its client processes report.
    workdir = tempfile.mkdtemp(prefix="run-", dir=workdir)
    database_url = args.database_url or f"sqlite:///{os.path.join(workdir, 'bench.sqlite')}"
    if args.workers > 1 and backend(database_url) == "sqlite":
        print("warning: several workers on one SQLite file serialise on its write lock; use --database-url",
              flush=True)
    prepare_database(database_url)
    secret_key = secrets.token_hex(32)
    try:
        started = time.monotonic()
        ballot_id, cookies = prepare(database_url, secret_key, args.voters)
        print(f"[facettes] prepared {args.voters} members and ballot {ballot_id} in "
              f"{time.monotonic() - started:.1f} s", flush=True)
        # Two workers meet through Redis, on a channel no other run or site uses.
        redis = args.redis_url if args.workers > 1 else ""
        channel = f"facettes-bench-{os.getpid()}-{secrets.token_hex(4)}" if redis else ""
        servers, ports = {}, []
        for index in range(args.workers):
            port = free_port()
            servers[f"worker{index}"] = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--serve", "--database", database_url, "--secret",
                 secret_key, "--port", str(port), "--mode", args.mode, "--redis", redis, "--channel", channel],
                cwd=ROOT, env=os.environ | {"FACETTES_INSTANCE_DIR": workdir})
            ports.append(port)
        for port, proc in zip(ports, servers.values(), strict=True):
            wait_for_port(port, proc)
        # Voter i goes to client process i mod P (run_clients): alternate the workers within each process.
        step = max(1, args.client_processes)
        urls = [f"http://127.0.0.1:{ports[(i // step) % len(ports)]}" for i in range(len(cookies))]
        figures = run_clients("facettes", servers, urls, cookies, ballot_id, args, workdir)
        figures["stored_votes"], figures["participations"] = count_stored(database_url, ballot_id)
    finally:
        drop_database(database_url)
    return figures


def run_bare(args, workdir: str) -> dict:
    workdir = tempfile.mkdtemp(prefix="run-", dir=workdir)
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "bare_server.py"), "--port", str(port),
                               "--electorate", str(args.voters)], cwd=ROOT)
    wait_for_port(port, server)
    urls = [f"http://127.0.0.1:{port}"] * args.voters
    figures = run_clients("bare", {"bare": server}, urls, [""] * args.voters, 1, args, workdir)
    figures["stored_votes"] = figures["participations"] = None  # nothing is stored: it only counts
    return figures


def ratio(facettes: float | None, bare: float | None) -> float | None:
    return round(facettes / bare, 2) if facettes is not None and bare else None


def compact(figures: dict) -> dict:
    """One run's figures that the repeated runs are compared on."""
    return {"acknowledged": figures["acknowledged"], "stored": figures["stored_votes"], "ack_ms": figures["ack_ms"],
            "last_vote_to_all_final_ms": figures["last_vote_to_all_final_ms"],
            "last_vote_to_first_final_ms": figures["last_vote_to_first_final_ms"],
            "last_ack_after_last_vote_ms": figures["last_ack_after_last_vote_ms"],
            "servers": {name: {"peak_rss_mib": v["peak_rss_mib"], "cpu_s": v["cpu_s"]}
                        for name, v in figures["servers"].items()}}


def medians(runs: list[dict]) -> dict:
    def median_of(values):
        values = [v for v in values if v is not None]
        return round(statistics.median(values), 1) if values else None

    return {**{f"ack_{q}": median_of([(r["ack_ms"] or {}).get(q) for r in runs]) for q in ("p50", "p95", "p99")},
            "convergence": median_of([r["last_vote_to_all_final_ms"] for r in runs]),
            "every_run_complete": all(r["acknowledged"] == r["voters"] and r["stored_votes"] in (None, r["voters"])
                                      for r in runs)}


def median_run(runs: list[dict]) -> dict:
    """The run whose p95 is the median one (a real run, all its figures)."""
    ordered = sorted(runs, key=lambda r: (r["ack_ms"] or {}).get("p95") or float("inf"))
    return ordered[(len(ordered) - 1) // 2]


def run(args) -> dict:
    workdir = tempfile.mkdtemp(prefix="facettes-bench-")
    os.environ["FACETTES_INSTANCE_DIR"] = workdir  # read when config.py is first imported
    try:
        result = {"parameters": {"voters": args.voters, "window_s": args.window, "mode": args.mode,
                                 "workers": args.workers, "client_processes": args.client_processes,
                                 "database": backend(args.database_url) if args.database_url else "sqlite",
                                 "redis": args.workers > 1, "seed": args.seed, "repeat": args.repeat}}
        runs: dict[str, list[dict]] = {"facettes": [], "bare": []}
        # Alternated, so that a change in the machine's load falls on both servers alike.
        for index in range(args.repeat):
            if args.repeat > 1:
                print(f"--- run {index + 1} of {args.repeat}", flush=True)
            if not args.bare_only:
                runs["facettes"].append(run_facettes(args, workdir))
            if not args.no_bare:
                runs["bare"].append(run_bare(args, workdir))
        for name, done in runs.items():
            if done:
                result[name] = median_run(done)
                result[f"{name}_runs"] = [compact(r) for r in done]
                result.setdefault("median_of_runs", {})[name] = medians(done)
        if "facettes" in result and "bare" in result:
            facettes, bare = result["median_of_runs"]["facettes"], result["median_of_runs"]["bare"]
            result["ratio_facettes_to_bare"] = {"ack_p95": ratio(facettes["ack_p95"], bare["ack_p95"]),
                                                "convergence": ratio(facettes["convergence"], bare["convergence"]),
                                                "of": f"medians of {args.repeat} runs each"}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def summary(result: dict) -> str:
    lines = []
    for name in ("facettes", "bare"):
        if name not in result:
            continue
        if result["parameters"]["repeat"] > 1:
            lines.append(f"{name}, the run of median p95:")
        f = result[name]
        ack = f["ack_ms"] or {}
        rss = ", ".join(f"{s} {v['peak_rss_mib']} MiB" for s, v in f["servers"].items())
        cpu = ", ".join(f"{s} {v['mean_core_share']:.0%} (busiest second {v['busiest_second_core_share']:.0%}, "
                        f"waited {v['waited_for_a_core_s']} s for a core)"
                        for s, v in {**f["servers"], **f["client_processes"]}.items())
        lines += [f"{name}: acknowledged {f['acknowledged']}/{f['voters']}, stored {f['stored_votes']}; "
                  f"ack p50 {ack.get('p50')} ms, p95 {ack.get('p95')} ms, p99 {ack.get('p99')} ms, "
                  f"max {ack.get('max')} ms; last vote -> all final {f['last_vote_to_all_final_ms']} ms",
                  f"  peak RSS: {rss}", f"  CPU over the voting phase: {cpu}"]
        if f.get("broadcast_delivery_ms"):
            d = f["broadcast_delivery_ms"]
            lines.append(f"  one broadcast to every client: median {d['median']} ms, p90 {d['p90']} ms, "
                         f"{d['min']} to {d['max']} ms over {d['broadcasts']} broadcasts")
    busy = [f"{name}/{proc}" for name in ("facettes", "bare") if name in result
            for proc, v in result[name]["client_processes"].items() if v["busiest_second_core_share"] >= 0.9]
    if busy:
        lines.append(f"warning: client process(es) {', '.join(busy)} used a whole core in their busiest second: "
                     "the latencies include the clients' own delay; try --client-processes 3")
    for name, m in result.get("median_of_runs", {}).items():
        if result["parameters"]["repeat"] > 1:
            lines.append(f"{name}, medians of {result['parameters']['repeat']} runs: ack p50 {m['ack_p50']} ms, "
                         f"p95 {m['ack_p95']} ms, p99 {m['ack_p99']} ms; last vote -> all final {m['convergence']} ms"
                         + ("" if m["every_run_complete"] else "; NOT every vote acknowledged and stored in every run"))
    if "ratio_facettes_to_bare" in result:
        r = result["ratio_facettes_to_bare"]
        lines.append(f"ratio Facettes / bare ({r['of']}): p95 {r['ack_p95']}, convergence {r['convergence']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--window", type=float, default=10.0, help="seconds within which every vote is sent")
    parser.add_argument("--mode", choices=["gevent", "threading"], default="gevent")
    parser.add_argument("--workers", type=int, default=1, help="Facettes server processes (2: through Redis)")
    parser.add_argument("--database-url", help="PostgreSQL database to drop, build and drop (default: SQLite)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--client-processes", type=int, default=2, help="processes the clients are spread over")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare server's run")
    parser.add_argument("--bare-only", action="store_true", help="only the bare server (checks the clients' cost)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each server, alternated; medians reported")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client-role", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--secret", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    parser.add_argument("--channel", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    if args.client_role:
        client_role(args.client_role)
        return
    if args.repeat < 1 or args.voters < 1:
        parser.error("--repeat and --voters must be positive")
    result = run(args)
    print(json.dumps(result, indent=2))
    print(summary(result))
    write_json(args.json, result)


if __name__ == "__main__":
    main()
