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
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

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

    def __init__(self, event: str, func: Callable[[Any, Any], Any]):
        self.event, self.func = event, func
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
        from app.i18n import locale_for
        from app.members.models import Member

        try:
            ids = {pending.member_id for pending in group if pending.member_id is not None}
            members = {member.id: member for member in db.session.scalars(
                select(Member).where(Member.id.in_(ids)).options(selectinload(Member.status_changes)))}
            for pending in group:
                member = members.get(pending.member_id)
                with force_locale(locale_for(member, pending.chosen_language, pending.accept_languages)):
                    pending.ack = self._attempt(member, pending.args)
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

    def _attempt(self, member, args: tuple) -> dict:
        """One event in its savepoint: a refusal or a failure leaves nothing behind."""
        try:
            data = check_event(member, args)
            with db.session.begin_nested():
                ack = ok_ack(self.func(member, data))
                json.dumps(ack)  # an unserialisable result must not be committed and then lost
            return ack
        except DomainError as error:
            return error_ack(error)
        except Exception:  # noqa: BLE001
            log.exception("Live event %r failed", self.event)
            return internal_error_ack()
