"""Legal profile: model-statutes defaults, legal floors that no setting may cross."""

from fractions import Fraction

import pytest

from app.errors import Forbidden, InvalidInput
from app.meetings.assembly import services as ga
from app.meetings.assembly.rules import Rule
from app.members.models import MemberStatus

F = Fraction


def _update(actor, **changes):
    values = dict(name="Facettes SCOP", legal_form="scop_sarl", registered_office="12 rue des Tisserands, Lyon",
                  registration_number="RCS Lyon 123 456 789")
    values.update(changes)
    return ga.update_profile(actor, **values)


def test_domain_model_statutes_sarl_defaults(gerant):
    profile = ga.profile()
    assert profile.legal_form == "scop_sarl"
    assert ga.rule_of(profile, "ordinary", 1) == Rule(None, F(1, 2), True, "whole_electorate")
    assert ga.rule_of(profile, "ordinary", 2) == Rule(None, F(1, 2), True, "present_or_represented")
    assert ga.rule_of(profile, "extraordinary", 1) == Rule(F(3, 4), F(3, 4), False, "present_or_represented")
    assert ga.rule_of(profile, "extraordinary", 2) == Rule(F(1, 2), F(3, 4), False, "present_or_represented")


def test_domain_l223_30_age_quorum_floor_quarter_then_fifth(gerant):
    with pytest.raises(InvalidInput) as error:
        _update(gerant, assembly_rules={("extraordinary", 1): Rule(F(1, 5), F(3, 4), False, "present_or_represented")})
    assert "L223-30" in error.value.fields["extraordinary_1"][0]
    with pytest.raises(InvalidInput):
        _update(gerant, assembly_rules={("extraordinary", 2): Rule(F(1, 6), F(3, 4), False, "present_or_represented")})
    with pytest.raises(InvalidInput):
        _update(gerant, assembly_rules={("extraordinary", 2): Rule(None, F(3, 4), False, "present_or_represented")})
    assert ga.rule_of(ga.profile(), "extraordinary", 1).quorum == F(3, 4)  # nothing changed
    _update(gerant, assembly_rules={("extraordinary", 1): Rule(F(1, 4), F(3, 4), False, "present_or_represented"),
                                    ("extraordinary", 2): Rule(F(1, 5), F(3, 4), False, "present_or_represented")})
    profile = ga.profile()
    assert ga.rule_of(profile, "extraordinary", 1).quorum == F(1, 4)
    assert ga.rule_of(profile, "extraordinary", 2).quorum == F(1, 5)
    assert profile.name == "Facettes SCOP" and profile.registration_number == "RCS Lyon 123 456 789"


def test_domain_l223_30_age_majority_floor_two_thirds_of_present_or_represented(gerant):
    with pytest.raises(InvalidInput):  # 3/5 < 2/3
        _update(gerant, assembly_rules={("extraordinary", 1): Rule(F(3, 4), F(3, 5), False, "present_or_represented")})
    with pytest.raises(InvalidInput) as error:  # votes cast is a smaller base than the law's
        _update(gerant, assembly_rules={("extraordinary", 1): Rule(F(3, 4), F(2, 3), False, "votes_cast")})
    assert "L223-30" in error.value.fields["extraordinary_1"][0]
    _update(gerant, assembly_rules={("extraordinary", 1): Rule(F(3, 4), F(2, 3), False, "present_or_represented")})
    assert ga.rule_of(ga.profile(), "extraordinary", 1).majority == F(2, 3)


def test_domain_l223_29_ago_first_convocation_floor_more_than_half_of_all_associates(gerant):
    with pytest.raises(InvalidInput):
        _update(gerant, assembly_rules={("ordinary", 1): Rule(None, F(1, 2), True, "present_or_represented")})
    with pytest.raises(InvalidInput):
        _update(gerant, assembly_rules={("ordinary", 1): Rule(None, F(1, 2), False, "whole_electorate")})
    _update(gerant, assembly_rules={("ordinary", 1): Rule(None, F(2, 3), False, "whole_electorate")})


def test_domain_l225_96_l225_98_sa_defaults_and_floors(gerant):
    _update(gerant, legal_form="scop_sa")
    profile = ga.profile()
    assert ga.rule_of(profile, "ordinary", 1) == Rule(F(1, 5), F(1, 2), True, "votes_cast")
    assert ga.rule_of(profile, "ordinary", 2).quorum is None
    assert ga.rule_of(profile, "extraordinary", 1) == Rule(F(1, 4), F(2, 3), False, "votes_cast")
    assert ga.rule_of(profile, "extraordinary", 2).quorum == F(1, 5)
    with pytest.raises(InvalidInput) as error:
        _update(gerant, legal_form="scop_sa", assembly_rules={("ordinary", 1): Rule(F(1, 6), F(1, 2), True,
                                                                                      "votes_cast")})
    assert "L225-98" in error.value.fields["ordinary_1"][0]


def test_profile_bad_input_changes_nothing(gerant, make_member):
    _update(gerant)
    with pytest.raises(InvalidInput) as error:
        _update(gerant, name=" ", legal_form="scop_sas")
    assert set(error.value.fields) == {"name", "legal_form"}
    with pytest.raises(InvalidInput):
        _update(gerant, assembly_rules={("ordinary", 3): Rule(None, F(1, 2), True, "votes_cast")})
    with pytest.raises(InvalidInput):
        _update(gerant, assembly_rules={("ordinary", 2): Rule(None, F(1, 1), True, "whole_electorate")})
    associate = make_member(MemberStatus.ESA)
    with pytest.raises(Forbidden):
        _update(associate, name="Autre nom")
    assert ga.profile().name == "Facettes SCOP" and ga.profile().legal_form == "scop_sarl"
