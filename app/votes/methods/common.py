"""What every tally method shares: the input error and a few validation helpers."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from fractions import Fraction
from typing import TypeAlias

OptionId: TypeAlias = Hashable
"""An option or candidate identifier: whatever the caller uses (int, str, UUID…)."""


class TallyInputError(ValueError):
    """The data handed to a tally method is not a valid vote; the message says why, in French."""


def check_count(name: str, value: object) -> int:
    # bool is an int subclass: True votes would silently count as 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TallyInputError(f"« {name} » doit être un nombre entier, pas {value!r}.")
    if value < 0:
        raise TallyInputError(f"« {name} » ne peut pas être négatif ({value}).")
    return value


def check_fraction(name: str, value: object) -> Fraction:
    # Floats are refused: 0.67 is not 2/3, and a majority must be exact.
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise TallyInputError(
            f"« {name} » doit être une fraction exacte (Fraction), pas {value!r}."
        )
    fraction = Fraction(value)
    if not 0 < fraction <= 1:
        raise TallyInputError(f"« {name} » doit être compris entre 0 exclu et 1 inclus ({fraction}).")
    return fraction


def check_options(options: Iterable[OptionId], what: str = "options") -> tuple[OptionId, ...]:
    """The list of options (or candidates): not empty, no duplicate."""
    checked = tuple(options)
    if not checked:
        raise TallyInputError(f"La liste des {what} est vide.")
    seen: set[OptionId] = set()
    for option in checked:
        if option in seen:
            raise TallyInputError(f"{option!r} figure deux fois dans la liste des {what}.")
        seen.add(option)
    return checked


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """French agreement: 0 and 1 take the singular."""
    word = singular if count <= 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def quoted(names: Iterable[object]) -> str:
    """« A », « B » et « C »."""
    items = [f"« {name} »" for name in names]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} et {items[-1]}"
