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
