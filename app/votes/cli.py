"""`flask votes` commands: verify the audit chain, close the ballots whose window has ended.

Commands run outside any request, so each commits at its own boundary; the closing
events then reach the live rooms (through Redis when several processes share them).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.votes import audit, services
from app.votes.models import Ballot, BallotState

votes_cli = AppGroup("votes", help="Ballots: audit verification and scheduled closing.")


def register(app: Flask) -> None:
    app.cli.add_command(votes_cli)


@votes_cli.command("verify-audit")
@click.option("--ballot", "ballot_ids", type=int, multiple=True, help="Only this ballot (repeatable).")
def verify_audit_command(ballot_ids: tuple[int, ...]) -> None:
    """Recompute every ballot's hash chain and stored result; exit 1 on any tampering."""
    checked, problems = audit.verify(list(ballot_ids) or None)
    for problem in problems:
        if problem.seq is None:
            click.echo(_("Ballot %(ballot)d: %(message)s", ballot=problem.ballot_id, message=problem.message), err=True)
        else:
            click.echo(_("Ballot %(ballot)d, entry %(seq)d: %(message)s", ballot=problem.ballot_id,
                         seq=problem.seq, message=problem.message), err=True)
    query = select(Ballot).where(Ballot.state.in_([BallotState.CLOSED, BallotState.PUBLISHED])).order_by(Ballot.id)
    if ballot_ids:
        query = query.where(Ballot.id.in_(ballot_ids))
    results, altered = 0, 0
    for ballot in db.session.scalars(query):
        results += 1
        if not services.verify_result(ballot):
            altered += 1
            click.echo(_("Ballot %(ballot)d: the stored result no longer matches its ballot box or its fingerprint.",
                         ballot=ballot.id), err=True)
    db.session.rollback()  # read only
    if problems or altered:
        click.echo(_("%(n)d problem(s) found.", n=len(problems) + altered), err=True)
        raise SystemExit(1)
    click.echo(_("OK: %(n)d entries verified", n=checked))
    click.echo(_("%(n)d stored results re-tallied identically from their ballot box.", n=results))


@votes_cli.command("close-due")
def close_due_command() -> None:
    """Close every open ballot whose closing time has passed, and store its result (run it every minute)."""
    closed = services.close_due_ballots()
    summary = [(ballot.id, ballot.title, services.stored_result(ballot)["sentence"]) for ballot in closed]
    db.session.commit()
    if not summary:
        click.echo(_("No ballot to close."))
    for ballot_id, title, sentence in summary:
        click.echo(_("Closed ballot %(id)d «%(title)s»: %(sentence)s", id=ballot_id, title=title, sentence=sentence))
