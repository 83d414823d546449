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
from app.votes import audit, services
from app.votes import events as vote_events
from app.votes.models import Participation, StoredVote
from tests.votes.conftest import new_key

ENGLISH = LanguageAccept([("en", 1)])


def pending(member, payload, *extra) -> _Pending:
    return _Pending(member.id if member else None, None, ENGLISH, (payload, *extra))


def stored(ballot_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(StoredVote).where(StoredVote.ballot_id == ballot_id))


# Without a scope, each event in its savepoint; with the votes' scope (as registered for the
# `vote` event), checked one by one and written together: the outcomes must be the same.
SCOPES = pytest.mark.parametrize("scope", [None, services.deferred_votes], ids=["savepoints", "deferred_votes"])


def committer(scope) -> GroupCommitter:
    return GroupCommitter("vote", vote_events.vote, scope)


@SCOPES
def test_a_group_commits_its_valid_votes_once_and_refuses_the_others_with_their_reason(
        open_ballot, voters, make_member, scope):
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

    committer(scope)._run_group(group)

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


@SCOPES
def test_when_the_groups_commit_fails_no_vote_of_it_is_acknowledged(open_ballot, voters, monkeypatch, scope):
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
        committer(scope)._run_group(group)

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


def test_a_group_of_votes_is_written_with_one_insert_per_table_and_one_update_of_the_chain_head(open_ballot, voters):
    from sqlalchemy import event

    ballot_id = open_ballot(method="yes_no", secrecy="secret", visibility="live").id
    db.session.commit()
    group = [pending(voter, {"ballot": ballot_id, "choice": {"choice": "for"}, "key": new_key()}) for voter in voters]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement.split(None, 3)[:3])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        committer(services.deferred_votes)._run_group(group)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert all(p.ack["ok"] for p in group)
    inserts = [s[2] for s in statements if s[0] == "INSERT"]
    assert sorted(inserts) == ["ballot_audit", "ballot_participations", "ballot_votes"]
    assert [s for s in statements if s[0] == "UPDATE"] == [["UPDATE", "ballots", "SET"]]
    # No savepoint per vote (the test's own transaction turns the commit into one RELEASE).
    assert not [s for s in statements if s[0] == "SAVEPOINT"]
    assert stored(ballot_id) == len(voters)
    checked, problems = audit.verify([ballot_id])
    assert problems == [] and checked == 1 + len(voters)


@SCOPES
def test_a_second_vote_of_the_same_group_sees_the_first(open_ballot, voters, scope):
    changeable = open_ballot(method="yes_no", secrecy="named", changeable=True, visibility="live")
    fixed = open_ballot(method="yes_no", secrecy="named", visibility="live")
    changeable_id, fixed_id = changeable.id, fixed.id
    db.session.commit()
    first, second = new_key(), new_key()
    group = [
        pending(voters[0], {"ballot": changeable_id, "choice": {"choice": "for"}, "key": first}),
        pending(voters[0], {"ballot": changeable_id, "choice": {"choice": "against"}, "key": second}),
        pending(voters[0], {"ballot": changeable_id, "choice": {"choice": "against"}, "key": second}),
        pending(voters[1], {"ballot": fixed_id, "choice": {"choice": "for"}, "key": new_key()}),
        pending(voters[1], {"ballot": fixed_id, "choice": {"choice": "against"}, "key": new_key()}),
    ]

    committer(scope)._run_group(group)

    acks = [p.ack for p in group]
    assert acks[0]["ok"] and not acks[0]["replaced"]
    assert acks[1]["ok"] and acks[1]["replaced"] and acks[1]["receipt"] == acks[0]["receipt"]
    assert acks[2]["ok"] and acks[2]["repeated"]
    assert acks[3]["ok"]
    assert acks[4]["error"]["code"] == "conflict"  # this ballot does not allow changes
    assert services.stored_contents(db.session.get(services.Ballot, changeable_id)) == [{"choice": "against"}]
    assert services.stored_contents(db.session.get(services.Ballot, fixed_id)) == [{"choice": "for"}]
    events = [e.event for e in db.session.scalars(select(audit.AuditEntry).where(
        audit.AuditEntry.ballot_id == changeable_id).order_by(audit.AuditEntry.seq))]
    assert events == ["opened", "vote_recorded", "vote_changed"]
    checked, problems = audit.verify([changeable_id, fixed_id])
    assert problems == [] and checked == 5


def test_a_vote_changed_in_a_group_after_an_earlier_commit_keeps_one_vote(open_ballot, voters):
    ballot_id = open_ballot(method="yes_no", secrecy="named", changeable=True, visibility="live").id
    voter_id = voters[0].id
    db.session.commit()
    committer(services.deferred_votes)._run_group(
        [_Pending(voter_id, None, ENGLISH, ({"ballot": ballot_id, "choice": {"choice": "for"}, "key": new_key()},))])
    group = [_Pending(voter_id, None, ENGLISH, ({"ballot": ballot_id, "choice": {"choice": choice}, "key": new_key()},))
             for choice in ("against", "abstain")]

    committer(services.deferred_votes)._run_group(group)

    assert [p.ack["replaced"] for p in group] == [True, True]
    assert services.stored_contents(db.session.get(services.Ballot, ballot_id)) == [{"choice": "abstain"}]
    assert db.session.scalar(select(func.count()).select_from(Participation)
                             .where(Participation.ballot_id == ballot_id)) == 1
    assert audit.verify([ballot_id])[1] == []


def test_an_unexpected_failure_in_a_deferred_group_runs_it_again_one_vote_at_a_time(
        open_ballot, voters, monkeypatch):
    ballot_id = open_ballot(method="yes_no", secrecy="secret", visibility="live").id
    db.session.commit()
    unlucky = voters[2].id
    real_vote = vote_events.vote

    def vote_with_a_bug(member, data):
        receipt = real_vote(member, data)
        if member.id == unlucky:
            raise RuntimeError("a bug after the vote was queued")
        return receipt

    group = [pending(voter, {"ballot": ballot_id, "choice": {"choice": "for"}, "key": new_key()}) for voter in voters]
    GroupCommitter("vote", vote_with_a_bug, services.deferred_votes)._run_group(group)

    acks = [p.ack for p in group]
    assert acks[2]["error"]["code"] == "internal_error"
    assert all(ack["ok"] for i, ack in enumerate(acks) if i != 2)
    # The unlucky vote was undone with its savepoint when the group ran again: four votes, no trace of it.
    assert stored(ballot_id) == len(voters) - 1
    assert db.session.scalar(select(func.count()).select_from(Participation)
                             .where(Participation.ballot_id == ballot_id)) == len(voters) - 1
    checked, problems = audit.verify([ballot_id])
    assert problems == [] and checked == len(voters)
