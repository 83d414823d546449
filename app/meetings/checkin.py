"""The check-in code shown on the projector: short, rotating, derived, never stored.

A code is an HMAC of the time window under the meeting's key, so the server needs no
table of codes and a code cannot be guessed from the previous one. A code stays valid for
its own window and the next one (a member typing while it changes is not refused); an
older code of the same meeting is recognised as expired, so the member is told to look
at the screen again rather than that they mistyped.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: read from the back of a room, typed on a phone.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 6
WINDOW_SECONDS = 120
ACCEPTED_WINDOWS = 2  # the current window and the previous one
EXPIRED_LOOKBACK = 12 * 60 * 60 // WINDOW_SECONDS  # codes of the last 12 hours are "expired"


class Verdict(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    WRONG = "wrong"


@dataclass(frozen=True)
class ShownCode:
    code: str
    expires_at: datetime  # when the projector shows the next one

    @property
    def display(self) -> str:
        return f"{self.code[:3]}-{self.code[3:]}"


def window_of(now: datetime) -> int:
    return int(now.timestamp()) // WINDOW_SECONDS


def code_for(key: str, window: int) -> str:
    digest = hmac.new(key.encode(), f"checkin|{window}".encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:LENGTH])


def current_code(key: str, now: datetime) -> ShownCode:
    window = window_of(now)
    expires = datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, tz=UTC)
    return ShownCode(code_for(key, window), expires)


def normalise(raw: object) -> str:
    """Upper case, without spaces or dashes; the letters people confuse are read as the ones we show."""
    if not isinstance(raw, str):
        return ""
    text = "".join(ch for ch in raw.upper() if ch.isalnum())
    return text.translate(str.maketrans({"0": "Q", "O": "Q", "1": "T", "I": "T", "L": "T"}))[:32]


def verify(key: str, raw: object, now: datetime) -> Verdict:
    code = normalise(raw)
    if len(code) != LENGTH:
        return Verdict.WRONG
    window = window_of(now)
    for back in range(EXPIRED_LOOKBACK):
        if hmac.compare_digest(code_for(key, window - back), code):
            return Verdict.VALID if back < ACCEPTED_WINDOWS else Verdict.EXPIRED
    return Verdict.WRONG


def accepted_until(now: datetime) -> datetime:
    """When a code shown at `now` stops being accepted (for the help text)."""
    return current_code("", now).expires_at + timedelta(seconds=WINDOW_SECONDS * (ACCEPTED_WINDOWS - 1))
