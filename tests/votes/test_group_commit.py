"""Votes that arrive together share one commit, and each keeps its own outcome.

The writer's group is run here directly, in the test's transaction: the real-server tests
(tests/votes/test_live.py, tests/live) run the same code through its background writer.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import LanguageAccept

from app.extensions import db
from app.live.group_commit import GroupCommitter, _Pending
from app.members.models import MemberStatus
from app.votes import audit
from app.votes import events as vote_events
from app.votes.models import Participation, StoredVote
from tests.votes.conftest import new_key

ENGLISH = LanguageAccept([("en", 1)])


def pending(member, payload, *extra) -> _Pending:
    return _Pending(member.id if member else None, None, ENGLISH, (payload, *extra))


def stored(ballot_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(StoredVote).where(StoredVote.ballot_id == ballot_id))


def test_a_group_commits_its_valid_votes_once_and_refuses_the_others_with_their_reason(
        open_ballot, voters, make_member):
    ballot = open_ballot(method="yes_no", secrecy="secret", visibility="live")
    ballot_id = ballot.id
    outsider = make_member(MemberStatus.ES, since=date(2024, 1, 1))  # joined after the electorate was fixed
    first, second, malformed, third = voters[0], voters[1], voters[2], voters[3]
    key = new_key()
    group = [
        pending(first, {"ballot": ballot_id, "choice": {"choice": "for"}, "key": key}),
        pending(outsider, {"ballot": ballot_id, "choice": {"choice": "for"}, "key": new_key()}),
        pending(malformed, {"ballot": ballot_id, "choice": {"choice": "maybe"}, "key": new_key()}),
        pending(first, {"ballot": ballot_id, "choice": {"choice": "for"}, "key": key}),  # sent twice
        pending(None, {"ballot": ballot_id, "choice": {"choice": "for"}, "key": new_key()}),
        pending(second, {"ballot": ballot_id, "choice": {"choice": "against"}, "key": new_key()}, "extra"),
        pending(third, {"ballot": ballot_id, "choice": {"choice": "against"}, "key": new_key()}),
    ]
    db.session.commit()

    GroupCommitter("vote", vote_events.vote)._run_group(group)

    acks = [p.ack for p in group]
    assert acks[0]["ok"] and not acks[0]["repeated"]
    assert acks[1] == {"ok": False, "error": {"code": "forbidden", "message": acks[1]["error"]["message"]}}
    assert "electorate" in acks[1]["error"]["message"]  # in the member's language (English here)
    assert acks[2]["error"]["code"] == "invalid_input" and "choice" in acks[2]["error"]["fields"]
    assert acks[3]["ok"] and acks[3]["repeated"] and acks[3]["receipt"] == acks[0]["receipt"]
    assert acks[4]["error"]["code"] == "forbidden" and "sign in" in acks[4]["error"]["message"]
    assert acks[5]["error"]["code"] == "invalid_input"
    assert acks[6]["ok"]
    # Two votes, one participation each, and an audit chain that still verifies.
    assert stored(ballot_id) == 2
    assert db.session.scalar(select(func.count()).select_from(Participation)
                             .where(Participation.ballot_id == ballot_id)) == 2
    checked, problems = audit.verify([ballot_id])
    assert problems == [] and checked >= 3


def test_when_the_groups_commit_fails_no_vote_of_it_is_acknowledged(open_ballot, voters, monkeypatch):
    ballot = open_ballot(method="yes_no", secrecy="secret", visibility="live")
    ballot_id = ballot.id
    db.session.commit()
    group = [pending(voter, {"ballot": ballot_id, "choice": {"choice": "for"}, "key": new_key()})
             for voter in voters[:3]]
    group.append(pending(voters[3], {"ballot": ballot_id, "choice": {"choice": "perhaps"}, "key": new_key()}))

    def disk_full():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", disk_full)
    with pytest.raises(OperationalError):
        GroupCommitter("vote", vote_events.vote)._run_group(group)

    # The votes were run, then lost with the commit: none may be answered "ok".
    assert [p.ack for p in group[:3]] == [None, None, None]
    assert group[3].ack["error"]["code"] == "invalid_input"  # a refusal stays true
    monkeypatch.undo()
    assert stored(ballot_id) == 0


def test_a_ballot_locked_in_the_transaction_is_not_read_again_until_a_rollback(open_ballot):
    from sqlalchemy import event

    from app.votes import services

    ballot_id = open_ballot(method="yes_no").id
    db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        ballot = services.get_ballot(ballot_id, lock=True)  # held, as a vote holds it
        with db.session.begin_nested():  # a grouped vote's savepoint, released
            assert services.get_ballot(ballot_id, lock=True) is ballot
        assert sum("FROM ballots" in s for s in statements) == 1, statements
        nested = db.session.begin_nested()
        nested.rollback()  # a refused vote: whatever it locked is released with its savepoint
        services.get_ballot(ballot_id, lock=True)
        assert sum("FROM ballots" in s for s in statements) == 2
    finally:
        event.remove(connection, "before_cursor_execute", count)
