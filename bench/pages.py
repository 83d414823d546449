"""Median server time and SQL query count of three large pages, and of the same pages small.

Run by hand (not part of the test suite), from the repository root:

    .venv/bin/python bench/pages.py                       # SQLite, in a temporary file
    .venv/bin/python bench/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/facettes_bench

Pages, viewed by a signed-in member through the Flask test client (routing, session,
queries, template; no network), on a throwaway database filled through the services:

- a proposal (`/propositions/<id>`): 300 comments, 20 amendments, 10 revisions (the builder
  of bench/proposal_page.py), against one with 3 comments, 1 amendment, 1 revision;
- the decision register (`/registre`): 2,000 decisions against 20 (the page lists the
  latest 500 of them);
- the member directory (`/membres`): 500 members against 20.

The small variant is measured first, then the data is grown to the large one in the same
database and the pages are measured again: the query count of a page must not grow with
its data. Each figure is the median of --runs requests after 3 warm-up requests (wall time,
and the CPU time of the process, which a busy machine disturbs less); the SQL statements
are counted with a `before_cursor_execute` listener.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
os.environ.setdefault("FACETTES_CONFIG", "testing")

import sqlalchemy as sa  # noqa: E402
from common import backend, drop_database, percentile, prepare_database, write_json  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from proposal_page import PASSWORD, fill  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402


class Members:
    """Members made as the administrator would; every one may sign in with PASSWORD."""

    def __init__(self):
        from app.members import services

        self.services = services
        self.password_hash = services.hash_password(PASSWORD)  # Argon2 once, not 500 times
        self.count = 0

    def make(self, number: int, status: str = "es") -> list:
        from app.timeutil import utcnow

        made = []
        for _ in range(number):
            self.count += 1
            shares = 1 if status in ("esa", "associate") else 0
            member = self.services.create_member(email=f"membre{self.count}@bench.example",
                                                 full_name=f"Membre {self.count:04d}", status=status,
                                                 status_since=date(2024, 1, 1), shares=shares)
            member.password_hash = self.password_hash
            member.activated_at = utcnow()
            made.append(member)
        db.session.flush()
        return made


def decide(authors: list, count: int, start: int) -> None:
    """`count` proposals put on a seminar's agenda and decided there, each through the services."""
    from app.deliberation import services
    from app.governance.services import matter_by_code

    matter = matter_by_code("organisation").id
    first_day = date(2024, 1, 1)
    for index in range(start, start + count):
        author = authors[index % len(authors)]
        proposal = services.create_proposal(
            author, title=f"Décision {index} : organisation des bureaux", matter_id=matter,
            body=f"La coopérative décide, pour la {index}e fois, de la façon de partager ses bureaux.")
        services.open_for_debate(proposal, author)
        services.schedule_for_meeting(proposal, author, f"Séminaire {index}")
        services.record_decision(proposal, "adopted" if index % 4 else "rejected", f"meeting:{index}",
                                 first_day + timedelta(days=index % 700))
        if index % 200 == 199:
            db.session.commit()  # keep the session small while filling
    db.session.commit()


def measure(app, client, url: str, runs: int) -> dict:
    """Median server time and SQL statements of GET url (the count of the last run, all runs equal)."""
    counts: list[int] = []
    current = [0]

    def count(*args, **kwargs):
        current[0] += 1

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        timings, cpu = [], []
        for _ in range(runs + 3):
            current[0] = 0
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            assert response.status_code == 200, (url, response.status_code)
            counts.append(current[0])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    timings, cpu = timings[3:], cpu[3:]  # the first requests warm the template and statement caches
    # The CPU time of this process (server and test client) barely moves with the machine's load; the
    # wall time does: both are given.
    return {"url": url, "median_ms": round(statistics.median(timings) * 1000, 1),
            "cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
            "p90_ms": round(percentile(timings, 0.9) * 1000, 1), "min_ms": round(min(timings) * 1000, 1),
            "queries": counts[-1], "queries_range": [min(counts[3:]), max(counts[3:])],
            "html_kib": len(response.data) // 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--small", type=int, default=20, help="decisions and members of the small variant")
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite"
    prepare_database(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    figures = {"parameters": {"database": backend(url), "runs": args.runs, "small": args.small,
                              "decisions": args.decisions, "members": args.members, "comments": args.comments,
                              "load_average_before": os.getloadavg()}}
    try:
        started = time.perf_counter()
        with app.app_context():
            upgrade()
            members = Members()
            # 30 members take part in both proposals; the small directory counts args.small of them.
            people = members.make(min(30, args.small))
            small_proposal, viewer = fill(3, 1, 1, people=people)
            decide(people, args.small, 0)
        print(f"small variant built in {time.perf_counter() - started:.1f} s", flush=True)
        client = app.test_client()
        response = client.post("/connexion", data={"email": viewer, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        small = {"proposal": measure(app, client, f"/propositions/{small_proposal}", args.runs),
                 "register": measure(app, client, "/registre", args.runs),
                 "directory": measure(app, client, "/membres", args.runs)}
        small["proposal"]["size"] = "3 comments, 1 amendment, 1 revision"
        small["register"]["size"] = f"{args.small} decisions"
        small["directory"]["size"] = f"{len(people)} members"

        started = time.perf_counter()
        with app.app_context():
            from app.members.models import Member

            people = list(db.session.scalars(sa.select(Member).order_by(Member.id)))
            people += members.make(max(0, args.members - len(people)))
            large_proposal, _ = fill(args.comments, 20, 10, people=people[:30])
            decide(people[:30], args.decisions - args.small, args.small)
            total = db.session.scalar(sa.select(sa.func.count()).select_from(Member))
        print(f"large variant built in {time.perf_counter() - started:.1f} s", flush=True)
        large = {"proposal": measure(app, client, f"/propositions/{large_proposal}", args.runs),
                 "register": measure(app, client, "/registre", args.runs),
                 "directory": measure(app, client, "/membres", args.runs)}
        large["proposal"]["size"] = f"{args.comments} comments, 20 amendments, 10 revisions"
        large["register"]["size"] = f"{args.decisions} decisions (a page lists 100)"
        large["directory"]["size"] = f"{total} members (a page lists 100)"
        figures |= {"small": small, "large": large,
                    "queries_grow_with_data": {page: large[page]["queries"] > small[page]["queries"]
                                               for page in large}}
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_database(url)
        tmp.cleanup()

    figures["parameters"]["load_average_after"] = os.getloadavg()
    print(f"database: {backend(url)}; median of {args.runs} requests after 3 warm-up requests; load average "
          f"{figures['parameters']['load_average_before'][0]:.2f} before, "
          f"{figures['parameters']['load_average_after'][0]:.2f} after ({os.cpu_count()} CPUs)")
    print(f"  {'page':<13} {'size':<46} {'median':>9} {'p90':>9} {'CPU':>9} {'queries':>8}")
    for variant in (figures["small"], figures["large"]):
        for page, f in variant.items():
            print(f"  {page:<13} {f['size']:<46} {f['median_ms']:>6.1f} ms {f['p90_ms']:>6.1f} ms "
                  f"{f['cpu_median_ms']:>6.1f} ms {f['queries']:>8}")
    grown = [page for page, grows in figures["queries_grow_with_data"].items() if grows]
    print("query counts that grow with the data: " + (", ".join(grown) if grown else "none"))
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
