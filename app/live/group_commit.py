"""Group commit for the live events that write under load: many votes, one commit.

A vote is acknowledged only once committed, and a commit waits for the disk (fsync). On
one ballot, each vote also holds the ballot's row lock until its commit (the audit chain
is ordered by it), and under gevent SQLite's commit blocks the whole process: one commit
per vote caps a seminar at a few hundred votes per second at best, and queues the
acknowledgements well before that.

So the events that arrive while a commit is under way are run together by one writer
per process: each in its own savepoint (a refused vote changes nothing and does not touch
the others), then one commit for all, then every acknowledgement. With no load a group is
a single event and nothing waits. The handler is the same function as for a lone event;
it must not use the request (``request.sid``, the session): it runs in the writer.

With a ``scope`` (for votes: ``services.deferred_votes``), the group's events run inside
it without savepoints: each is checked and queues its rows, a refused one queues nothing,
and the scope writes them all at its end, a few statements for the whole group. Should an
event fail unexpectedly, nothing of the group is kept and the group is run again one event
at a time, each in its savepoint, as without a scope.
"""

from __future__ import annotations

import functools
import json
import logging
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.errors import DomainError
from app.extensions import db, socketio
from app.live.acks import check_event, error_ack, internal_error_ack, ok_ack

log = logging.getLogger("facettes.live")

# Beyond this, a group waits for the next commit: the ballot's lock is not held for too long.
MAX_GROUP = 64
# A writer with nothing to do for this long stops; the next event starts another.
IDLE_SECONDS = 5.0
# An event whose commit has not been confirmed by then is answered "unconfirmed": the
# client sends it again with the same key, which the service recognises.
ANSWER_TIMEOUT = 60.0


@dataclass
class _Pending:
    member_id: int | None
    chosen_language: str | None
    accept_languages: Any
    args: tuple
    done: threading.Event = field(default_factory=threading.Event)
    ack: dict | None = None


class GroupCommitter:
    """One event's queue and writer, per application (tests run several apps in one process)."""

    def __init__(self, event: str, func: Callable[[Any, Any], Any],
                 scope: Callable[[], AbstractContextManager] | None = None):
        self.event, self.func, self.scope = event, func, scope
        self._queues: dict[int, queue.Queue] = {}
        self._writing: set[int] = set()
        self._lock = threading.Lock()

    def submit(self, args: tuple) -> dict:
        """Queue the event (from its handler) and wait for its acknowledgement."""
        app = current_app._get_current_object()
        # The member is loaded by the writer, with the others of the group: one query for all.
        user_id = session.get("_user_id")
        pending = _Pending(int(user_id) if str(user_id).isdigit() else None, session.get("lang"),
                           request.accept_languages, args)
        with self._lock:
            events = self._queues.setdefault(id(app), queue.Queue())
            events.put(pending)
            if id(app) not in self._writing:
                self._writing.add(id(app))
                socketio.start_background_task(self._write, app, events)
        if not pending.done.wait(ANSWER_TIMEOUT):
            return {"ok": False, "error": {"code": "unconfirmed", "message": _(
                "The server has not confirmed it in time. Send it again: it will not be counted twice.")}}
        return pending.ack

    def _write(self, app, events: queue.Queue) -> None:
        while True:
            try:
                group = [events.get(timeout=IDLE_SECONDS)]
            except queue.Empty:
                with self._lock:
                    if events.empty():
                        self._writing.discard(id(app))
                        return
                continue
            while len(group) < MAX_GROUP:
                try:
                    group.append(events.get_nowait())
                except queue.Empty:
                    break
            with app.app_context():
                try:
                    self._run_group(group)
                except Exception:  # noqa: BLE001 — the writer must outlive any one group
                    log.exception("Live event group %r failed", self.event)
                finally:
                    for pending in group:
                        if pending.ack is None:
                            pending.ack = internal_error_ack()
                        pending.done.set()

    def _run_group(self, group: list[_Pending]) -> None:
        try:
            members = self._members(group)
            if self.scope is None or not self._run_in_scope(group, members):
                for pending in group:
                    pending.ack = self._in_locale(pending, members, savepoint=True)
            db.session.commit()
        except Exception:
            db.session.rollback()
            # Nothing of the group is committed: no event may be acknowledged as done.
            for pending in group:
                if pending.ack is not None and pending.ack["ok"]:
                    pending.ack = None
            raise
        finally:
            db.session.remove()

    def _members(self, group: list[_Pending]) -> dict:
        ids = sorted({pending.member_id for pending in group if pending.member_id is not None})
        return {member.id: member for member in db.session.scalars(_members_query(), {"ids": ids}).unique()}

    def _run_in_scope(self, group: list[_Pending], members: dict) -> bool:
        """The group's events in the scope, which writes them at its end; False if one failed unexpectedly."""
        try:
            with self.scope():
                for pending in group:
                    pending.ack = self._in_locale(pending, members, savepoint=False)
                    if pending.ack is _FAILED:
                        raise _GroupRestart
            return True
        except _GroupRestart:
            pass
        # Whatever the failed event left in the session is unknown: start the group again.
        db.session.rollback()
        members.clear()
        members.update(self._members(group))
        for pending in group:
            pending.ack = None
        return False

    def _in_locale(self, pending: _Pending, members: dict, *, savepoint: bool) -> dict:
        from app.i18n import locale_for

        member = members.get(pending.member_id)
        with force_locale(locale_for(member, pending.chosen_language, pending.accept_languages)):
            ack = self._attempt(member, pending.args, savepoint=savepoint)
            if ack is _FAILED and savepoint:
                ack = internal_error_ack()
            return ack

    def _attempt(self, member, args: tuple, *, savepoint: bool) -> dict:
        """One event; with a savepoint, a refusal or a failure leaves nothing behind."""
        try:
            data = check_event(member, args)
            # In a scope, a refused event queues nothing: no savepoint is needed.
            with db.session.begin_nested() if savepoint else nullcontext():
                ack = ok_ack(self.func(member, data))
                json.dumps(ack)  # an unserialisable result must not be committed and then lost
            return ack
        except DomainError as error:
            return error_ack(error)
        except Exception:  # noqa: BLE001
            log.exception("Live event %r failed", self.event)
            return _FAILED


@functools.cache
def _members_query():
    """The group's members with their status history (every event asks whether they are active).

    Built once: a statement object keeps its cache key, which SQLAlchemy would otherwise
    recompute for each group; joined, one query instead of two.
    """
    from app.members.models import Member

    return (select(Member).where(Member.id.in_(bindparam("ids", expanding=True)))
            .options(joinedload(Member.status_changes)))


class _GroupRestart(Exception):
    """Leaves a scope without writing: one of its events failed unexpectedly."""


# An event that failed unexpectedly (logged); answered as an internal error.
_FAILED: dict = {"ok": False, "failed": True}
