from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.votes.methods import (
    Base,
    MajorityRule,
    Outcome,
    TallyInputError,
    fraction_words,
    minimal_for,
    tally_yes_no,
)

HALF = Fraction(1, 2)
TWO_THIRDS = Fraction(2, 3)
THREE_QUARTERS = Fraction(3, 4)
SIMPLE_MAJORITY_CAST = MajorityRule(HALF, Base.VOTES_CAST, strict=True)


def vote(rule, *, votes_for, against, abstain=0, blank=0, void=0, electorate=None, present=None, quorum=None):
    ballots = votes_for + against + abstain + blank + void
    present = ballots if present is None else present
    electorate = present if electorate is None else electorate
    return tally_yes_no(
        votes_for=votes_for, against=against, abstain=abstain, blank=blank, void=void,
        electorate=electorate, present_or_represented=present, rule=rule, quorum=quorum,
    )


# --- worked examples (docs/tally-methods.md) --------------------------------------------


def test_two_thirds_of_votes_cast_example_sentence():
    result = vote(MajorityRule(TWO_THIRDS, Base.VOTES_CAST), votes_for=14, against=5, abstain=2)
    assert result.outcome is Outcome.ADOPTED
    assert result.required_for == 13  # 2/3 × 19 = 12.67 → 13
    assert result.sentence == (
        "Adoptée à la majorité des deux tiers des voix exprimées : 14 pour, 5 contre, 2 abstentions."
    )


def test_exactly_two_thirds_adopts_under_at_least():
    result = vote(MajorityRule(TWO_THIRDS, Base.VOTES_CAST), votes_for=14, against=7)
    assert result.required_for == 14
    assert result.adopted


def test_exactly_two_thirds_rejects_under_more_than():
    result = vote(MajorityRule(TWO_THIRDS, Base.VOTES_CAST, strict=True), votes_for=14, against=7)
    assert result.required_for == 15
    assert result.outcome is Outcome.REJECTED
    assert result.sentence == (
        "Rejetée faute d'atteindre plus des deux tiers des voix exprimées (15 voix pour requises) : "
        "14 pour, 7 contre, 0 abstention."
    )


@pytest.mark.parametrize(("cast", "required"), [(1, 1), (2, 2), (19, 10), (20, 11), (21, 11)])
def test_simple_majority_required_votes(cast, required):
    assert minimal_for(SIMPLE_MAJORITY_CAST, cast) == required


def test_unanimity_needs_every_vote_cast():
    rule = MajorityRule(Fraction(1), Base.VOTES_CAST)
    assert vote(rule, votes_for=9, against=0, abstain=3).adopted
    rejected = vote(rule, votes_for=9, against=1)
    assert rejected.outcome is Outcome.REJECTED and rejected.required_for == 10
    assert "l'unanimité des voix exprimées" in rejected.sentence


def test_nothing_is_adopted_without_a_single_vote_for():
    # "at least 1/2 of 0 votes cast" is 0: the floor of one vote in favour must apply.
    result = vote(MajorityRule(HALF, Base.VOTES_CAST), votes_for=0, against=0, abstain=4)
    assert result.required_for == 1
    assert result.outcome is Outcome.REJECTED


# --- ties ------------------------------------------------------------------------------


def test_even_split_under_simple_majority_is_a_tie_and_not_adopted():
    result = vote(SIMPLE_MAJORITY_CAST, votes_for=10, against=10, abstain=3)
    assert result.outcome is Outcome.TIE
    assert not result.adopted
    assert result.sentence.startswith("Partage égal des voix, la résolution n'est pas adoptée")


def test_even_split_on_present_base_is_a_tie_counting_abstentions_against():
    rule = MajorityRule(HALF, Base.PRESENT_OR_REPRESENTED, strict=True)
    result = vote(rule, votes_for=10, against=6, abstain=4)
    assert result.outcome is Outcome.TIE
    assert result.counted_against == 10


def test_even_split_adopts_under_at_least_half():
    assert vote(MajorityRule(HALF, Base.VOTES_CAST), votes_for=10, against=10).outcome is Outcome.ADOPTED


def test_even_split_under_two_thirds_is_a_plain_rejection():
    rule = MajorityRule(TWO_THIRDS, Base.VOTES_CAST, strict=True)
    assert vote(rule, votes_for=10, against=10).outcome is Outcome.REJECTED


def test_no_vote_cast_is_not_a_tie():
    assert vote(SIMPLE_MAJORITY_CAST, votes_for=0, against=0, abstain=5).outcome is Outcome.REJECTED


def test_exactly_half_of_the_whole_electorate_is_rejected_not_tied():
    rule = MajorityRule(HALF, Base.WHOLE_ELECTORATE, strict=True)
    assert vote(rule, votes_for=15, against=1, electorate=30).outcome is Outcome.REJECTED


# --- rules from DOMAIN.md -------------------------------------------------------------------


def test_domain_present_or_represented_base_counts_abstention_as_no():
    rule = MajorityRule(HALF, Base.PRESENT_OR_REPRESENTED, strict=True)
    result = vote(rule, votes_for=10, against=5, abstain=6)
    assert result.outcome is Outcome.REJECTED  # 10 of 21 is not more than half
    assert result.counted_against == 11
    # DOMAIN: "an abstention weighs as a no; show it that way".
    shown = "abstentions, blancs, nuls et non-votants comptent comme « contre » : 10 pour, 11 contre sur 21"
    assert shown in result.sentence
    # The same ballots on the votes-cast base adopt: the base alone changed the outcome.
    assert vote(SIMPLE_MAJORITY_CAST, votes_for=10, against=5, abstain=6).adopted


def test_domain_present_or_represented_base_counts_blank_void_and_non_voters_as_no():
    rule = MajorityRule(HALF, Base.PRESENT_OR_REPRESENTED, strict=True)
    result = vote(rule, votes_for=12, against=4, blank=3, void=2, present=25)
    assert result.not_voting == 4
    assert result.counted_against == 13
    assert result.outcome is Outcome.REJECTED


def test_domain_sa_votes_cast_base_excludes_abstention_blank_and_void():
    # loi 2019-744 art. 16: abstentions, blank and void ballots are not counted.
    result = vote(SIMPLE_MAJORITY_CAST, votes_for=10, against=9, abstain=10, blank=10, void=10)
    assert result.base_count == 19
    assert result.adopted


def test_domain_sarl_ago_first_convocation_more_than_half_of_all_associates():
    rule = MajorityRule(HALF, Base.WHOLE_ELECTORATE, strict=True)
    assert not vote(rule, votes_for=15, against=0, electorate=30, present=15).adopted
    adopted = vote(rule, votes_for=16, against=0, electorate=30, present=16)
    assert adopted.adopted and adopted.required_for == 16
    assert adopted.sentence.startswith("Adoptée à la majorité de l'ensemble des inscrits : 16 pour")


def test_domain_sarl_ago_second_convocation_majority_of_present_or_represented():
    rule = MajorityRule(HALF, Base.PRESENT_OR_REPRESENTED, strict=True)
    result = vote(rule, votes_for=6, against=2, abstain=2, electorate=30)
    assert result.quorum_reached and result.adopted
    assert result.required_for == 6


def test_domain_sarl_age_first_convocation_quorum_of_three_quarters():
    rule = MajorityRule(THREE_QUARTERS, Base.PRESENT_OR_REPRESENTED)
    short = vote(rule, votes_for=14, against=0, electorate=20, present=14, quorum=THREE_QUARTERS)
    assert short.outcome is Outcome.NO_QUORUM and not short.quorum_reached
    assert short.quorum_required == 15
    assert short.sentence == (
        "Quorum non atteint : 14 présents ou représentés sur 20 inscrits, il en fallait au moins 15 "
        "(trois quarts des inscrits) ; la résolution ne peut être adoptée."
    )
    assert vote(rule, votes_for=15, against=0, electorate=20, present=15, quorum=THREE_QUARTERS).adopted


def test_domain_sarl_age_second_convocation_quorum_half_and_three_quarters_of_present():
    rule = MajorityRule(THREE_QUARTERS, Base.PRESENT_OR_REPRESENTED)
    adopted = vote(rule, votes_for=8, against=1, abstain=1, electorate=20, quorum=HALF)
    assert adopted.quorum_reached and adopted.required_for == 8 and adopted.adopted  # 3/4 × 10 = 7.5
    # Seven "for" and three abstentions: the abstentions weigh as "no", 7 < 7.5.
    assert not vote(rule, votes_for=7, against=0, abstain=3, electorate=20, quorum=HALF).adopted


def test_domain_sarl_age_legal_floor_two_thirds_reached_exactly():
    rule = MajorityRule(TWO_THIRDS, Base.PRESENT_OR_REPRESENTED)
    assert vote(rule, votes_for=8, against=2, abstain=2).adopted  # 8 = 2/3 × 12
    assert not vote(rule, votes_for=7, against=2, abstain=3).adopted


def test_domain_sa_ago_quorum_of_one_fifth_rounds_up():
    rule = MajorityRule(HALF, Base.VOTES_CAST, strict=True)
    result = vote(rule, votes_for=2, against=0, electorate=11, quorum=Fraction(1, 5))
    assert result.quorum_required == 3  # 11/5 = 2.2 associates: 3 are needed
    assert result.outcome is Outcome.NO_QUORUM


def test_domain_result_states_threshold_and_base():
    rule = MajorityRule(THREE_QUARTERS, Base.PRESENT_OR_REPRESENTED)
    result = vote(rule, votes_for=9, against=1, abstain=0)
    assert result.rule.threshold == THREE_QUARTERS
    assert result.rule.base is Base.PRESENT_OR_REPRESENTED
    assert "la majorité des trois quarts des voix des présents ou représentés" in result.sentence


# --- wording ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "words"),
    [(HALF, "la moitié"), (TWO_THIRDS, "deux tiers"), (THREE_QUARTERS, "trois quarts"),
     (Fraction(1, 5), "un cinquième"), (Fraction(3, 5), "trois cinquièmes"), (Fraction(7, 12), "7/12")],
)
def test_fraction_words(fraction, words):
    assert fraction_words(fraction) == words


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (MajorityRule(HALF, Base.VOTES_CAST, strict=True), "la majorité des voix exprimées"),
        (MajorityRule(HALF, Base.VOTES_CAST), "au moins la moitié des voix exprimées"),
        (
            MajorityRule(TWO_THIRDS, Base.WHOLE_ELECTORATE, strict=True),
            "plus des deux tiers de l'ensemble des inscrits",
        ),
        (MajorityRule(Fraction(1, 3), Base.VOTES_CAST, strict=True), "plus d'un tiers des voix exprimées"),
        (MajorityRule(Fraction(1), Base.PRESENT_OR_REPRESENTED), "l'unanimité des voix des présents ou représentés"),
    ],
)
def test_rule_description(rule, words):
    assert rule.describe() == words


def test_sentence_lists_blank_void_and_non_voters():
    result = vote(SIMPLE_MAJORITY_CAST, votes_for=5, against=1, abstain=1, blank=2, void=1, present=12)
    assert result.sentence == (
        "Adoptée à la majorité des voix exprimées : 5 pour, 1 contre, 1 abstention, "
        "2 bulletins blancs, 1 bulletin nul, 2 non-votants."
    )


# --- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"votes_for": -1}, "négatif"),
        ({"abstain": -2}, "négatif"),
        ({"against": 1.0}, "entier"),
        ({"votes_for": True}, "entier"),
        ({"votes_for": 8}, "plus de bulletins que de votants"),
        ({"present_or_represented": 11}, "plus que le corps électoral"),
        ({"electorate": 0, "present_or_represented": 0, "votes_for": 0, "against": 0}, "aucun inscrit"),
        ({"quorum": Fraction(0)}, "quorum"),
        ({"quorum": 0.5}, "fraction exacte"),
        ({"rule": "2/3"}, "Règle de majorité"),
    ],
)
def test_invalid_counts_are_refused(changes, message):
    arguments = dict(votes_for=5, against=2, electorate=10, present_or_represented=7, rule=SIMPLE_MAJORITY_CAST)
    arguments.update(changes)
    with pytest.raises(TallyInputError, match=message):
        tally_yes_no(**arguments)


@pytest.mark.parametrize(
    ("threshold", "strict"),
    [(Fraction(0), False), (Fraction(3, 2), False), (Fraction(-1, 2), False), (0.5, False), (Fraction(1), True)],
)
def test_invalid_thresholds_are_refused(threshold, strict):
    with pytest.raises(TallyInputError):
        MajorityRule(threshold, Base.VOTES_CAST, strict=strict)


def test_tally_input_error_is_a_value_error():
    assert issubclass(TallyInputError, ValueError)


# --- properties ------------------------------------------------------------------------

thresholds = st.builds(
    Fraction, st.integers(1, 12), st.integers(1, 12)
).filter(lambda f: 0 < f <= 1)
rules = st.tuples(thresholds, st.sampled_from(Base), st.booleans()).map(
    lambda t: MajorityRule(t[0], t[1], strict=t[2] and t[0] != 1)  # "more than all" is invalid
)


def meets(rule: MajorityRule, votes_for: int, base_count: int) -> bool:
    """The rule read literally, as an oracle: no floor, no ceiling."""
    bar = rule.threshold * base_count
    return votes_for >= 1 and (votes_for > bar if rule.strict else votes_for >= bar)


@given(rule=rules, base_count=st.integers(0, 500))
def test_required_votes_is_exactly_minimal(rule, base_count):
    required = minimal_for(rule, base_count)
    assert meets(rule, required, base_count)
    assert not meets(rule, required - 1, base_count)


@st.composite
def yes_no_inputs(draw):
    counts = [draw(st.integers(0, 40)) for _ in range(5)]
    present = sum(counts) + draw(st.integers(0, 10))
    electorate = present + draw(st.integers(0, 30))
    if electorate == 0:
        electorate = 1
    quorum = draw(st.none() | thresholds)
    return counts, present, electorate, quorum


@given(rule=rules, inputs=yes_no_inputs())
def test_adopted_exactly_when_quorum_and_rule_are_met(rule, inputs):
    (votes_for, against, abstain, blank, void), present, electorate, quorum = inputs
    result = tally_yes_no(
        votes_for=votes_for, against=against, abstain=abstain, blank=blank, void=void,
        electorate=electorate, present_or_represented=present, rule=rule, quorum=quorum,
    )
    base_count = {Base.VOTES_CAST: votes_for + against, Base.PRESENT_OR_REPRESENTED: present,
                  Base.WHOLE_ELECTORATE: electorate}[rule.base]
    quorum_met = quorum is None or present >= quorum * electorate
    assert result.quorum_reached == quorum_met
    assert result.adopted == (quorum_met and meets(rule, votes_for, base_count))
    if result.outcome is Outcome.TIE:
        assert rule.threshold == HALF and rule.strict and votes_for == result.counted_against > 0


@given(rule=rules, inputs=yes_no_inputs())
def test_one_fewer_vote_for_never_adopts(rule, inputs):
    (votes_for, against, abstain, blank, void), present, electorate, _ = inputs
    result = tally_yes_no(
        votes_for=votes_for, against=against, abstain=abstain, blank=blank, void=void,
        electorate=electorate, present_or_represented=present, rule=rule,
    )
    if not result.adopted:
        return
    # Turn "for" votes into "against" down to required - 1: every base stays the same size.
    moved = votes_for - result.required_for + 1
    fewer = tally_yes_no(
        votes_for=votes_for - moved, against=against + moved, abstain=abstain, blank=blank, void=void,
        electorate=electorate, present_or_represented=present, rule=rule,
    )
    assert fewer.base_count == result.base_count
    assert not fewer.adopted
    just_enough = tally_yes_no(
        votes_for=votes_for - moved + 1, against=against + moved - 1, abstain=abstain, blank=blank,
        void=void, electorate=electorate, present_or_represented=present, rule=rule,
    )
    assert just_enough.adopted
