import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.votes.methods import Objection, TallyInputError, tally_consent

HARM = "Le calendrier proposé empêche les ES en mission de participer : il nuit à notre but d'inclusion."


def test_domain_consent_adopted_when_no_reasoned_objection_remains():
    assert tally_consent([], round_number=1).adopted
    result = tally_consent([Objection(HARM, author="Awa", withdrawn=True)], round_number=2)
    assert result.adopted
    assert result.standing == ()
    assert result.sentence == "Adoptée par consentement au tour 2 : aucune objection ne subsiste (1 objection levée)."


def test_domain_consent_standing_reasoned_objection_blocks_adoption():
    standing = Objection(HARM, author="Awa")
    result = tally_consent([standing, Objection("Autre tort", withdrawn=True)], round_number=1)
    assert not result.adopted
    assert result.standing == (standing,)
    assert len(result.withdrawn) == 1
    assert result.sentence == "Non adoptée au tour 1 : 1 objection motivée subsiste (1 objection levée)."


@pytest.mark.parametrize("reason", ["", "   \n", None])
def test_domain_consent_objection_must_state_a_reason(reason):
    with pytest.raises(TallyInputError, match="n'est pas motivée"):
        tally_consent([Objection(HARM), Objection(reason)])


@pytest.mark.parametrize("round_number", [0, -1, True, 1.0])
def test_round_number_must_be_a_positive_integer(round_number):
    with pytest.raises(TallyInputError, match="tour"):
        tally_consent([], round_number=round_number)


def test_only_objections_are_accepted():
    with pytest.raises(TallyInputError, match="n'est pas une objection"):
        tally_consent(["je ne suis pas d'accord"])


def test_plural_sentence():
    result = tally_consent([Objection(HARM), Objection(HARM)], round_number=3)
    assert result.sentence == "Non adoptée au tour 3 : 2 objections motivées subsistent."


@given(st.lists(st.booleans(), max_size=8))
def test_adopted_exactly_when_every_objection_is_withdrawn(withdrawn_flags):
    result = tally_consent([Objection(HARM, withdrawn=w) for w in withdrawn_flags])
    assert result.adopted == all(withdrawn_flags)
    assert len(result.standing) == withdrawn_flags.count(False)
