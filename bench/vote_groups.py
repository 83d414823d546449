"""The vote's own cost on the server: CPU time and SQL statements per vote, by group size.

Not a test: run it by hand (see bench/README.md), or through bench/run_all.py.

N members (1,000 by default) vote once each on an open seminar ballot (for/against,
secret, tally visible live), through the very code the websocket uses under load: the
`vote` event's handler run by the group committer (app/live/group_commit.py), in groups
of 1, 3 and 20 votes sharing one commit (at 100 votes a second, most groups hold one to
three votes). No sockets, no network: what is measured is what one vote adds to a
server, in process CPU time, which another process on the machine disturbs far less than
latencies. A fresh database for each group size (SQLite in a temporary folder, or the
PostgreSQL database given by --database-url, dropped and created again).

    .venv/bin/python bench/vote_groups.py [--voters 1000] [--groups 1 3 20] [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import collections
import os
import secrets
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from common import backend, drop_database, prepare_database, voters_and_open_ballot, write_json  # noqa: E402


def measure(database_url: str, voters: int, group_size: int) -> dict:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.live.group_commit import GroupCommitter, _Pending
    from app.votes import audit, services
    from app.votes import events as vote_events

    prepare_database(database_url)
    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=secrets.token_hex(16),
                     DEBUG=False, RATELIMIT_ENABLED=False)
    try:
        with app.app_context():
            upgrade()
            people, ballot = voters_and_open_ballot(voters, "Bench: vote groups")
            ballot_id, ids = ballot.id, [member.id for member in people]
            db.session.remove()

        statements: collections.Counter = collections.Counter()

        def count(conn, cursor, statement, *args):
            statements[statement.split(None, 1)[0].upper()] += 1

        # The committer the `vote` event registers (app/votes/events.py), called as its writer does.
        committer = GroupCommitter("vote", vote_events.vote, services.deferred_votes)
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count)
        cpu, wall = time.process_time(), time.perf_counter()
        refused = 0
        for start in range(0, voters, group_size):
            group = [_Pending(member_id, "fr", None, ({"ballot": ballot_id, "choice": {"choice": "for"},
                                                       "key": secrets.token_urlsafe(16)},))
                     for member_id in ids[start:start + group_size]]
            with app.app_context():
                committer._run_group(group)
            refused += sum(1 for pending in group if not pending.ack["ok"])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", count)
            checked, problems = audit.verify([ballot_id])
            stored = services.turnout(services.get_ballot(ballot_id)).voted
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(database_url)
    return {"group_size": group_size, "votes": voters, "refused": refused, "stored": stored,
            "audit_entries_verified": checked, "audit_problems": len(problems),
            "cpu_ms_per_vote": round(1000 * cpu / voters, 3), "wall_ms_per_vote": round(1000 * wall / voters, 3),
            "statements_per_vote": round(sum(statements.values()) / voters, 2), "statements": dict(statements)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--groups", type=int, nargs="+", default=[1, 3, 20], help="votes per commit")
    parser.add_argument("--database-url", help="PostgreSQL database to drop, build and drop (default: SQLite)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if any(size < 1 for size in args.groups) or args.voters < 1:
        parser.error("--voters and --groups must be positive")
    workdir = tempfile.mkdtemp(prefix="facettes-bench-")
    os.environ["FACETTES_INSTANCE_DIR"] = workdir
    runs = []
    for size in args.groups:
        url = args.database_url or f"sqlite:///{os.path.join(workdir, f'groups{size}.sqlite')}"
        figures = measure(url, args.voters, size)
        runs.append(figures)
        print(f"groups of {size:>3}: {figures['cpu_ms_per_vote']:.2f} ms CPU per vote "
              f"({figures['wall_ms_per_vote']:.2f} ms wall), {figures['statements_per_vote']} statements per vote; "
              f"stored {figures['stored']}/{figures['votes']}, refused {figures['refused']}, "
              f"audit chain {'verifies' if not figures['audit_problems'] else 'BROKEN'}", flush=True)
    write_json(args.json, {"parameters": {"voters": args.voters, "groups": args.groups,
                                          "database": backend(args.database_url) if args.database_url else "sqlite"},
                           "runs": runs})


if __name__ == "__main__":
    main()
