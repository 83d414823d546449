"""The four levels as data: electorates by date, and the lowest level each matter allows."""

from datetime import date
from fractions import Fraction

import pytest

from app.errors import InvalidInput
from app.governance import services
from app.governance.models import LevelCode
from app.members import services as members
from app.members.models import MemberStatus, RoleKind


def test_four_levels_are_seeded_in_order():
    assert [level.code for level in services.levels()] == [
        "online", "seminar", "co_management", "general_assembly"]


@pytest.mark.parametrize("matter, lowest", [
    ("statutes", "general_assembly"), ("exclusion", "general_assembly"), ("dissolution_merger", "general_assembly"),
    ("registered_office", "general_assembly"), ("employee_application_refusal", "general_assembly"),
    ("annual_accounts", "general_assembly"), ("associate_admission", "general_assembly"),
    ("co_manager_appointment", "general_assembly"), ("entrepreneur_entry", "seminar"),
    ("organisation", "seminar"), ("daily_administration", "co_management"), ("everyday", "online"),
])
def test_domain_who_decides_what_defaults(matter, lowest):
    assert services.matter_by_code(matter).min_level.code == lowest


def test_domain_statutes_need_an_extraordinary_assembly():
    assert services.matter_by_code("statutes").assembly_kind == "extraordinary"
    assert services.matter_by_code("annual_accounts").assembly_kind == "ordinary"


def test_scheduling_below_the_matters_level_is_refused_with_the_reason():
    statutes = services.matter_by_code("statutes")
    with pytest.raises(InvalidInput) as error:
        services.require_level_may_decide(statutes, services.level_by_code(LevelCode.SEMINAR))
    assert "level" in error.value.fields
    services.require_level_may_decide(statutes, services.level_by_code(LevelCode.GENERAL_ASSEMBLY))


def test_domain_online_and_seminar_open_to_cape_es_esa_alike(make_member):
    cape, es, esa = make_member(MemberStatus.CAPE), make_member(MemberStatus.ES), make_member(MemberStatus.ESA)
    seminar = services.level_by_code(LevelCode.SEMINAR)
    assert services.electorate_on(seminar, date(2025, 1, 1)) == [cape, es, esa]


def test_domain_loi_78_763_art_14_only_associates_vote_at_the_ag(make_member):
    es = make_member(MemberStatus.ES, since=date(2022, 1, 1))
    esa = make_member(MemberStatus.ESA, since=date(2022, 1, 1))
    external = make_member(MemberStatus.EXTERNAL_ASSOCIATE, since=date(2022, 1, 1))
    former = make_member(MemberStatus.ESA, since=date(2020, 1, 1))
    members.record_status(former, MemberStatus.FORMER, date(2024, 1, 1))
    members.record_status(es, MemberStatus.ESA, date(2025, 6, 1))
    assembly = services.level_by_code(LevelCode.GENERAL_ASSEMBLY)
    # The electorate is read on the date asked: ES became associate after 1 January 2025.
    assert services.electorate_on(assembly, date(2025, 1, 1)) == [esa, external]
    assert services.electorate_on(assembly, date(2025, 6, 1)) == [es, esa, external]


def test_co_management_level_is_the_co_managers_in_mandate(make_member):
    co_manager = make_member(MemberStatus.ESA, since=date(2024, 1, 1), roles=[RoleKind.CO_MANAGER])
    make_member(MemberStatus.ESA)
    level = services.level_by_code(LevelCode.CO_MANAGEMENT)
    assert services.electorate_on(level, date(2025, 1, 1)) == [co_manager]
    assert services.electorate_on(level, date(2028, 1, 1)) == []  # mandate ended 2027-12-31


def test_level_rules_are_editable_and_validated():
    online = services.level_by_code(LevelCode.ONLINE)
    services.update_level(online, majority=Fraction(2, 3), majority_strict=False, quorum=Fraction(1, 4),
                          escalation_share=Fraction(1, 10))
    assert online.majority == Fraction(2, 3) and online.quorum == Fraction(1, 4)
    assert online.escalation_share == Fraction(1, 10)
    with pytest.raises(InvalidInput):
        services.update_level(online, majority=Fraction(3, 2))
    with pytest.raises(InvalidInput):
        services.update_level(online, default_method="dice")
    assert online.majority == Fraction(2, 3)
