"""Ranked choice, Condorcet–Schulze (beatpath), with winning-votes strengths.

A ballot is a list of ranks, best first; each rank is a list of options the voter holds
equal: [["A"], ["B", "C"]] means A > B = C. Options a ballot leaves out are tied together
below every ranked option. An empty ballot counts but prefers nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.votes.methods.common import OptionId, TallyInputError, check_options, plural, quoted

Matrix = dict[OptionId, dict[OptionId, int]]


@dataclass(frozen=True)
class SchulzeResult:
    options: tuple[OptionId, ...]
    pairwise: Matrix
    """d[a][b]: number of voters who strictly prefer a to b (a != b; no diagonal)."""
    strongest_paths: Matrix
    """p[a][b]: strength of the strongest path from a to b (0 when there is none)."""
    winners: tuple[OptionId, ...]
    """Options x with p[x][y] >= p[y][x] for every y; more than one means a tie."""
    ranking: tuple[tuple[OptionId, ...], ...]
    """Groups of tied options, best first; the first group is `winners`."""
    condorcet_winner: OptionId | None
    """The option beating every other one head to head, if there is one."""
    ballot_count: int
    sentence: str


def tally_schulze(
    options: Sequence[OptionId], ballots: Iterable[Sequence[Sequence[OptionId]]]
) -> SchulzeResult:
    options = check_options(options)
    k = len(options)
    d, ballot_count = _pairwise(options, ballots)
    p = _strongest_paths(d)

    beats = [[p[i][j] > p[j][i] for j in range(k)] for i in range(k)]
    # Schulze proves "beats" is transitive, so peeling off the unbeaten options, layer by
    # layer, gives a ranking; the first layer is the set of winners.
    ranking: list[tuple[OptionId, ...]] = []
    remaining = list(range(k))
    while remaining:
        layer = [i for i in remaining if not any(beats[j][i] for j in remaining)]
        ranking.append(tuple(options[i] for i in layer))
        remaining = [i for i in remaining if i not in layer]

    condorcet = next(
        (options[i] for i in range(k) if all(d[i][j] > d[j][i] for j in range(k) if j != i)), None
    )
    return SchulzeResult(
        options=options,
        pairwise=_as_mapping(options, d),
        strongest_paths=_as_mapping(options, p),
        winners=ranking[0],
        ranking=tuple(ranking),
        condorcet_winner=condorcet,
        ballot_count=ballot_count,
        sentence=_sentence(ranking[0], condorcet, ballot_count),
    )


def _pairwise(
    options: tuple[OptionId, ...], ballots: Iterable[Sequence[Sequence[OptionId]]]
) -> tuple[list[list[int]], int]:
    k = len(options)
    index = {option: i for i, option in enumerate(options)}
    d = [[0] * k for _ in range(k)]
    count = 0
    for number, ballot in enumerate(ballots, start=1):
        count += 1
        levels = _ballot_levels(number, ballot, index)
        ranked = {i for level in levels for i in level}
        below = [i for i in range(k) if i not in ranked]  # unranked: tied last
        for level in reversed(levels):
            for a in level:
                row = d[a]
                for b in below:
                    row[b] += 1
            below.extend(level)
    return d, count


def _ballot_levels(number: int, ballot: Sequence[Sequence[OptionId]], index: dict[OptionId, int]) -> list[list[int]]:
    if isinstance(ballot, (str, bytes)) or not isinstance(ballot, Sequence):
        raise TallyInputError(f"Bulletin n° {number} : une liste de rangs est attendue, reçu {ballot!r}.")
    seen: set[int] = set()
    levels = []
    for level in ballot:
        # A bare string is iterable too: "AB" would silently read as two options.
        if isinstance(level, (str, bytes)) or not isinstance(level, Iterable):
            raise TallyInputError(
                f"Bulletin n° {number} : chaque rang doit être une liste d'options, reçu {level!r}."
            )
        indices = []
        for option in level:
            if option not in index:
                raise TallyInputError(f"Bulletin n° {number} : option inconnue {option!r}.")
            i = index[option]
            if i in seen:
                raise TallyInputError(f"Bulletin n° {number} : l'option {option!r} est classée deux fois.")
            seen.add(i)
            indices.append(i)
        if indices:
            levels.append(indices)
    return levels


def _strongest_paths(d: list[list[int]]) -> list[list[int]]:
    """Widest paths (Floyd–Warshall variant), links weighted by winning votes."""
    k = len(d)
    p = [[d[i][j] if d[i][j] > d[j][i] else 0 for j in range(k)] for i in range(k)]
    for i in range(k):
        for j in range(k):
            if j == i or not p[j][i]:
                continue
            through = p[j][i]
            for m in range(k):
                if m != i and m != j:
                    p[j][m] = max(p[j][m], min(through, p[i][m]))
    return p


def _as_mapping(options: tuple[OptionId, ...], matrix: list[list[int]]) -> Matrix:
    return {
        a: {b: matrix[i][j] for j, b in enumerate(options) if j != i}
        for i, a in enumerate(options)
    }


def _sentence(winners: tuple[OptionId, ...], condorcet: OptionId | None, ballot_count: int) -> str:
    ballots = plural(ballot_count, "bulletin")
    if len(winners) > 1:
        return f"Égalité entre {quoted(winners)} selon la méthode de Condorcet–Schulze ({ballots})."
    sentence = f"{quoted(winners)} l'emporte selon la méthode de Condorcet–Schulze ({ballots})"
    if condorcet is not None:
        sentence += " ; c'est aussi le vainqueur de Condorcet : une majorité le préfère à chaque autre option, en duel"
    return sentence + "."
