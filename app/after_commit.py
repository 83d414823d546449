"""Side effects (e-mails, live events) that wait for the database transaction to commit.

A service calls ``after_commit(action)`` where it changes data; the action runs only if
that change is committed. Releasing a SAVEPOINT is not final; rolling one back drops the
actions queued inside it, and rolling back the whole transaction drops them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

log = logging.getLogger("facettes.after_commit")
QUEUE_KEY = "facettes_after_commit"


@dataclass(frozen=True)
class Deferred:
    action: Callable[[], None]
    # The innermost transaction open when the action was queued: rolling it back drops it.
    transaction: SessionTransaction


def after_commit(action: Callable[[], None]) -> None:
    session = db.session()
    if not session.in_transaction():
        # Begin now (as the first query would): a rollback with no transaction fires no event.
        session.begin()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(QUEUE_KEY, []).append(Deferred(action, transaction))


@event.listens_for(Session, "after_commit")
def _run_queue(session: Session) -> None:
    # Releasing a SAVEPOINT also fires after_commit: only the outermost commit is final.
    if session.in_nested_transaction():
        return
    for deferred in session.info.pop(QUEUE_KEY, []):
        try:
            deferred.action()
        except Exception:
            # The data is committed; one failed side effect must not stop the others.
            log.exception("A side effect after commit failed")


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_queue(session: Session, previous_transaction: SessionTransaction) -> None:
    queue = session.info.get(QUEUE_KEY)
    if not queue:
        return
    if previous_transaction.parent is None:
        session.info.pop(QUEUE_KEY, None)
        return
    session.info[QUEUE_KEY] = [d for d in queue if not _within(d.transaction, previous_transaction)]
