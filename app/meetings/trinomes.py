"""Trinômes de co-développement: groups of three that repeat as few past pairs as possible.

Pure functions, no database: members are ids, the history is a count of how many times
each pair has already been in the same group. The search is a local search with random
restarts: split a shuffled list into groups, then swap members between groups while a
swap lowers the cost, keep the best of several restarts. A seeded random generator makes
the same inputs give the same groups.

Cost of a grouping, compared lexicographically: first the number of pairs that already
met (what the facilitator sees), then how many times they met (a pair that met three
times is worse than one that met once).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

Pair = tuple[int, int]
REPEAT_WEIGHT = 100_000  # one more repeated pair outweighs any number of extra meetings
RESTARTS = 40


def pair(a: int, b: int) -> Pair:
    return (a, b) if a < b else (b, a)


def group_sizes(count: int) -> list[int]:
    """Threes; one group of four when one member is left over, one of two when two are."""
    if count < 2:
        raise ValueError("at least two members are needed to form a group")
    threes, left = divmod(count, 3)
    if left == 0:
        return [3] * threes
    if left == 1:
        return [3] * (threes - 1) + [4]
    return [3] * threes + [2]


def history_counts(past_groups: Iterable[Iterable[int]]) -> Counter[Pair]:
    counts: Counter[Pair] = Counter()
    for group in past_groups:
        for a, b in combinations(sorted(set(group)), 2):
            counts[(a, b)] += 1
    return counts


def repeated_pairs(groups: Sequence[Sequence[int]], history: Counter[Pair]) -> list[Pair]:
    return sorted(p for group in groups for p in (pair(a, b) for a, b in combinations(group, 2)) if history[p])


@dataclass(frozen=True)
class Grouping:
    groups: list[list[int]]
    repeated: list[Pair]
    cost: int


def _weight(history: Counter[Pair], a: int, b: int) -> int:
    met = history[pair(a, b)]
    return REPEAT_WEIGHT + met if met else 0


def cost(groups: Sequence[Sequence[int]], history: Counter[Pair]) -> int:
    return sum(_weight(history, a, b) for group in groups for a, b in combinations(group, 2))


def _improve(groups: list[list[int]], history: Counter[Pair]) -> None:
    """Best-improvement swaps between two groups until none lowers the cost."""
    while True:
        best_delta, best_move = 0, None
        for gi, gj in combinations(range(len(groups)), 2):
            first, second = groups[gi], groups[gj]
            for i, a in enumerate(first):
                loss_a = sum(_weight(history, a, x) for x in first if x != a)
                for j, b in enumerate(second):
                    loss_b = sum(_weight(history, b, y) for y in second if y != b)
                    gain = (sum(_weight(history, b, x) for x in first if x != a)
                            + sum(_weight(history, a, y) for y in second if y != b))
                    delta = gain - loss_a - loss_b
                    if delta < best_delta:
                        best_delta, best_move = delta, (gi, i, gj, j)
        if best_move is None:
            return
        gi, i, gj, j = best_move
        groups[gi][i], groups[gj][j] = groups[gj][j], groups[gi][i]


def _normalised(groups: list[list[int]]) -> list[list[int]]:
    return sorted((sorted(group) for group in groups), key=lambda group: group[0])


def make_groups(members: Iterable[int], history: Counter[Pair], seed: int, restarts: int = RESTARTS) -> Grouping:
    people = sorted(set(members))
    sizes = group_sizes(len(people))
    rng = random.Random(seed)
    best: list[list[int]] | None = None
    best_cost = 0
    for _ in range(max(1, restarts)):
        order = people[:]
        rng.shuffle(order)
        groups, start = [], 0
        for size in sizes:
            groups.append(order[start:start + size])
            start += size
        _improve(groups, history)
        value = cost(groups, history)
        if best is None or value < best_cost:
            best, best_cost = [list(g) for g in groups], value
        if best_cost == 0:
            break
    groups = _normalised(best)
    return Grouping(groups, repeated_pairs(groups, history), best_cost)


def swap(groups: Sequence[Sequence[int]], a: int, b: int) -> list[list[int]]:
    """Exchange two members of different groups (the facilitator's manual swap)."""
    where = {member: index for index, group in enumerate(groups) for member in group}
    if a not in where or b not in where:
        raise ValueError("both members must be in the groups")
    if where[a] == where[b]:
        raise ValueError("the two members are already in the same group")
    result = [list(group) for group in groups]
    ga, gb = result[where[a]], result[where[b]]
    ga[ga.index(a)], gb[gb.index(b)] = b, a
    return result
