"""Coalesced broadcasts: a failed send is tried again, so clients do not stay on a stale state."""

from __future__ import annotations

import threading
import time

from app.live import coalesce
from app.live.coalesce import Coalescer

DEADLINE = 10  # seconds: an upper bound, never an expected duration


def wait_until(condition) -> None:
    end = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < end, "gave up waiting"
        time.sleep(0.005)


def test_a_failed_broadcast_is_sent_again_until_it_goes_through(app):
    attempts: list[int] = []
    done = threading.Event()

    def send(_app, key):
        attempts.append(key)
        if len(attempts) < 3:
            raise ConnectionError("message queue unreachable")
        done.set()

    app.config["TEST_COALESCE_INTERVAL"] = 0.001
    broadcaster = Coalescer("test", send, "TEST_COALESCE_INTERVAL")
    broadcaster.touch(app, 7)
    assert done.wait(DEADLINE)
    wait_until(lambda: 7 not in broadcaster.dirty)
    assert attempts == [7, 7, 7]


def test_a_broadcast_that_keeps_failing_is_given_up_after_a_few_attempts(app):
    attempts: list[int] = []

    def send(_app, key):
        attempts.append(key)
        raise ConnectionError("message queue unreachable")

    app.config["TEST_COALESCE_INTERVAL"] = 0.001
    broadcaster = Coalescer("test", send, "TEST_COALESCE_INTERVAL")
    broadcaster.touch(app, 8)
    wait_until(lambda: 8 not in broadcaster.dirty)
    assert len(attempts) == coalesce.MAX_RETRIES + 1
    # A later change starts afresh.
    broadcaster.touch(app, 8)
    wait_until(lambda: len(attempts) == 2 * (coalesce.MAX_RETRIES + 1) and 8 not in broadcaster.dirty)


class FakeClock:
    """Monotonic time that only moves when the broadcaster sleeps, each wake-up `late` late."""

    def __init__(self, late: float):
        self.now, self.late = 100.0, late

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late


def sends_under_load(app, monkeypatch, *, late: float, changes: int) -> list[float]:
    """Send times of a key changed again during each of `changes` sends, the task woken `late`."""
    clock = FakeClock(late)
    monkeypatch.setattr(coalesce, "time", clock)
    monkeypatch.setattr(coalesce.socketio, "sleep", clock.sleep)
    monkeypatch.setattr(coalesce.socketio, "start_background_task", lambda task, *args: task(*args))
    app.config["TEST_COALESCE_INTERVAL"] = 0.25
    sent: list[float] = []

    def send(_app, key):
        sent.append(clock.now)
        if len(sent) < changes:
            broadcaster.touch(app, key)  # a vote committed meanwhile

    broadcaster = Coalescer("test", send, "TEST_COALESCE_INTERVAL")
    broadcaster.touch(app, 9)
    assert 9 not in broadcaster.dirty
    return sent


def test_broadcasts_keep_their_beat_however_late_the_task_wakes(app, monkeypatch):
    sent = sends_under_load(app, monkeypatch, late=0.005, changes=6)
    # The first at once, then one per interval: each 5 ms late, none later than that.
    assert [round(t - 100.0, 3) for t in sent] == [0.0, 0.255, 0.505, 0.755, 1.005, 1.255]


def test_a_send_far_behind_its_beat_starts_a_new_one(app, monkeypatch):
    sent = sends_under_load(app, monkeypatch, late=0.2, changes=4)
    # 200 ms late is more than half an interval: the next send waits a full interval from
    # the late one, never two sends 50 ms apart.
    assert [round(t - 100.0, 3) for t in sent] == [0.0, 0.45, 0.9, 1.35]
    assert min(b - a for a, b in zip(sent, sent[1:], strict=False)) >= 0.25
