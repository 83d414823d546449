"""The votes engine's operations: create, open, cast, close, publish, cancel; proxies.

Every path (ballot page, API, websocket) calls these. They flush; the request or event
boundary commits, and a vote is acknowledged only after that commit.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.governance import services as governance
from app.governance.models import Level, MajorityBase, Method, Secrecy
from app.members.models import Member
from app.timeutil import local_zone, utcnow
from app.votes import audit, signals
from app.votes.content import canonical, parse_content
from app.votes.models import (
    AuditEntry,
    Ballot,
    BallotOption,
    BallotState,
    ElectorateEntry,
    Participation,
    Proxy,
    StoredVote,
    SubjectKind,
    Visibility,
)
from app.votes.tally import tally

# Session.info key: ids of the ballots whose row this transaction has locked and refreshed.
LOCKED_BALLOTS = "facettes.locked_ballots"
# Session.info key: the VoteWriter of a group commit (deferred_votes), when one is open.
DEFERRED_VOTES = "facettes.deferred_votes"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
METHODS_WITH_OPTIONS = {Method.MAJORITY_JUDGMENT, Method.SCHULZE, Method.APPROVAL, Method.SINGLE_CHOICE}


# --- creation and life cycle -------------------------------------------------------------


_READ_BALLOT = select(Ballot).where(Ballot.id == bindparam("ballot_id"))
# Orders concurrent votes on one ballot (PostgreSQL row lock; SQLite serialises writers).
# populate_existing: an object already in the session must be refreshed under the lock.
# Both built once: every vote asks.
_LOCK_BALLOT = _READ_BALLOT.with_for_update().execution_options(populate_existing=True)


def get_ballot(ballot_id: int, *, lock: bool = False) -> Ballot:
    if lock:
        locked = db.session.info.setdefault(LOCKED_BALLOTS, set())
        ballot = db.session.get(Ballot, ballot_id) if ballot_id in locked else None
        if ballot is not None:
            return ballot  # locked and refreshed earlier in this transaction: it cannot have changed
    ballot = db.session.scalar(_LOCK_BALLOT if lock else _READ_BALLOT, {"ballot_id": ballot_id})
    if ballot is None:
        raise NotFound(_("No such ballot."))
    if lock:
        db.session.info[LOCKED_BALLOTS].add(ballot.id)
    return ballot


@event.listens_for(Session, "after_transaction_end")
def _forget_locks_at_the_end(session, transaction) -> None:
    # A savepoint's release keeps the lock in the enclosing transaction (grouped votes).
    if transaction.parent is None:
        session.info.pop(LOCKED_BALLOTS, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_locks_on_rollback(session, previous_transaction) -> None:
    # Any rollback, a savepoint's included: a lock taken after a savepoint goes with it.
    session.info.pop(LOCKED_BALLOTS, None)


def create_ballot(
    *,
    title: str,
    level: Level,
    subject_kind: str = SubjectKind.QUESTION,
    subject_id: int | None = None,
    question: str = "",
    method: str | None = None,
    secrecy: str | None = None,
    visibility: str = Visibility.AFTER_CLOSE,
    changeable: bool = False,
    options: list[str] | None = None,
    seats: int = 1,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    context: str | None = None,
    majority: Fraction | None = None,
    majority_strict: bool | None = None,
    majority_base: str | None = None,
    quorum: Fraction | None | bool = False,
    created_by: Member | None = None,
) -> Ballot:
    """A draft ballot; the level gives the defaults (method, secrecy, majority, quorum)."""
    method = method or level.default_method
    secrecy = secrecy or level.default_secrecy
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title or len(title) > 300:
        errors["title"] = [_("A title of 1 to 300 characters is required.")]
    for name, value, enum_cls in (("method", method, Method), ("secrecy", secrecy, Secrecy),
                                  ("visibility", visibility, Visibility), ("subject_kind", subject_kind, SubjectKind),
                                  ("majority_base", majority_base or level.majority_base, MajorityBase)):
        if value not in {item.value for item in enum_cls}:
            errors[name] = [_("Unknown value.")]
    labels = [label.strip() for label in (options or []) if label and label.strip()]
    if method in METHODS_WITH_OPTIONS:
        if len(labels) < 2:
            errors["options"] = [_("At least two options.")]
        elif len(set(labels)) != len(labels):
            errors["options"] = [_("Two options have the same label.")]
        elif any(len(label) > 300 for label in labels):
            errors["options"] = [_("An option's label has at most 300 characters.")]
    elif labels:
        errors["options"] = [_("This method has fixed choices; give no options.")]
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1 or (labels and seats > len(labels)):
        errors["seats"] = [_("Between 1 seat and the number of options.")]
    if secrecy == Secrecy.SECRET and changeable:
        errors["changeable"] = [_("A secret vote cannot be changed: nothing may link it to its voter.")]
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = [_("The ballot must close after it opens.")]
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if value is not None and value.tzinfo is None:
            errors[name] = [_("A date with its time zone is required.")]
    majority = majority if majority is not None else level.majority
    strict = majority_strict if majority_strict is not None else level.majority_strict
    if not (0 < majority <= 1) or (strict and majority == 1):
        errors["majority"] = [_("A fraction greater than 0 and at most 1 (not «more than all»).")]
    quorum = level.quorum if quorum is False else quorum
    if quorum is not None and not (0 < quorum <= 1):
        errors["quorum"] = [_("A fraction greater than 0 and at most 1.")]
    if errors:
        raise InvalidInput(_("The ballot could not be created."), fields=errors)
    ballot = Ballot(
        title=title, question=(question or "").strip(), subject_kind=str(subject_kind), subject_id=subject_id,
        context=context, level=level, method=method, secrecy=secrecy, visibility=str(visibility),
        changeable=bool(changeable), seats=seats, majority_num=majority.numerator,
        majority_den=majority.denominator, majority_strict=strict,
        majority_base=majority_base or level.majority_base,
        quorum_num=quorum.numerator if quorum else None, quorum_den=quorum.denominator if quorum else None,
        opens_at=opens_at, closes_at=closes_at, created_by=created_by, state=BallotState.DRAFT,
    )
    ballot.options = [BallotOption(position=index, label=label) for index, label in enumerate(labels)]
    db.session.add(ballot)
    db.session.flush()
    return ballot


def _require_state(ballot: Ballot, *allowed: BallotState, action: str) -> None:
    if ballot.state not in allowed:
        raise Conflict(_("Cannot %(action)s: the ballot is %(state)s.", action=action, state=state_label(ballot.state)))


def state_label(state: str) -> str:
    return {
        "draft": _("a draft"), "open": _("open"), "closed": _("closed"),
        "published": _("published"), "cancelled": _("cancelled"),
    }[state]


def open_ballot(ballot: Ballot, *, by: Member | None = None, now: datetime | None = None,
                electorate: list[Member] | None = None) -> Ballot:
    """Open the ballot and snapshot its electorate: who may vote is fixed from now on."""
    now = now or utcnow()
    ballot = get_ballot(ballot.id, lock=True)
    _require_state(ballot, BallotState.DRAFT, action=_("open"))
    if ballot.closes_at is not None and ballot.closes_at <= now:
        raise Conflict(_("The closing date has already passed."))
    day = now.astimezone(local_zone()).date()
    # A general assembly passes its own: the associates on the convocation date.
    electors = electorate if electorate is not None else governance.electorate_on(ballot.level, day)
    if not electors:
        raise Conflict(_("Nobody may vote at this level on that date: the electorate is empty."))
    db.session.add_all(ElectorateEntry(ballot_id=ballot.id, member_id=m.id) for m in electors)
    ballot.state = BallotState.OPEN
    ballot.opened_at = now
    if ballot.opens_at is None or ballot.opens_at > now:
        ballot.opens_at = now
    audit.record(ballot, "opened", {
        "by": by.id if by else None, "electorate": sorted(m.id for m in electors), "method": ballot.method,
        "secrecy": ballot.secrecy, "majority": f"{ballot.majority_num}/{ballot.majority_den}",
        "strict": ballot.majority_strict, "base": ballot.majority_base,
        "quorum": f"{ballot.quorum_num}/{ballot.quorum_den}" if ballot.quorum_num else None,
        "options": [[o.id, o.label] for o in ballot.options],
    })
    db.session.flush()
    signals.ballot_opened.send(ballot)
    return ballot


def require_open(ballot: Ballot, now: datetime) -> None:
    if ballot.state != BallotState.OPEN:
        raise Conflict(_("This ballot is not open: it is %(state)s.", state=state_label(ballot.state)))
    if ballot.opens_at and now < ballot.opens_at:
        raise Conflict(_("Voting opens on %(date)s.", date=format_datetime(ballot.opens_at)))
    if ballot.closes_at and now >= ballot.closes_at:
        raise Conflict(_("Voting closed on %(date)s.", date=format_datetime(ballot.closes_at)))


# --- casting a vote ----------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    ballot_id: int
    code: str
    replaced: bool = False  # a named, changeable vote was changed
    repeated: bool = False  # the same submission arrived again: nothing new was stored


def _digest(label: str, ballot_id: int, elector_id: int, key: str) -> bytes:
    return hashlib.sha256(f"{label}|{ballot_id}|{elector_id}|{key}".encode()).digest()


def receipt_code(ballot_id: int, elector_id: int, key: str) -> str:
    raw = base64.b32encode(_digest("receipt", ballot_id, elector_id, key)).decode()[:15]
    return "-".join(raw[i : i + 5] for i in range(0, 15, 5))


def is_elector(ballot: Ballot, member: Member) -> bool:
    return db.session.get(ElectorateEntry, (ballot.id, member.id)) is not None


def proxy_given_by(context: str | None, grantor: Member) -> Proxy | None:
    if context is None:
        return None
    return db.session.scalar(select(Proxy).where(Proxy.context == context, Proxy.grantor_id == grantor.id))


# Built once (a statement keeps its compiled form's cache key): the writes of a group.
_INSERT_PARTICIPATIONS = insert(Participation.__table__)
_INSERT_VOTES = insert(StoredVote.__table__)
_INSERT_AUDIT_ENTRIES = insert(AuditEntry.__table__)
_UPDATE_CHAIN_HEAD = (update(Ballot.__table__).where(Ballot.__table__.c.id == bindparam("ballot_id"))
                      .values(audit_seq=bindparam("audit_seq"), audit_head=bindparam("audit_head")))


@dataclass
class _Voted:
    """An elector's vote already recorded: in the database, or queued in this writer."""

    key_digest: str
    participation_id: int | None = None
    rows: tuple[dict, dict] | None = None  # (participation, vote) queued, not yet written


class VoteWriter:
    """Checked votes not yet written: their rows, inserted together, one statement per table.

    Alone, a vote is written at once (`cast_vote`). Under load, the live votes of one group
    commit are checked one after the other, each with its own outcome, and written together
    when the group ends (`deferred_votes`): the ballot's lock is held, so no other vote can
    come between, and the audit chain is computed in the order the votes were checked.
    """

    def __init__(self) -> None:
        self.participations: list[dict] = []
        self.votes: list[dict] = []
        self.audit_entries: list[dict] = []
        self.ballots: dict[int, Ballot] = {}
        # (ballot id, elector id) -> what this writer knows of the elector's vote: a second
        # vote of the same group sees the first, as it would have seen it in the database.
        self.voted: dict[tuple[int, int], _Voted] = {}

    def write(self) -> None:
        if not self.audit_entries:
            return
        try:
            # Plain inserts, one executemany per table (the ORM's unit of work would cost more
            # than the statements), and each ballot's new chain head in one UPDATE.
            if self.participations:
                db.session.execute(_INSERT_PARTICIPATIONS, self.participations)
                db.session.execute(_INSERT_VOTES, self.votes)
            db.session.execute(_INSERT_AUDIT_ENTRIES, self.audit_entries)
            for ballot in self.ballots.values():
                db.session.execute(_UPDATE_CHAIN_HEAD, {"ballot_id": ballot.id, "audit_seq": ballot.audit_seq,
                                                        "audit_head": ballot.audit_head})
            db.session.flush()  # a changed vote (`_vote_again`) is still an ORM change
        except IntegrityError:
            # Only reachable if the row lock was not honoured: the constraint still holds, and the
            # boundary rolls the whole transaction back.
            raise Conflict(_("This vote has already been recorded.")) from None
        for ballot in self.ballots.values():
            signals.vote_recorded.send(ballot)


@contextmanager
def deferred_votes() -> Iterator[VoteWriter]:
    """Votes cast inside are checked at once and written together at the end (a group commit).

    Nothing is written if the block raises. Inside, the session does not autoflush: the
    ballot's chain head changes with every vote and is written once, with the rows.
    """
    writer = VoteWriter()
    db.session.info[DEFERRED_VOTES] = writer
    try:
        with db.session.no_autoflush:
            yield writer
    finally:
        db.session.info.pop(DEFERRED_VOTES, None)
    writer.write()


def cast_vote(
    ballot: Ballot,
    member: Member,
    choice: dict,
    key: str,
    *,
    on_behalf_of: Member | None = None,
    now: datetime | None = None,
    blank_proxy: bool = False,
) -> Receipt:
    """Record one vote, for the member or, as proxy holder, for `on_behalf_of`.

    `key` is the submission's idempotency key, chosen by the client: the same key again
    returns the same receipt and stores nothing more. Inside `deferred_votes`, the vote is
    checked now and written with the others at the end of the block.
    """
    writer = db.session.info.get(DEFERRED_VOTES)
    if writer is not None:
        return _check_and_queue(writer, ballot, member, choice, key, on_behalf_of, now, blank_proxy)
    writer = VoteWriter()
    receipt = _check_and_queue(writer, ballot, member, choice, key, on_behalf_of, now, blank_proxy)
    writer.write()
    return receipt


# Built once: the two facts every vote needs, in the electorate? already voted?
_ELECTOR_STATE = (
    select(ElectorateEntry.member_id, Participation.id.label("participation_id"), Participation.key_digest)
    .outerjoin(Participation, and_(Participation.ballot_id == ElectorateEntry.ballot_id,
                                   Participation.elector_id == ElectorateEntry.member_id))
    .where(ElectorateEntry.ballot_id == bindparam("ballot_id"), ElectorateEntry.member_id == bindparam("elector_id"))
)


def _check_and_queue(writer: VoteWriter, ballot: Ballot, member: Member, choice: dict, key: str,
                     on_behalf_of: Member | None, now: datetime | None, blank_proxy: bool) -> Receipt:
    """Every check of a vote, then its rows queued in `writer`; a refusal queues nothing."""
    now = now or utcnow()
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise InvalidInput(_("Missing or malformed submission key."),
                           fields={"key": [_("16 to 128 letters, digits, - or _.")]})
    ballot = get_ballot(ballot.id, lock=True)
    require_open(ballot, now)
    elector = on_behalf_of or member
    voted = writer.voted.get((ballot.id, elector.id))
    if voted is None:
        row = db.session.execute(_ELECTOR_STATE, {"ballot_id": ballot.id, "elector_id": elector.id}).first()
        if row is None:
            if on_behalf_of is None:
                raise Forbidden(_("You are not in this ballot's electorate (%(level)s, on the day it opened).",
                                  level=governance.level_label(ballot.level)))
            raise Forbidden(_("%(name)s is not in this ballot's electorate.", name=elector.full_name))
        if row.participation_id is not None:
            voted = _Voted(row.key_digest, participation_id=row.participation_id)
    proxy = proxy_given_by(ballot.context, elector)
    if on_behalf_of is not None:
        # blank_proxy: the chair records a proxy given without a holder's name (model statutes).
        if proxy is None or proxy.holder_id != (None if blank_proxy else member.id):
            raise Forbidden(_("%(name)s has not given you a proxy for this sitting.", name=elector.full_name))
    elif proxy is not None:
        raise Forbidden(_("You gave a proxy for this sitting: your vote is cast by its holder."))

    # The options are read only by the methods that have some (a yes/no vote needs none).
    option_ids = [o.id for o in ballot.options] if ballot.method in METHODS_WITH_OPTIONS else []
    content = canonical(parse_content(ballot.method, option_ids, ballot.seats, choice))
    key_digest = _digest("participation", ballot.id, elector.id, key).hex()
    if voted is not None:
        return _vote_again(writer, ballot, voted, elector, key, key_digest, content, now)
    code = receipt_code(ballot.id, elector.id, key)
    vote = {"ballot_id": ballot.id, "receipt": code, "content": content, "voter_id": None, "proxy_for_id": None,
            "updated_at": None}
    if not ballot.is_secret:
        vote |= {"voter_id": member.id, "proxy_for_id": on_behalf_of.id if on_behalf_of else None}
    payload = {"elector": elector.id, "cast_by": member.id}
    if not ballot.is_secret:
        payload |= {"receipt": code, "content": json.loads(content)}
    participation = {"ballot_id": ballot.id, "elector_id": elector.id, "cast_by_id": member.id,
                     "key_digest": key_digest}
    # Last, once nothing can refuse the vote: the chain head moves only for a vote that counts.
    writer.audit_entries.append(audit.next_entry_written_by_caller(ballot, "vote_recorded", payload))
    writer.participations.append(participation)
    writer.votes.append(vote)
    writer.ballots[ballot.id] = ballot
    writer.voted[(ballot.id, elector.id)] = _Voted(key_digest, rows=(participation, vote))
    return Receipt(ballot.id, code)


def _vote_again(writer: VoteWriter, ballot: Ballot, voted: _Voted, elector: Member, key: str, key_digest: str,
                content: str, now: datetime) -> Receipt:
    if voted.key_digest == key_digest:
        return Receipt(ballot.id, receipt_code(ballot.id, elector.id, key), repeated=True)
    if not ballot.changeable:
        raise Conflict(_("A vote has already been recorded for %(name)s; this ballot does not allow changes.",
                         name=elector.full_name))
    if voted.rows is not None:  # queued in this group, not yet written: change its rows
        participation, vote = voted.rows
        participation["key_digest"] = key_digest
        vote["content"], vote["updated_at"] = content, now
        receipt = vote["receipt"]
    else:
        own_vote = (StoredVote.voter_id == elector.id) & StoredVote.proxy_for_id.is_(None)
        stored = db.session.scalar(select(StoredVote).where(
            StoredVote.ballot_id == ballot.id, (StoredVote.proxy_for_id == elector.id) | own_vote))
        stored.content, stored.updated_at = content, now
        db.session.get(Participation, voted.participation_id).key_digest = key_digest
        receipt = stored.receipt
    voted.key_digest = key_digest
    writer.voted[(ballot.id, elector.id)] = voted
    writer.audit_entries.append(audit.next_entry_written_by_caller(
        ballot, "vote_changed", {"elector": elector.id, "receipt": receipt, "content": json.loads(content)}))
    writer.ballots[ballot.id] = ballot
    return Receipt(ballot.id, receipt, replaced=True)


# --- turnout, closing, publishing ----------------------------------------------------------


@dataclass(frozen=True)
class Turnout:
    electorate: int
    voted: int


def turnout(ballot: Ballot) -> Turnout:
    electorate = db.session.scalar(select(func.count()).select_from(ElectorateEntry)
                                   .where(ElectorateEntry.ballot_id == ballot.id))
    voted = db.session.scalar(select(func.count()).select_from(Participation)
                              .where(Participation.ballot_id == ballot.id))
    return Turnout(electorate or 0, voted or 0)


def stored_contents(ballot: Ballot) -> list[dict]:
    rows = db.session.scalars(select(StoredVote.content).where(StoredVote.ballot_id == ballot.id)
                              .order_by(StoredVote.receipt))
    return [json.loads(row) for row in rows]


def current_result(ballot: Ballot) -> dict:
    """The tally of the votes stored so far (for live display when visibility allows).

    Read without the ballot's lock, so other votes may commit between two queries: the
    number of voters is taken from the very rows tallied, never from a second count.
    """
    if ballot.method == Method.CONSENT:
        contents = stored_contents(ballot)  # objections listed in the order of the box, as when closed
    else:
        # The running tally of a seminar is asked for four times a second: each distinct
        # vote is read and decoded once, with its count (the methods do not depend on order).
        rows = db.session.execute(select(StoredVote.content, func.count()).where(StoredVote.ballot_id == ballot.id)
                                  .group_by(StoredVote.content).order_by(StoredVote.content))
        contents = [vote for content, count in rows for vote in [json.loads(content)] * count]
    electorate = turnout(ballot).electorate  # fixed when the ballot opened
    present = max(ballot.present_or_represented or 0, len(contents))
    return tally(ballot, contents, electorate, present)


def box_fingerprint(ballot: Ballot) -> str:
    rows = db.session.execute(select(StoredVote.receipt, StoredVote.content)
                              .where(StoredVote.ballot_id == ballot.id).order_by(StoredVote.receipt)).all()
    return hashlib.sha256(canonical([[r, c] for r, c in rows]).encode()).hexdigest()


def result_fingerprint(ballot_id: int, result_json: str, box: str) -> str:
    return hashlib.sha256(f"{ballot_id}|{box}|{result_json}".encode()).hexdigest()


def close_ballot(ballot: Ballot, *, by: Member | None = None, now: datetime | None = None,
                 present_or_represented: int | None = None) -> dict:
    """Close, tally the stored votes once, and store the result with its fingerprint."""
    now = now or utcnow()
    ballot = get_ballot(ballot.id, lock=True)
    _require_state(ballot, BallotState.OPEN, action=_("close"))
    count = turnout(ballot)
    if present_or_represented is not None:
        if not count.voted <= present_or_represented <= count.electorate:
            raise InvalidInput(_("Present or represented must lie between the voters (%(v)d) "
                                 "and the electorate (%(e)d).", v=count.voted, e=count.electorate))
        ballot.present_or_represented = present_or_represented
    if ballot.is_secret:
        _shuffle_box(ballot)
    result = tally(ballot, stored_contents(ballot), count.electorate, ballot.present_or_represented or count.voted)
    ballot.result_json = canonical(result)
    box = box_fingerprint(ballot)
    ballot.result_fingerprint = result_fingerprint(ballot.id, ballot.result_json, box)
    ballot.state, ballot.closed_at = BallotState.CLOSED, now
    audit.record(ballot, "closed", {"by": by.id if by else None, "turnout": count.voted,
                                    "electorate": count.electorate, "box": box,
                                    "result_fingerprint": ballot.result_fingerprint})
    db.session.flush()
    signals.ballot_closed.send(ballot, result=result)
    return result


def _shuffle_box(ballot: Ballot) -> None:
    """Rewrite a secret ballot box in random order with new row ids, in one statement batch.

    While a ballot is open, rows sit in the order votes arrived; after closing, neither
    their ids nor their physical order says anything about when (so by whom) they were cast.
    """
    votes = list(db.session.scalars(select(StoredVote).where(StoredVote.ballot_id == ballot.id)))
    rows = [(v.receipt, v.content) for v in votes]
    for vote in votes:
        db.session.delete(vote)
    db.session.flush()
    random.SystemRandom().shuffle(rows)
    db.session.add_all(StoredVote(ballot_id=ballot.id, receipt=r, content=c) for r, c in rows)
    db.session.flush()


def stored_result(ballot: Ballot) -> dict | None:
    return json.loads(ballot.result_json) if ballot.result_json else None


def verify_result(ballot: Ballot) -> bool:
    """The stored result still matches the stored ballot box, and re-tallies the same."""
    if ballot.result_json is None:
        return False
    box = box_fingerprint(ballot)
    if result_fingerprint(ballot.id, ballot.result_json, box) != ballot.result_fingerprint:
        return False
    count = turnout(ballot)
    again = tally(ballot, stored_contents(ballot), count.electorate, ballot.present_or_represented or count.voted)
    return canonical(again) == ballot.result_json


def publish_ballot(ballot: Ballot, *, by: Member | None = None, now: datetime | None = None) -> Ballot:
    ballot = get_ballot(ballot.id, lock=True)
    _require_state(ballot, BallotState.CLOSED, action=_("publish"))
    ballot.state, ballot.published_at = BallotState.PUBLISHED, now or utcnow()
    audit.record(ballot, "published", {"by": by.id if by else None, "result_fingerprint": ballot.result_fingerprint})
    db.session.flush()
    signals.ballot_published.send(ballot)
    return ballot


def cancel_ballot(ballot: Ballot, reason: str, *, by: Member | None = None, now: datetime | None = None) -> Ballot:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the ballot is cancelled."), fields={"reason": [_("Required.")]})
    ballot = get_ballot(ballot.id, lock=True)
    _require_state(ballot, BallotState.DRAFT, BallotState.OPEN, BallotState.CLOSED, action=_("cancel"))
    ballot.state, ballot.cancelled_at, ballot.cancel_reason = BallotState.CANCELLED, now or utcnow(), reason
    audit.record(ballot, "cancelled", {"by": by.id if by else None, "reason": reason})
    db.session.flush()
    signals.ballot_cancelled.send(ballot)
    return ballot


def close_due_ballots(now: datetime | None = None) -> list[Ballot]:
    """Close every open ballot whose window has ended (run by `flask votes close-due`)."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Ballot).where(Ballot.state == BallotState.OPEN,
                                                       Ballot.closes_at.is_not(None), Ballot.closes_at <= now)))
    for ballot in due:
        close_ballot(ballot, now=now)
    return due


def ballot_box(ballot: Ballot) -> list[dict]:
    """The anonymous ballot box, once published: receipts and contents, sorted by receipt."""
    if ballot.state != BallotState.PUBLISHED:
        raise Conflict(_("The ballot box is available once the result is published."))
    rows = db.session.execute(select(StoredVote.receipt, StoredVote.content)
                              .where(StoredVote.ballot_id == ballot.id).order_by(StoredVote.receipt)).all()
    return [{"receipt": receipt, "vote": json.loads(content)} for receipt, content in rows]


def named_votes(ballot: Ballot) -> list[StoredVote]:
    if ballot.is_secret:
        raise Forbidden(_("This ballot is secret: who voted what is not kept."))
    return list(db.session.scalars(select(StoredVote).where(StoredVote.ballot_id == ballot.id)
                                   .order_by(StoredVote.receipt)))


# --- proxies (pouvoirs) --------------------------------------------------------------------


def proxy_cap(electorate_size: int) -> int:
    """loi 78-763 art. 14: one proxy per holder under 20 associates, else at most 1/20 of them."""
    configured = current_app.config.get("VOTES_PROXY_CAP")
    if configured:
        return int(configured)
    return 1 if electorate_size < 20 else electorate_size // 20


def grant_proxy(*, context: str, level: Level, day, grantor: Member, holder: Member | None,
                document: str = "", recorded_by: Member | None = None) -> Proxy:
    """Record a proxy for every ballot of a sitting; holder None is a blank proxy."""
    electorate = governance.electorate_on(level, day)
    ids = {m.id for m in electorate}
    if grantor.id not in ids:
        raise InvalidInput(_("%(name)s is not in the electorate and cannot give a proxy.", name=grantor.full_name),
                           fields={"grantor_id": [_("Not in the electorate.")]})
    if holder is not None:
        if holder.id == grantor.id:
            raise InvalidInput(_("A proxy goes to someone else."), fields={"holder_id": [_("Choose another member.")]})
        if holder.id not in ids:
            # loi 78-763 art. 14 / model statutes: a proxy goes only to another associate (elector).
            raise InvalidInput(
                _("A proxy may only be given to another member of the electorate (loi 78-763, art. 14): "
                  "%(name)s is not.", name=holder.full_name),
                fields={"holder_id": [_("Not in the electorate.")]})
        held = db.session.scalar(select(func.count()).select_from(Proxy)
                                 .where(Proxy.context == context, Proxy.holder_id == holder.id)) or 0
        cap = proxy_cap(len(electorate))
        if held >= cap:
            raise InvalidInput(
                _("%(name)s already holds %(held)d proxy(ies): the cap is %(cap)d per holder for %(n)d electors "
                  "(one under 20 associates, at most one twentieth from 20 on; loi 78-763, art. 14).",
                  name=holder.full_name, held=held, cap=cap, n=len(electorate)),
                fields={"holder_id": [_("Proxy cap reached.")]})
        if proxy_given_by(context, holder) is not None:
            raise InvalidInput(_("%(name)s has given their own proxy and cannot hold one.", name=holder.full_name),
                               fields={"holder_id": [_("Gave a proxy.")]})
    if proxy_given_by(context, grantor) is not None:
        raise Conflict(_("%(name)s has already given a proxy for this sitting.", name=grantor.full_name))
    proxy = Proxy(context=context, grantor=grantor, holder=holder, document=(document or "").strip(),
                  recorded_by_id=recorded_by.id if recorded_by else None)
    db.session.add(proxy)
    db.session.flush()
    return proxy


def proxies_held(context: str | None, holder: Member) -> list[Proxy]:
    if context is None:
        return []
    return list(db.session.scalars(select(Proxy).where(Proxy.context == context, Proxy.holder_id == holder.id)))
