"""`flask votes verify-audit` and `flask votes close-due`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.timeutil import utcnow
from app.votes import services
from app.votes.models import AuditEntry, Ballot
from tests.votes.conftest import new_key
from tests.votes.test_ballots import _without_append_only_guard


@pytest.fixture
def runner(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")  # read the English source strings
    return app.test_cli_runner()


def test_verify_audit_says_ok_with_the_number_of_entries(runner, open_ballot, voters):
    ballot = open_ballot()
    for voter in voters[:2]:
        services.cast_vote(ballot, voter, {"choice": "for"}, new_key())
    services.close_ballot(ballot)
    result = runner.invoke(args=["votes", "verify-audit"])
    assert result.exit_code == 0, result.output
    assert "OK: 4 entries verified" in result.output  # opened, 2 votes, closed
    assert "1 stored results re-tallied identically" in result.output


def test_verify_audit_reports_every_tampered_row_and_exits_1(runner, open_ballot, voters):
    first, second = open_ballot(), open_ballot(title="Deuxième")
    for ballot in (first, second):
        services.cast_vote(ballot, voters[0], {"choice": "for"}, new_key())
        services.close_ballot(ballot)
    rows = {(e.ballot_id, e.seq): e.id for e in db.session.scalars(select(AuditEntry))}

    def tamper():
        for key in ((first.id, 2), (second.id, 3)):
            db.session.execute(text("UPDATE ballot_audit SET payload = '{}' WHERE id = :id"), {"id": rows[key]})
        db.session.execute(text("UPDATE ballot_votes SET content = :c WHERE ballot_id = :b"),
                           {"c": '{"choice":"against"}', "b": second.id})

    _without_append_only_guard(tamper)
    db.session.expire_all()
    result = runner.invoke(args=["votes", "verify-audit"])
    assert result.exit_code == 1
    assert f"Ballot {first.id}, entry 2: content altered (hash mismatch)" in result.output
    assert f"Ballot {second.id}, entry 3: content altered (hash mismatch)" in result.output
    assert f"Ballot {second.id}: the stored result no longer matches its ballot box" in result.output
    assert "3 problem(s) found." in result.output and "OK:" not in result.output


def test_close_due_closes_only_ballots_whose_window_ended(runner, seminar, voters):
    due = services.open_ballot(services.create_ballot(title="Échue", level=seminar,
                                                      closes_at=utcnow() + timedelta(minutes=5)))
    later = services.open_ballot(services.create_ballot(title="Plus tard", level=seminar,
                                                        closes_at=utcnow() + timedelta(days=1)))
    services.cast_vote(due, voters[0], {"choice": "for"}, new_key())
    result = runner.invoke(args=["votes", "close-due"])
    assert result.output.strip() == "No ballot to close."
    due.opens_at, due.closes_at = utcnow() - timedelta(days=1), utcnow() - timedelta(seconds=1)
    db.session.flush()
    result = runner.invoke(args=["votes", "close-due"])
    assert result.exit_code == 0
    assert f"Closed ballot {due.id} «Échue»: Adoptée" in result.output
    assert db.session.get(Ballot, due.id).state == "closed" and db.session.get(Ballot, later.id).state == "open"
