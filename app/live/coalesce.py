"""Coalesced broadcasts: at most one emit per key per interval, whatever the event rate.

The first change after a quiet period is sent at once; changes arriving meanwhile only
mark the key dirty, and one background task per key sends their sum when the interval
has passed, on a steady beat (one send per interval, however late the task wakes). The
sender reads the state from the database when it sends, so a broadcast always shows
everything committed before it. Safe across threads and greenlets.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app

from app.after_commit import after_commit
from app.extensions import socketio

log = logging.getLogger("facettes.live")

MAX_RETRIES = 4  # after a failed broadcast: 2, 4, 8 then 16 intervals later


def on_the_beat(due: float, now: float, interval: float) -> float:
    """The time a send counts as made at: when it was due, unless it is far behind.

    Counting from the moment the loop got round to it instead would add each wake-up's
    lateness to every later send: under load, about 70 ms over a 10-second vote, sends
    drifting slower than the interval says. A send more than half an interval late (or the
    first after a quiet period) starts a new beat, so two sends are never closer than
    half an interval.
    """
    return due if now - due < interval / 2 else now


class Coalescer:
    def __init__(self, name: str, send: Callable[[Flask, int], None], interval_setting: str,
                 default_interval: float = 0.25) -> None:
        self.name = name
        self.send = send
        self.interval_setting = interval_setting
        self.default_interval = default_interval
        self.lock = threading.Lock()
        self.dirty: dict[int, bool] = {}  # key -> a change arrived since the last send
        self.last: dict[int, float] = {}  # key -> monotonic time of the last send

    def touch_after_commit(self, key: int, *, only_if: Callable[[int], bool] | None = None) -> None:
        """Mark `key` changed once the current transaction commits (nothing on rollback)."""
        app = current_app._get_current_object()

        def touch() -> None:
            if only_if is None or only_if(key):
                self.touch(app, key)

        after_commit(touch)

    def touch(self, app: Flask, key: int) -> None:
        with self.lock:
            if key in self.dirty:
                self.dirty[key] = True  # the running task will send it
                return
            self.dirty[key] = True
        socketio.start_background_task(self._run, app, key)

    def _run(self, app: Flask, key: int) -> None:
        interval = app.config.get(self.interval_setting, self.default_interval)
        failures = 0
        while True:
            with self.lock:
                due = self.last.get(key, -math.inf) + interval * 2**failures
            wait = due - time.monotonic()
            if wait > 0:
                socketio.sleep(wait)
            with self.lock:
                self.dirty[key] = False
                self.last[key] = on_the_beat(due, time.monotonic(), interval)
            try:
                self.send(app, key)
                failures = 0
            except Exception:
                # A lost broadcast would leave every client on a stale state until the next
                # change: send again, later and later, then give up (a rejoin still resyncs).
                failures += 1
                log.exception("Live %s broadcast of %s failed (attempt %d)", self.name, key, failures)
                with self.lock:
                    if failures > MAX_RETRIES:
                        self.dirty.pop(key, None)
                        return
                    self.dirty[key] = True
            with self.lock:
                if not self.dirty[key]:
                    del self.dirty[key]
                    return
