import functools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.votes.methods import (
    GRADE_LABELS,
    Grade,
    TallyInputError,
    majority_grade,
    tally_majority_judgment,
)
from app.votes.methods.majority_judgment import _majority_value

E, VG, G, FG, P, INS, R = (Grade(g) for g in range(7))  # Excellent … À rejeter


def ballots_from(columns: dict[str, list[int]]) -> list[dict[str, int]]:
    """{option: [grade of voter 1, grade of voter 2, …]} → one dict per voter."""
    voters = len(next(iter(columns.values())))
    return [{option: grades[v] for option, grades in columns.items()} for v in range(voters)]


# --- reference implementation: the rule read literally, slow on purpose --------------------


def reference_median(grades: list[int]) -> int:
    ordered = sorted(grades)  # best first
    return ordered[len(ordered) // 2]  # even count: the lower (worse) of the two middles


def reference_compare(a: list[int], b: list[int]) -> int:
    """< 0 when a ranks before b: remove the majority grade from both, repeatedly."""
    a, b = list(a), list(b)
    while a:
        grade_a, grade_b = reference_median(a), reference_median(b)
        if grade_a != grade_b:
            return grade_a - grade_b  # smaller grade is better
        a.remove(grade_a)
        b.remove(grade_b)
    return 0


def reference_ranks(columns: dict[str, list[int]]) -> dict[str, int]:
    """Rank 1 = best; options comparing equal share a rank (1, 1, 3)."""
    compare = functools.cmp_to_key(reference_compare)
    return {
        option: 1 + sum(1 for other in columns.values() if compare(other) < compare(grades))
        for option, grades in columns.items()
    }


def reference_majority_value(grades: list[int]) -> list[int]:
    remaining, sequence = list(grades), []
    while remaining:
        sequence.append(reference_median(remaining))
        remaining.remove(sequence[-1])
    return sequence


# --- the scale --------------------------------------------------------------------------


def test_french_scale_best_first():
    assert GRADE_LABELS == ("Excellent", "Très bien", "Bien", "Assez bien", "Passable", "Insuffisant", "À rejeter")
    assert Grade.EXCELLENT.label == "Excellent" and Grade.REJECT.label == "À rejeter"
    assert Grade.EXCELLENT < Grade.REJECT  # smaller is better


# --- worked examples from the literature ----------------------------------------------------


def test_literature_tennessee_capital_example():
    # electowiki "Majority Judgment", Tennessee capital: four ratings given by rank
    # (Excellent, Good, Fair, Poor → here Excellent, Bien, Passable, Insuffisant).
    # 42 Memphis > Nashville > Chattanooga > Knoxville, 26 N > C > K > M,
    # 15 C > K > N > M, 17 K > C > N > M. Published winner: Nashville.
    ballots = (
        [{"Memphis": E, "Nashville": G, "Chattanooga": P, "Knoxville": INS}] * 42
        + [{"Nashville": E, "Chattanooga": G, "Knoxville": P, "Memphis": INS}] * 26
        + [{"Chattanooga": E, "Knoxville": G, "Nashville": P, "Memphis": INS}] * 15
        + [{"Knoxville": E, "Chattanooga": G, "Nashville": P, "Memphis": INS}] * 17
    )
    result = tally_majority_judgment(["Memphis", "Nashville", "Chattanooga", "Knoxville"], ballots)
    assert result.ranking == (("Nashville",), ("Chattanooga",), ("Knoxville",), ("Memphis",))
    grades = {o.option: o.majority_grade for o in result.options}
    assert grades == {"Nashville": G, "Chattanooga": G, "Knoxville": P, "Memphis": INS}
    nashville = result.options[0]
    assert nashville.merit_profile == (26, 0, 42, 0, 32, 0, 0)
    assert (nashville.better, nashville.worse) == (26, 32)
    assert result.sentence == "« Nashville » l'emporte avec la mention majoritaire « Bien » (100 bulletins)."


def test_literature_condorcet_criterion_example():
    # Wikipedia "Condorcet criterion", majority judgment: 35 voters A excellent, B fair,
    # C poor; 34 C excellent, B fair, A poor; 31 B excellent, C good, A fair.
    # Published: C wins with median "good" although B is the Condorcet winner.
    # Both A and B have median "fair"; A has 35 above and 34 below, B 31 above and 0 below:
    # Balinski–Laraki's gauge ranks A (fair+, 35 %) before B (fair+, 31 %).
    ballots = (
        [{"A": E, "B": P, "C": INS}] * 35 + [{"C": E, "B": P, "A": INS}] * 34 + [{"B": E, "C": G, "A": P}] * 31
    )
    result = tally_majority_judgment("ABC", ballots)
    assert result.winners == ("C",)
    assert result.ranking == (("C",), ("A",), ("B",))
    assert [o.majority_grade for o in result.options] == [G, P, P]


# --- rules from DOMAIN.md -------------------------------------------------------------------


def test_domain_mj_majority_grade_is_the_median():
    result = tally_majority_judgment(["x"], ballots_from({"x": [E, E, FG, INS, R]}))
    assert result.options[0].majority_grade is FG


def test_domain_mj_even_count_takes_lower_middle_grade():
    assert majority_grade([1, 0, 0, 0, 1, 0, 0]) is P  # Excellent and Passable → Passable
    result = tally_majority_judgment(["x"], ballots_from({"x": [E, VG, G, R]}))
    assert result.options[0].majority_grade is G  # middles Très bien and Bien → Bien


def test_domain_mj_ties_removed_repeatedly_and_compared_lexicographically():
    # Same majority grade, and the same after one and two removals; the third removal
    # decides: "a" has Passable where "b" has Assez bien, although "a" has an Excellent.
    columns = {"a": [E, G, G, G, P], "b": [VG, G, G, G, FG]}
    assert reference_majority_value(columns["a"]) == [G, G, G, P, E]
    assert reference_majority_value(columns["b"]) == [G, G, G, FG, VG]
    result = tally_majority_judgment(["a", "b"], ballots_from(columns))
    assert result.ranking == (("b",), ("a",))


def test_domain_mj_identical_profiles_tie():
    columns = {"a": [E, R, G, G], "b": [G, G, R, E], "c": [P, P, P, P]}
    result = tally_majority_judgment(["a", "b", "c"], ballots_from(columns))
    assert result.ranking == (("a", "b"), ("c",))
    assert [o.rank for o in result.options] == [1, 1, 3]
    assert result.winners == ("a", "b")
    assert result.sentence.startswith("Égalité parfaite entre « a » et « b »")


def test_domain_mj_every_voter_grades_every_option():
    with pytest.raises(TallyInputError, match=r"il manque \['b'\]"):
        tally_majority_judgment(["a", "b"], [{"a": E, "b": G}, {"a": E}])
    with pytest.raises(TallyInputError, match=r"il manque \['b'\]"):
        tally_majority_judgment(["a", "b"], [{"a": E, "z": G}])
    with pytest.raises(TallyInputError, match=r"inconnue\(s\) \['z'\]"):
        tally_majority_judgment(["a", "b"], [{"a": E, "b": G, "z": G}])


@pytest.mark.parametrize("grade", [7, -1, True, 2.0, "Bien", None])
def test_unknown_grade_is_refused(grade):
    with pytest.raises(TallyInputError, match="mention inconnue"):
        tally_majority_judgment(["a"], [{"a": G}, {"a": grade}])


def test_other_invalid_inputs_are_refused():
    with pytest.raises(TallyInputError, match="Aucun bulletin"):
        tally_majority_judgment(["a"], [])
    with pytest.raises(TallyInputError, match="deux fois"):
        tally_majority_judgment(["a", "a"], [{"a": G}])
    with pytest.raises(TallyInputError, match="vide"):
        tally_majority_judgment([], [{}])
    with pytest.raises(TallyInputError, match="une mention par option"):
        tally_majority_judgment(["a"], [[G]])


def test_plain_ints_and_grades_mix():
    result = tally_majority_judgment(["a", "b"], [{"a": 0, "b": Grade.GOOD}, {"a": Grade.EXCELLENT, "b": 6}])
    assert result.options[0].option == "a"
    assert result.options[0].majority_grade is Grade.EXCELLENT


# --- properties ------------------------------------------------------------------------

grades = st.integers(0, 6)


@st.composite
def elections(draw, max_options=4, max_voters=12):
    option_count = draw(st.integers(1, max_options))
    voters = draw(st.integers(1, max_voters))
    options = [f"o{i}" for i in range(option_count)]
    # Few distinct grades make equal profiles and long tie-breaks likely.
    scale = draw(st.lists(grades, min_size=1, max_size=3, unique=True))
    columns = {o: draw(st.lists(st.sampled_from(scale), min_size=voters, max_size=voters)) for o in options}
    return options, columns


@given(elections())
def test_ranking_matches_the_literal_reference(election):
    options, columns = election
    result = tally_majority_judgment(options, ballots_from(columns))
    assert {o.option: o.rank for o in result.options} == reference_ranks(columns)
    for judgment in result.options:
        assert judgment.majority_grade == reference_median(columns[judgment.option])


@given(st.lists(grades, min_size=1, max_size=40))
def test_majority_value_matches_repeated_removal(grade_list):
    profile = [grade_list.count(g) for g in range(7)]
    assert _majority_value(profile) == reference_majority_value(grade_list)


@given(elections(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_ballot_order(election, rng):
    options, columns = election
    ballots = ballots_from(columns)
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    assert tally_majority_judgment(options, shuffled) == tally_majority_judgment(options, ballots)


@given(elections(max_options=4, max_voters=9), st.data())
def test_grading_an_option_higher_never_lowers_it(election, data):
    options, columns = election
    target = data.draw(st.sampled_from(options))
    ballots = ballots_from(columns)
    extra = {o: data.draw(grades) for o in options}
    raised = dict(extra, **{target: data.draw(st.integers(0, extra[target]))})  # as good or better
    before = tally_majority_judgment(options, ballots + [extra])
    after = tally_majority_judgment(options, ballots + [raised])
    rank_before = next(o.rank for o in before.options if o.option == target)
    rank_after = next(o.rank for o in after.options if o.option == target)
    assert rank_after <= rank_before
    # Lexicographic monotonicity of the majority value itself:
    profile = [sum(1 for b in ballots + [raised] if b[target] == g) for g in range(7)]
    old_profile = [sum(1 for b in ballots + [extra] if b[target] == g) for g in range(7)]
    assert _majority_value(profile) <= _majority_value(old_profile)


def test_large_tally_is_consistent_with_reference_sample():
    # A big, seeded election checked against the slow reference on its merit profiles.
    rng = random.Random(7)
    options = [f"o{i}" for i in range(6)]
    columns = {o: [rng.choice([1, 2, 2, 3, 3, 4]) for _ in range(301)] for o in options}
    result = tally_majority_judgment(options, ballots_from(columns))
    assert {o.option: o.rank for o in result.options} == reference_ranks(columns)
