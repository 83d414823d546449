import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.votes.methods import TallyInputError, tally_schulze


def strict(order: str, copies: int = 1) -> list[list[list[str]]]:
    """'ACB' → copies of the ballot A > C > B."""
    return [[[option] for option in order] for _ in range(copies)]


# Wikipedia, "Schulze method", example with 45 voters and candidates A..E.
WIKIPEDIA_BALLOTS = (
    strict("ACBED", 5) + strict("ADECB", 5) + strict("BEDAC", 8) + strict("CABED", 3)
    + strict("CAEBD", 7) + strict("CBADE", 2) + strict("DCEBA", 7) + strict("EBADC", 8)
)


def matrix(rows: dict[str, list[int]]) -> dict[str, dict[str, int]]:
    """Published table rows (diagonal left out) → {a: {b: value}}."""
    return {a: dict(zip([b for b in "ABCDE" if b != a], values, strict=True)) for a, values in rows.items()}


def test_literature_wikipedia_example_winner_is_e():
    result = tally_schulze("ABCDE", WIKIPEDIA_BALLOTS)
    assert result.winners == ("E",)
    assert result.ranking == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.condorcet_winner is None
    assert result.ballot_count == 45
    assert result.sentence == "« E » l'emporte selon la méthode de Condorcet–Schulze (45 bulletins)."


def test_domain_schulze_shows_pairwise_matrix_and_strongest_paths():
    result = tally_schulze("ABCDE", WIKIPEDIA_BALLOTS)
    assert result.pairwise == matrix({
        "A": [20, 26, 30, 22], "B": [25, 16, 33, 18], "C": [19, 29, 17, 24],
        "D": [15, 12, 28, 14], "E": [23, 27, 21, 31],
    })
    assert result.strongest_paths == matrix({
        "A": [28, 28, 30, 24], "B": [25, 28, 33, 24], "C": [25, 29, 29, 24],
        "D": [25, 28, 28, 24], "E": [25, 28, 28, 31],
    })


def test_cycle_is_broken_by_the_strongest_paths():
    # 4 A>B>C, 3 B>C>A, 2 C>A>B: A beats B 6-3, B beats C 7-2, C beats A 5-4.
    # p[A][C] = min(6, 7) = 6 > p[C][A] = 5, p[A][B] = 6 > p[B][A] = min(7, 5) = 5.
    result = tally_schulze("ABC", strict("ABC", 4) + strict("BCA", 3) + strict("CAB", 2))
    assert result.pairwise["C"]["A"] == 5 and result.pairwise["A"]["C"] == 4
    assert result.strongest_paths["A"]["C"] == 6 and result.strongest_paths["C"]["A"] == 5
    assert result.ranking == (("A",), ("B",), ("C",))
    assert result.condorcet_winner is None


def test_condorcet_winner_is_named():
    result = tally_schulze("ABC", strict("ABC", 2) + strict("BAC"))
    assert result.condorcet_winner == "A"
    assert "vainqueur de Condorcet" in result.sentence


def test_unranked_options_count_as_tied_last():
    result = tally_schulze("ABC", [[["A"]]])
    assert result.pairwise["A"] == {"B": 1, "C": 1}
    assert result.pairwise["B"] == {"A": 0, "C": 0}
    assert result.pairwise["C"] == {"A": 0, "B": 0}
    assert result.ranking == (("A",), ("B", "C"))


def test_options_in_one_rank_are_equal():
    result = tally_schulze("ABC", [[["A", "B"], ["C"]]])
    assert result.pairwise["A"]["B"] == 0 and result.pairwise["B"]["A"] == 0
    assert result.pairwise["A"]["C"] == 1 and result.pairwise["B"]["C"] == 1


def test_opposite_ballots_tie():
    result = tally_schulze(["x", "y"], [[["x"], ["y"]], [["y"], ["x"]]])
    assert result.winners == ("x", "y")
    assert result.ranking == (("x", "y"),)
    assert result.sentence == "Égalité entre « x » et « y » selon la méthode de Condorcet–Schulze (2 bulletins)."


def test_no_ballot_is_a_tie_between_all():
    result = tally_schulze("AB", [])
    assert result.ranking == (("A", "B"),) and result.ballot_count == 0


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        ([["A"], ["Z"]], "option inconnue 'Z'"),
        ([["A"], ["A"]], "classée deux fois"),
        ([["A", "A"]], "classée deux fois"),
        (["AB"], "chaque rang doit être une liste"),
        ("AB", "une liste de rangs"),
        ([["A"], 3], "chaque rang doit être une liste"),
    ],
)
def test_invalid_ballots_are_refused(ballot, message):
    with pytest.raises(TallyInputError, match=message):
        tally_schulze("ABC", [[["B"]], ballot])


def test_duplicated_options_are_refused():
    with pytest.raises(TallyInputError, match="deux fois"):
        tally_schulze(["A", "B", "A"], [])


# --- properties ------------------------------------------------------------------------


@st.composite
def elections(draw, max_options=5):
    options = [f"o{i}" for i in range(draw(st.integers(1, max_options)))]
    ballots = []
    for _ in range(draw(st.integers(0, 12))):
        ranked = draw(st.permutations(options))[: draw(st.integers(0, len(options)))]
        # Cut the ranked options into ranks of tied options.
        cuts = sorted(draw(st.sets(st.integers(1, max(1, len(ranked) - 1)), max_size=len(ranked))))
        bounds = [0, *[c for c in cuts if c < len(ranked)], len(ranked)]
        ballots.append([list(ranked[a:b]) for a, b in itertools.pairwise(bounds) if a < b])
    return options, ballots


def reference_pairwise(options, ballots):
    def level(ballot, option):
        for position, rank in enumerate(ballot):
            if option in rank:
                return position
        return len(ballot)  # unranked: below every rank

    return {a: {b: sum(level(x, a) < level(x, b) for x in ballots) for b in options if b != a} for a in options}


def reference_strongest_path(d, a, b, options):
    """Widest path by brute force over every simple path from a to b."""
    best = 0
    others = [o for o in options if o not in (a, b)]
    for size in range(len(others) + 1):
        for middle in itertools.permutations(others, size):
            path = [a, *middle, b]
            links = [d[x][y] for x, y in itertools.pairwise(path) if d[x][y] > d[y][x]]
            if len(links) == len(path) - 1:
                best = max(best, min(links))
    return best


@given(elections())
def test_matrices_match_brute_force(election):
    options, ballots = election
    result = tally_schulze(options, ballots)
    d = reference_pairwise(options, ballots)
    assert result.pairwise == d
    for a in options:
        for b in options:
            if a != b:
                assert result.strongest_paths[a][b] == reference_strongest_path(d, a, b, options)


@given(elections())
def test_ranking_is_a_partition_consistent_with_strongest_paths(election):
    options, ballots = election
    result = tally_schulze(options, ballots)
    p = result.strongest_paths
    assert sorted(o for group in result.ranking for o in group) == sorted(options)
    assert result.winners == result.ranking[0]
    for x in result.winners:
        assert all(p[x][y] >= p[y][x] for y in options if y != x)
    for upper, lower in itertools.combinations(result.ranking, 2):
        for x in upper:
            for y in lower:
                assert not p[y][x] > p[x][y]
    for group in result.ranking:
        for x, y in itertools.combinations(group, 2):
            assert p[x][y] == p[y][x]


@given(elections())
def test_condorcet_winner_is_the_sole_schulze_winner(election):
    options, ballots = election
    d = reference_pairwise(options, ballots)
    condorcet = [a for a in options if all(d[a][b] > d[b][a] for b in options if b != a)]
    result = tally_schulze(options, ballots)
    if condorcet:
        assert result.winners == (condorcet[0],)
        assert result.condorcet_winner == condorcet[0]
    else:
        assert result.condorcet_winner is None


@given(elections(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_ballot_order(election, rng):
    options, ballots = election
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    assert tally_schulze(options, shuffled) == tally_schulze(options, ballots)
