"""The hash-chained audit log of ballot events, and its verification."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.timeutil import utcnow
from app.votes.content import canonical
from app.votes.models import AuditEntry, Ballot

GENESIS = "0" * 64


def entry_hash(ballot_id: int, seq: int, event: str, payload: str, created_at: str, prev_hash: str) -> str:
    material = canonical([ballot_id, seq, event, payload, created_at, prev_hash])
    return hashlib.sha256(material.encode()).hexdigest()


def _entry_after(ballot: Ballot, event: str, payload: dict) -> dict:
    seq = ballot.audit_seq + 1
    now = utcnow()
    created_at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the same on every database
    body = canonical(payload)
    digest = entry_hash(ballot.id, seq, event, body, created_at.isoformat(), ballot.audit_head)
    return {"ballot_id": ballot.id, "seq": seq, "event": event, "payload": body, "created_at": created_at,
            "prev_hash": ballot.audit_head, "hash": digest}


def next_entry(ballot: Ballot, event: str, payload: dict) -> dict:
    """The next entry's columns, advancing the ballot's chain head, which the next flush writes.

    The caller holds the ballot's row lock, which orders the chain, and inserts the row.
    """
    row = _entry_after(ballot, event, payload)
    ballot.audit_seq, ballot.audit_head = row["seq"], row["hash"]
    return row


def next_entry_written_by_caller(ballot: Ballot, event: str, payload: dict) -> dict:
    """The same, for a caller that writes the chain head itself (services.VoteWriter).

    The session is not told of the new head: its flush would otherwise visit the ballot
    for nothing, a third of a millisecond per group of votes. A savepoint's rollback does
    not undo it: the next vote re-reads the head under the ballot's lock after any
    rollback (services.get_ballot forgets its locks then).
    """
    row = _entry_after(ballot, event, payload)
    set_committed_value(ballot, "audit_seq", row["seq"])
    set_committed_value(ballot, "audit_head", row["hash"])
    return row


def record(ballot: Ballot, event: str, payload: dict) -> AuditEntry:
    """Append an event; the caller holds the ballot's row lock, which orders the chain."""
    entry = AuditEntry(**next_entry(ballot, event, payload))
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class Problem:
    ballot_id: int
    seq: int | None
    message: str


def verify(ballot_ids: list[int] | None = None) -> tuple[int, list[Problem]]:
    """Recompute every chain; returns (entries checked, problems found)."""
    query = select(AuditEntry).order_by(AuditEntry.ballot_id, AuditEntry.seq)
    if ballot_ids:
        query = query.where(AuditEntry.ballot_id.in_(ballot_ids))
    problems: list[Problem] = []
    checked = 0
    heads = dict(db.session.execute(select(Ballot.id, Ballot.audit_head)).all())
    current_ballot, expected_prev, expected_seq = None, GENESIS, 1
    last_hash: dict[int, str] = {}
    for entry in db.session.scalars(query):
        checked += 1
        if entry.ballot_id != current_ballot:
            current_ballot, expected_prev, expected_seq = entry.ballot_id, GENESIS, 1
        if entry.seq != expected_seq:
            problems.append(Problem(entry.ballot_id, entry.seq, f"entry {expected_seq} is missing"))
        if entry.prev_hash != expected_prev:
            problems.append(Problem(entry.ballot_id, entry.seq, "does not follow the previous entry"))
        recomputed = entry_hash(entry.ballot_id, entry.seq, entry.event, entry.payload,
                                entry.created_at.isoformat(), entry.prev_hash)
        if recomputed != entry.hash:
            problems.append(Problem(entry.ballot_id, entry.seq, "content altered (hash mismatch)"))
        expected_prev, expected_seq = entry.hash, entry.seq + 1
        last_hash[entry.ballot_id] = entry.hash
    for ballot_id, head in heads.items():
        if ballot_ids and ballot_id not in ballot_ids:
            continue
        if last_hash.get(ballot_id, GENESIS) != head:
            problems.append(Problem(ballot_id, None, "the last entries are missing (chain head differs)"))
    return checked, problems
