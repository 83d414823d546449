"""Median server time of a large proposal page: 300 comments, 20 amendments, 10 revisions.

Run by hand (not part of the test suite), from the repository root:

    .venv/bin/python bench/proposal_page.py                      # SQLite, in a temporary file
    .venv/bin/python bench/proposal_page.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/facettes_bench

The database given is emptied, migrated, filled, and (for PostgreSQL) dropped at the end.
The time measured is the whole request through the Flask test client (routing, session,
queries, template), without the network. The figure goes to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FACETTES_CONFIG", "testing")

from common import backend, drop_database, prepare_database  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

PASSWORD = "correct horse battery"


def fill(comments: int, amendments: int, revisions: int, people: list | None = None) -> tuple[int, str]:
    """The proposal, through the services; `people` (bench/pages.py) are its 30 members if given."""
    from datetime import date

    from app.deliberation import services
    from app.governance.services import matter_by_code
    from app.members import services as members
    from app.timeutil import utcnow

    if people is None:
        people = []
        password_hash = members.hash_password(PASSWORD)
        for index in range(30):
            member = members.create_member(email=f"membre{index}@bench.example", full_name=f"Membre {index}",
                                           status="es", status_since=date(2024, 1, 1))
            member.password_hash = password_hash
            member.activated_at = utcnow()
            people.append(member)
    author = people[0]
    body = "\n\n".join(f"Paragraphe {n} : la coopérative mutualise ses bureaux et ses outils." for n in range(20))
    proposal = services.create_proposal(author, title="Des bureaux partagés", body=body,
                                        matter_id=matter_by_code("everyday").id)
    services.open_for_debate(proposal, author)
    for number in range(2, revisions + 1):
        services.edit_proposal(proposal, author, base_revision=number - 1, title=proposal.title, summary="",
                               body=body + f"\n\nAjout de la révision {number}.")
    stances = ("for", "against", "question", "neutral")
    tops = []
    for index in range(comments):
        parent = tops[index % len(tops)].id if tops and index % 3 == 2 else None
        comment = services.add_comment(proposal, people[index % len(people)],
                                       f"Argument **{index}** : il faut [voir](https://example.org) le coût réel "
                                       "des locaux et leur usage partagé au quotidien.",
                                       stances[index % 4], parent_id=parent)
        if parent is None:
            tops.append(comment)
    for index in range(amendments):
        services.propose_amendment(proposal, people[index % len(people)], body + f"\n\nAmendement {index}.")
    for index, member in enumerate(people):
        services.give_sense_check(proposal, member, ("agree", "reservation", "disagree")[index % 3])
    db.session.commit()
    return proposal.id, people[-1].email


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--amendments", type=int, default=20)
    parser.add_argument("--revisions", type=int, default=10)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite"
    prepare_database(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    try:
        with app.app_context():
            upgrade()
            proposal_id, email = fill(args.comments, args.amendments, args.revisions)
        client = app.test_client()
        response = client.post("/connexion", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        timings = []
        for _ in range(args.runs + 3):
            start = time.perf_counter()
            response = client.get(f"/propositions/{proposal_id}")
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        timings = sorted(timings[3:])  # the first requests warm the template and statement caches
        print(f"database: {backend(url)}")
        print(f"page: {args.comments} comments, {args.amendments} amendments, {args.revisions} revisions, "
              f"{len(response.data) // 1024} KiB of HTML")
        print(f"runs: {args.runs}; median {statistics.median(timings) * 1000:.1f} ms; "
              f"p90 {timings[int(len(timings) * 0.9) - 1] * 1000:.1f} ms; min {timings[0] * 1000:.1f} ms")
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_database(url)
        tmp.cleanup()


if __name__ == "__main__":
    main()
