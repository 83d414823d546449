"""One vote per elector under concurrency, on PostgreSQL with real commits.

120 attempts (60 electors, each voting twice with different submission keys, plus 60
retries of a first submission) start together from 180 threads through a pool of 50
connections: exactly one vote per elector must remain, and every retry gets its receipt.
"""

from __future__ import annotations

import secrets
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.errors import Conflict
from app.extensions import db
from app.governance import services as governance
from app.members import services as members
from app.votes import audit, services
from app.votes.models import Participation, StoredVote
from tests.conftest import DATABASE_URL, _drop_database, _reset_database

pytestmark = [pytest.mark.no_db_transaction, pytest.mark.postgres_only]
ELECTORS = 60


@pytest.fixture
def committed_app():
    if sa.engine.make_url(DATABASE_URL).get_backend_name() != "postgresql":
        pytest.skip("concurrency is shown on PostgreSQL (SQLite serialises every writer)")
    url = sa.engine.make_url(DATABASE_URL)
    url = url.set(database=f"{url.database}_concurrency").render_as_string(hide_password=False)
    _reset_database(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url,
                     SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 50, "max_overflow": 0, "pool_timeout": 60})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    _drop_database(url)


def test_simultaneous_double_votes_leave_exactly_one_vote_each(committed_app):
    app = committed_app
    with app.app_context():
        electors = [members.create_member(email=f"v{i}@example.org", full_name=f"V {i}", status="es",
                                          status_since=date(2024, 1, 1)).id for i in range(ELECTORS)]
        ballot = services.create_ballot(title="Concurrence", level=governance.level_by_code("seminar"))
        services.open_ballot(ballot)
        ballot_id = ballot.id
        db.session.commit()

    first_keys = {member_id: secrets.token_urlsafe(16) for member_id in electors}
    attempts = []
    for member_id in electors:
        attempts.append((member_id, first_keys[member_id], "for"))
        attempts.append((member_id, secrets.token_urlsafe(16), "against"))  # a second, different vote
        attempts.append((member_id, first_keys[member_id], "for"))  # the same submission retried
    barrier = threading.Barrier(len(attempts))
    outcomes: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def attempt(member_id: int, key: str, choice: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                member = members.get_member(member_id)
                receipt = services.cast_vote(services.get_ballot(ballot_id), member, {"choice": choice}, key)
                db.session.commit()
                result = ("ok", receipt.code)
            except Conflict:
                db.session.rollback()
                result = ("conflict", "")
            finally:
                db.session.remove()
            with lock:
                outcomes.append((member_id, *result))

    threads = [threading.Thread(target=attempt, args=a) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == len(attempts), "some attempts did not finish"

    with app.app_context():
        ballot = services.get_ballot(ballot_id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Participation)) == ELECTORS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredVote)) == ELECTORS
        # Whatever won the race, each elector's accepted submissions all carry one receipt.
        for member_id in electors:
            codes = {code for m, status, code in outcomes if m == member_id and status == "ok"}
            assert len(codes) == 1
        checked, problems = audit.verify([ballot_id])
        assert problems == [] and checked == ELECTORS + 1
        assert services.turnout(ballot).voted == ELECTORS
