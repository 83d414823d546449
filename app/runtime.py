"""How a serving process settles once the application is built (wsgi.py, bench/live_vote.py).

With a thousand live clients a worker holds a few hundred thousand objects, and start-up
itself leaves about 200,000 (modules, mappers, templates, locale data) that live as long as
the process. CPython's full collections scan them all: pauses of up to 230 ms of CPU in the
live-vote benchmark, every vote in flight waiting behind them (docs/performance.md). So,
once: collect what start-up left, freeze the rest out of the collector's sight
(`gc.freeze`, which the Python documentation suggests for long-lived servers), and make
young collections rarer (GC_THRESHOLDS), so fewer short-lived objects reach the older
generations; the middle one is collected every 5 young collections, not 20, so that a
burst of connections is scanned in a few short pauses rather than one long one. Not done
by create_app: the tests build many applications in one process.
"""

from __future__ import annotations

import gc

from flask import Flask


class GarbageCollectorSettingError(ValueError):
    """GC_THRESHOLDS is neither "python" nor three positive integers."""


def gc_thresholds(value: str) -> tuple[int, int, int] | None:
    """GC_THRESHOLDS read: None keeps Python's own thresholds."""
    text = (value or "").strip().lower()
    if text == "python":
        return None
    try:
        numbers = tuple(int(part) for part in text.split(","))
    except ValueError:
        numbers = ()
    if len(numbers) != 3 or min(numbers) < 1:
        raise GarbageCollectorSettingError(
            f'GC_THRESHOLDS must be three positive integers such as "20000,5,20", or "python"; got {value!r}')
    return numbers  # type: ignore[return-value]


def settle_for_serving(app: Flask) -> None:
    thresholds = gc_thresholds(app.config["GC_THRESHOLDS"])
    gc.collect()  # start-up's own garbage first: a frozen object is never collected
    gc.freeze()
    if thresholds is not None:
        gc.set_threshold(*thresholds)
