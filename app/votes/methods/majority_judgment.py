"""Majority judgment (Balinski–Laraki), exact.

Every voter grades every option on one scale. An option's majority grade is its median
grade, the lower (worse) of the two middle grades when the count is even. Ties are broken
by removing one grade equal to the majority grade and taking the majority grade again,
repeatedly: options are ranked by these sequences of majority grades ("majority values"),
compared lexicographically. Only identical merit profiles tie.

The sequence is built once per option from its grade counts, without the repeated removal
(see _majority_value and docs/tally-methods.md for why the two are the same).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

from app.votes.methods.common import OptionId, TallyInputError, check_options, plural, quoted


class Grade(IntEnum):
    """The French scale, best first: a smaller value is a better grade."""

    EXCELLENT = 0
    VERY_GOOD = 1
    GOOD = 2
    FAIRLY_GOOD = 3
    PASSABLE = 4
    INSUFFICIENT = 5
    REJECT = 6

    @property
    def label(self) -> str:
        return GRADE_LABELS[self]


GRADE_LABELS: tuple[str, ...] = (
    "Excellent", "Très bien", "Bien", "Assez bien", "Passable", "Insuffisant", "À rejeter",
)
"""French labels, index = Grade value, best first."""


@dataclass(frozen=True)
class OptionJudgment:
    option: OptionId
    rank: int
    """1 for the best; tied options share a rank and the next rank skips (1, 1, 3)."""
    majority_grade: Grade
    merit_profile: tuple[int, ...]
    """How many voters gave each grade, index = Grade value (Excellent first): for charts."""
    better: int
    """Grades strictly better than the majority grade (the "supporters")."""
    worse: int
    """Grades strictly worse than the majority grade (the "critics")."""


@dataclass(frozen=True)
class MajorityJudgmentResult:
    options: tuple[OptionJudgment, ...]
    """In ranking order, best first; tied options in the order the options were given."""
    ranking: tuple[tuple[OptionId, ...], ...]
    """Groups of tied options, best group first."""
    ballot_count: int
    sentence: str

    @property
    def winners(self) -> tuple[OptionId, ...]:
        return self.ranking[0]


def tally_majority_judgment(
    options: Sequence[OptionId], ballots: Iterable[Mapping[OptionId, int]]
) -> MajorityJudgmentResult:
    """`ballots`: one mapping option → grade (an int 0..6 or a Grade) per voter."""
    options = check_options(options)
    profiles = _merit_profiles(options, ballots)
    ballot_count = sum(profiles[0])
    if ballot_count == 0:
        raise TallyInputError("Aucun bulletin : le jugement majoritaire demande au moins un bulletin.")

    keys = [_majority_value(profile) for profile in profiles]
    # Smaller grades are better, so the lexicographically smallest sequence ranks first;
    # sorted() is stable, which keeps tied options in the given order.
    order = sorted(range(len(options)), key=keys.__getitem__)
    judgments: list[OptionJudgment] = []
    groups: list[list[OptionId]] = []
    for position, index in enumerate(order):
        if position and keys[index] == keys[order[position - 1]]:
            rank = judgments[-1].rank
            groups[-1].append(options[index])
        else:
            rank = position + 1
            groups.append([options[index]])
        profile = profiles[index]
        grade = keys[index][0]
        judgments.append(OptionJudgment(
            option=options[index], rank=rank, majority_grade=Grade(grade),
            merit_profile=tuple(profile),
            better=sum(profile[:grade]), worse=sum(profile[grade + 1:]),
        ))
    ranking = tuple(tuple(group) for group in groups)
    return MajorityJudgmentResult(
        options=tuple(judgments), ranking=ranking, ballot_count=ballot_count,
        sentence=_sentence(ranking[0], judgments[0].majority_grade, ballot_count),
    )


def majority_grade(profile: Sequence[int]) -> Grade:
    """Median of a merit profile; the lower (worse) middle grade when the count is even."""
    if len(profile) != len(Grade) or any(count < 0 for count in profile):
        raise TallyInputError(f"Profil de mérite invalide : {list(profile)!r} (7 nombres positifs attendus).")
    middle = sum(profile) // 2  # 0-based position, grades sorted best first
    seen = 0
    for grade, count in enumerate(profile):
        seen += count
        if seen > middle:
            return Grade(grade)
    raise TallyInputError("Profil de mérite vide : aucune mention.")


def _merit_profiles(options: tuple[OptionId, ...], ballots: Iterable[Mapping[OptionId, int]]) -> list[list[int]]:
    profiles = [[0] * len(Grade) for _ in options]
    for number, ballot in enumerate(ballots, start=1):
        if not isinstance(ballot, Mapping):
            raise TallyInputError(f"Bulletin n° {number} : une mention par option est attendue, reçu {ballot!r}.")
        if len(ballot) != len(options):
            raise _bad_ballot(number, ballot, options)
        for profile, option in zip(profiles, options, strict=True):
            try:
                grade = ballot[option]
            except KeyError:
                raise _bad_ballot(number, ballot, options) from None
            # bool is an int: True would silently mean "Très bien".
            if grade.__class__ is bool or not isinstance(grade, int) or not 0 <= grade <= 6:
                raise TallyInputError(
                    f"Bulletin n° {number} : mention inconnue {grade!r} pour {option!r} "
                    f"(attendu un entier de 0 « {GRADE_LABELS[0]} » à 6 « {GRADE_LABELS[6]} »)."
                )
            profile[grade] += 1
    return profiles


def _bad_ballot(number: int, ballot: Mapping[OptionId, int], options: tuple[OptionId, ...]) -> TallyInputError:
    missing = [o for o in options if o not in ballot]
    if missing:
        return TallyInputError(
            f"Bulletin n° {number} : chaque option doit recevoir une mention ; il manque {missing!r}."
        )
    unknown = [o for o in ballot if o not in options]
    return TallyInputError(f"Bulletin n° {number} : option(s) inconnue(s) {unknown!r}.")


def _majority_value(profile: Sequence[int]) -> list[int]:
    """The sequence of majority grades obtained by removing the majority grade, repeatedly.

    With the grades sorted best first (t[0] best) and n of them, the majority grade is t[m],
    m = n // 2. Removing it and taking the median again always picks the nearest remaining
    grade on one side, alternately: first the worse side when n is odd (t[m+1]), the better
    side when n is even (t[m-1]), then the other side, and so on outwards. So the whole
    sequence is a fixed interleaving of the sorted grades, done here with list slices."""
    grades: list[int] = []
    for grade, count in enumerate(profile):
        grades.extend([grade] * count)
    n = len(grades)
    m = n // 2
    better_side = grades[m - 1::-1] if m else []  # t[m-1], t[m-2], …, t[0]
    worse_side = grades[m + 1:]  # t[m+1], …, t[n-1]
    first, second = (worse_side, better_side) if n % 2 else (better_side, worse_side)
    sequence = [grades[m]] * n
    sequence[1::2] = first
    sequence[2::2] = second
    return sequence


def _sentence(winners: tuple[OptionId, ...], grade: Grade, ballot_count: int) -> str:
    ballots = plural(ballot_count, "bulletin")
    if len(winners) == 1:
        return f"{quoted(winners)} l'emporte avec la mention majoritaire « {grade.label} » ({ballots})."
    return (
        f"Égalité parfaite entre {quoted(winners)} : profils de mérite identiques, "
        f"mention majoritaire « {grade.label} » ({ballots})."
    )
