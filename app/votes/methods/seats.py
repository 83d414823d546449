"""Electing persons to `seats` seats: approval, or single choice (one name per seat).

Approval: a ballot names any number of candidates, from none to all of them.
Single choice: a ballot names at most `seats` candidates, one per seat to fill (with one seat,
the usual single-name vote). In both, the `seats` candidates named most often are elected.
When candidates share the number of votes at the last seat(s), the tie is reported and those
seats stay to be decided (new round, drawing lots, agreement…): the tally never picks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from app.votes.methods.common import OptionId, TallyInputError, check_options, plural, quoted


class SeatsMethod(Enum):
    APPROVAL = "approval"
    SINGLE_CHOICE = "single_choice"


@dataclass(frozen=True)
class SeatsResult:
    method: SeatsMethod
    seats: int
    counts: tuple[tuple[OptionId, int], ...]
    """(candidate, votes), most votes first; equal counts keep the candidates' given order."""
    elected: tuple[OptionId, ...]
    tied: tuple[OptionId, ...]
    """Candidates tied for the last seat(s); empty when every seat is decided."""
    undecided_seats: int
    """Seats to share among `tied`."""
    ballot_count: int
    blank_ballots: int
    sentence: str


def tally_approval(
    candidates: Sequence[OptionId], ballots: Iterable[Collection[OptionId]], seats: int = 1
) -> SeatsResult:
    return _tally(SeatsMethod.APPROVAL, candidates, ballots, seats)


def tally_single_choice(
    candidates: Sequence[OptionId], ballots: Iterable[Collection[OptionId]], seats: int = 1
) -> SeatsResult:
    return _tally(SeatsMethod.SINGLE_CHOICE, candidates, ballots, seats)


def _tally(
    method: SeatsMethod, candidates: Sequence[OptionId], ballots: Iterable[Collection[OptionId]], seats: int
) -> SeatsResult:
    candidates = check_options(candidates, "candidats")
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= len(candidates):
        raise TallyInputError(
            f"Nombre de sièges invalide ({seats!r}) : il en faut au moins 1 et au plus "
            f"autant que de candidats ({len(candidates)})."
        )
    votes = dict.fromkeys(candidates, 0)
    ballot_count = blank = 0
    for number, ballot in enumerate(ballots, start=1):
        ballot_count += 1
        names = _checked_ballot(number, ballot, votes, method, seats)
        if not names:
            blank += 1
        for name in names:
            votes[name] += 1

    counts = tuple(sorted(votes.items(), key=lambda item: -item[1]))  # stable: keeps given order
    cutoff = counts[seats - 1][1]  # votes of the last seat
    above = tuple(c for c, n in counts if n > cutoff)
    at_cutoff = tuple(c for c, n in counts if n == cutoff)
    if len(above) + len(at_cutoff) == seats:
        elected, tied = above + at_cutoff, ()
    else:
        elected, tied = above, at_cutoff
    undecided = seats - len(elected)
    return SeatsResult(
        method=method, seats=seats, counts=counts, elected=elected, tied=tied,
        undecided_seats=undecided, ballot_count=ballot_count, blank_ballots=blank,
        sentence=_sentence(elected, tied, undecided, cutoff),
    )


def _checked_ballot(
    number: int, ballot: Collection[OptionId], votes: dict[OptionId, int], method: SeatsMethod, seats: int
) -> Collection[OptionId]:
    # A bare string is a collection of letters: "Alice" would read as five unknown names.
    if isinstance(ballot, (str, bytes)) or not isinstance(ballot, Collection):
        raise TallyInputError(f"Bulletin n° {number} : une liste de candidats est attendue, reçu {ballot!r}.")
    for name in ballot:
        if name not in votes:
            raise TallyInputError(f"Bulletin n° {number} : candidat inconnu {name!r}.")
    if len(set(ballot)) != len(ballot):
        raise TallyInputError(f"Bulletin n° {number} : un même candidat est nommé deux fois.")
    if method is SeatsMethod.SINGLE_CHOICE and len(ballot) > seats:
        raise TallyInputError(
            f"Bulletin n° {number} : {len(ballot)} noms pour {plural(seats, 'siège')} ; "
            "au scrutin à choix unique, un nom au plus par siège."
        )
    return ballot


def _sentence(elected: tuple[OptionId, ...], tied: tuple[OptionId, ...], undecided: int, cutoff: int) -> str:
    parts = []
    if elected:
        parts.append(f"{'Élu·es' if len(elected) > 1 else 'Élu·e'} : {quoted(elected)}")
    if tied:
        parts.append(
            f"égalité pour {plural(undecided, 'siège restant', 'sièges restants')} entre "
            f"{quoted(tied)} ({plural(cutoff, 'voix', 'voix')} chacun·e) : à départager"
        )
    sentence = " ; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."
