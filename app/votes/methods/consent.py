"""Consent: a proposal is adopted when no reasoned objection remains standing.

An objection states the harm the proposal would do to the shared aims, not a preference;
an objection without a reason is not an objection and is refused as invalid input.
Rounds (clarify, react, object, amend, adopt) are run by people; this only says whether,
at the end of a given round, an objection still stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.votes.methods.common import TallyInputError, plural


@dataclass(frozen=True)
class Objection:
    reason: str
    """The harm to the shared aims; required."""
    author: str | None = None
    withdrawn: bool = False
    """True once the objector judges it answered (usually after an amendment)."""


@dataclass(frozen=True)
class ConsentResult:
    adopted: bool
    round_number: int
    standing: tuple[Objection, ...]
    withdrawn: tuple[Objection, ...]
    sentence: str


def tally_consent(objections: Sequence[Objection], round_number: int = 1) -> ConsentResult:
    if isinstance(round_number, bool) or not isinstance(round_number, int) or round_number < 1:
        raise TallyInputError(f"Le numéro de tour doit être un entier à partir de 1, pas {round_number!r}.")
    for position, objection in enumerate(objections, start=1):
        if not isinstance(objection, Objection):
            raise TallyInputError(f"L'objection n° {position} n'est pas une objection : {objection!r}.")
        if not isinstance(objection.reason, str) or not objection.reason.strip():
            raise TallyInputError(
                f"L'objection n° {position} n'est pas motivée : une objection doit dire "
                "en quoi la proposition nuit aux buts communs."
            )
        if not isinstance(objection.withdrawn, bool):
            raise TallyInputError(f"L'objection n° {position} : « withdrawn » doit valoir True ou False.")

    standing = tuple(o for o in objections if not o.withdrawn)
    withdrawn = tuple(o for o in objections if o.withdrawn)
    lifted = f" ({plural(len(withdrawn), 'objection levée', 'objections levées')})" if withdrawn else ""
    if standing:
        count = plural(len(standing), "objection motivée subsiste", "objections motivées subsistent")
        sentence = f"Non adoptée au tour {round_number} : {count}{lifted}."
    else:
        sentence = f"Adoptée par consentement au tour {round_number} : aucune objection ne subsiste{lifted}."
    return ConsentResult(
        adopted=not standing, round_number=round_number,
        standing=standing, withdrawn=withdrawn, sentence=sentence,
    )
