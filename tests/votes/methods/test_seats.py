import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.votes.methods import SeatsMethod, TallyInputError, tally_approval, tally_single_choice

CANDIDATES = ["Awa", "Bruno", "Chloé", "Driss"]


def test_approval_elects_the_most_approved():
    ballots = [{"Awa", "Bruno"}, {"Awa", "Chloé"}, {"Awa", "Bruno", "Chloé", "Driss"}, {"Bruno"}, set()]
    result = tally_approval(CANDIDATES, ballots, seats=2)
    assert result.method is SeatsMethod.APPROVAL
    assert result.counts == (("Awa", 3), ("Bruno", 3), ("Chloé", 2), ("Driss", 1))
    assert result.elected == ("Awa", "Bruno")
    assert result.tied == () and result.undecided_seats == 0
    assert (result.ballot_count, result.blank_ballots) == (5, 1)
    assert result.sentence == "Élu·es : « Awa » et « Bruno »."


def test_tie_at_the_last_seat_is_reported_not_decided():
    ballots = [{"Awa", "Bruno"}, {"Awa", "Chloé"}, {"Awa"}]
    result = tally_approval(CANDIDATES, ballots, seats=2)
    assert result.elected == ("Awa",)
    assert result.tied == ("Bruno", "Chloé")
    assert result.undecided_seats == 1
    assert result.sentence == (
        "Élu·e : « Awa » ; égalité pour 1 siège restant entre « Bruno » et « Chloé » (1 voix chacun·e) : à départager."
    )


def test_tie_for_every_seat():
    result = tally_single_choice(["A", "B", "C"], [["A"], ["B"], ["C"]], seats=2)
    assert result.elected == () and result.tied == ("A", "B", "C") and result.undecided_seats == 2
    assert result.sentence == (
        "Égalité pour 2 sièges restants entre « A », « B » et « C » (1 voix chacun·e) : à départager."
    )


def test_equal_counts_filling_the_seats_exactly_are_no_tie():
    result = tally_single_choice(CANDIDATES, [["Awa", "Bruno"], ["Awa", "Bruno"], ["Chloé"]], seats=2)
    assert result.elected == ("Awa", "Bruno") and result.tied == ()


def test_single_choice_allows_one_name_per_seat_at_most():
    assert tally_single_choice(CANDIDATES, [["Awa", "Bruno"]], seats=2).elected == ("Awa", "Bruno")
    with pytest.raises(TallyInputError, match="un nom au plus par siège"):
        tally_single_choice(CANDIDATES, [["Awa"], ["Awa", "Bruno"]], seats=1)


def test_approval_allows_any_number_of_names():
    result = tally_approval(CANDIDATES, [CANDIDATES, ["Awa"]], seats=1)
    assert result.elected == ("Awa",)


@pytest.mark.parametrize(
    ("ballot", "message"),
    [(["Zoé"], "candidat inconnu 'Zoé'"), (["Awa", "Awa"], "nommé deux fois"), ("Awa", "une liste de candidats"),
     (None, "une liste de candidats")],
)
def test_invalid_ballots_are_refused(ballot, message):
    for tally in (tally_approval, tally_single_choice):
        with pytest.raises(TallyInputError, match=message):
            tally(CANDIDATES, [["Bruno"], ballot], seats=2)


@pytest.mark.parametrize("seats", [0, 5, -1, True, 1.5])
def test_invalid_seat_counts_are_refused(seats):
    with pytest.raises(TallyInputError, match="sièges"):
        tally_approval(CANDIDATES, [], seats=seats)


def test_duplicated_candidates_are_refused():
    with pytest.raises(TallyInputError, match="deux fois dans la liste des candidats"):
        tally_approval(["Awa", "Awa"], [], seats=1)


@st.composite
def elections(draw):
    candidates = [f"c{i}" for i in range(draw(st.integers(1, 6)))]
    seats = draw(st.integers(1, len(candidates)))
    ballots = draw(st.lists(st.sets(st.sampled_from(candidates)), max_size=15))
    return candidates, ballots, seats


@given(elections(), st.randoms(use_true_random=False))
def test_seats_properties(election, rng):
    candidates, ballots, seats = election
    result = tally_approval(candidates, ballots, seats)
    votes = dict(result.counts)
    assert votes == {c: sum(c in b for b in ballots) for c in candidates}
    assert len(result.elected) + result.undecided_seats == seats
    assert len(result.tied) > result.undecided_seats or not result.tied
    others = [c for c in candidates if c not in result.elected and c not in result.tied]
    assert all(votes[e] > votes[o] for e in result.elected for o in [*result.tied, *others])
    assert all(votes[t] > votes[o] for t in result.tied for o in others)
    assert len({votes[t] for t in result.tied}) <= 1
    # A tie exists exactly when the seats-th and the next candidate have equal votes.
    ordered = sorted(votes.values(), reverse=True)
    assert bool(result.tied) == (seats < len(ordered) and ordered[seats - 1] == ordered[seats])
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    assert tally_approval(candidates, shuffled, seats) == result
