"""Statuses, roles and CAE deadlines: the rules of DOMAIN.md that the members domain applies."""

from datetime import date

import pytest

from app import policy
from app.errors import Forbidden, InvalidInput
from app.extensions import db
from app.members import services
from app.members.models import Member, MemberStatus, RoleKind
from app.timeutil import add_months, local_today
from tests.conftest import sign_in


def test_status_history_answers_for_any_date(make_member):
    member = make_member(MemberStatus.CAPE, since=date(2022, 3, 1))
    services.record_status(member, MemberStatus.ES, date(2023, 1, 1))
    services.record_status(member, MemberStatus.ESA, date(2025, 6, 1))
    assert member.status_on(date(2022, 2, 28)) is None
    assert member.status_on(date(2022, 12, 31)) is MemberStatus.CAPE
    assert member.status_on(date(2023, 1, 1)) is MemberStatus.ES
    assert member.status_on(date(2025, 6, 1)) is MemberStatus.ESA
    assert [c.status for c in member.status_changes] == ["cape", "es", "esa"]


def test_recording_the_same_status_again_is_refused(make_member):
    member = make_member(MemberStatus.ES, since=date(2024, 1, 1))
    with pytest.raises(InvalidInput):
        services.record_status(member, MemberStatus.ES, date(2024, 6, 1))
    assert len(member.status_changes) == 1


def test_unknown_status_is_refused_with_the_known_ones(make_member):
    member = make_member()
    with pytest.raises(InvalidInput) as error:
        services.record_status(member, "salarié", date(2024, 6, 1))
    assert "cape" in error.value.message and "esa" in error.value.message


def test_duplicate_email_is_a_field_error(make_member):
    member = make_member()
    with pytest.raises(InvalidInput) as error:
        services.create_member(email=member.email.upper(), full_name="X", status="es", status_since=date(2024, 1, 1))
    assert "email" in error.value.fields


def test_domain_associate_holds_at_least_one_share(make_member):
    with pytest.raises(InvalidInput) as error:
        services.create_member(email="a@example.org", full_name="A", status="esa",
                               status_since=date(2024, 1, 1), shares=0)
    assert "shares" in error.value.fields


def test_domain_loi_78_763_art_15_co_manager_must_be_an_associate(make_member):
    es = make_member(MemberStatus.ES)
    with pytest.raises(InvalidInput) as error:
        services.assign_role(es, RoleKind.CO_MANAGER, date(2025, 1, 1), date(2028, 12, 31))
    assert "member_id" in error.value.fields
    assert es.roles == []


def test_domain_loi_78_763_art_15_co_manager_mandate_at_most_four_years(make_member):
    esa = make_member(MemberStatus.ESA)
    with pytest.raises(InvalidInput):
        services.assign_role(esa, RoleKind.CO_MANAGER, date(2025, 1, 1), date(2029, 1, 2))
    with pytest.raises(InvalidInput):
        services.assign_role(esa, RoleKind.CO_MANAGER, date(2025, 1, 1), None)
    role = services.assign_role(esa, RoleKind.CO_MANAGER, date(2025, 1, 1), date(2029, 1, 1))
    assert role.is_current_on(date(2029, 1, 1)) and not role.is_current_on(date(2029, 1, 2))


def test_domain_seed_tutoring_lasts_six_to_twelve_months(make_member):
    tutor, newcomer = make_member(MemberStatus.ESA), make_member(MemberStatus.CAPE)
    for too_short_or_long in (date(2025, 6, 30), date(2026, 1, 2)):
        with pytest.raises(InvalidInput):
            services.assign_role(tutor, RoleKind.TUTOR, date(2025, 1, 1), too_short_or_long, tutee=newcomer)
    with pytest.raises(InvalidInput):
        services.assign_role(tutor, RoleKind.TUTOR, date(2025, 1, 1), date(2025, 9, 1))  # nobody followed
    role = services.assign_role(tutor, RoleKind.TUTOR, date(2025, 1, 1), date(2025, 9, 1), tutee=newcomer)
    assert role.tutee == newcomer


def test_domain_l7331_3_es_deadline_is_three_years_minus_cape_time(make_member):
    member = make_member(MemberStatus.CAPE, since=date(2024, 1, 1))
    services.record_status(member, MemberStatus.ES, date(2024, 7, 1))  # 182 days under CAPE
    deadline = services.associate_deadline(member)
    assert deadline.es_since == date(2024, 7, 1)
    assert deadline.cape_days == 182
    assert deadline.deadline == date(2026, 12, 31)  # 2027-07-01 minus 182 days
    assert deadline.warning_from == date(2026, 7, 3)  # 2027-01-01 (30 months) minus 182 days


def test_domain_l7331_3_warning_from_thirty_months(make_member):
    today = local_today()
    recent = make_member(MemberStatus.ES, since=add_months(today, -29))
    late = make_member(MemberStatus.ES, since=add_months(today, -31))
    assert not services.associate_deadline(recent).warns_on(today)
    assert services.associate_deadline(late).warns_on(today)


def test_member_page_shows_the_deadline_warning(client, make_member):
    member = make_member(MemberStatus.ES, since=add_months(local_today(), -31))
    sign_in(client, member)
    page = client.get(f"/membres/{member.id}").get_data(as_text=True)
    assert 'role="alert"' in page and "2" in page


def test_no_deadline_for_associates_or_cape(make_member):
    assert services.associate_deadline(make_member(MemberStatus.ESA)) is None
    assert services.associate_deadline(make_member(MemberStatus.CAPE)) is None


def test_policy_only_the_administrator_manages_members(make_member, admin):
    es = make_member(MemberStatus.ES)
    co_manager = make_member(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER])
    assert policy.can(admin, "members.manage")
    for member in (es, co_manager):
        with pytest.raises(Forbidden):
            policy.require(member, "members.manage")


def test_policy_former_members_lose_access(make_member):
    member = make_member(MemberStatus.ES, since=date(2023, 1, 1))
    services.record_status(member, MemberStatus.FORMER, date(2025, 1, 1))
    assert not policy.can(member, "members.view")


def test_admin_records_status_role_and_shares_from_the_member_page(client, admin, make_member):
    member = make_member(MemberStatus.ES, since=date(2023, 1, 1))
    sign_in(client, admin)
    assert client.post(f"/membres/{member.id}/statut", data={"status": "esa", "effective_on": "2025-05-01",
                                                           "note": "AG du 30 avril"}).status_code == 302
    assert client.post(f"/membres/{member.id}/parts", data={"shares": "4"}).status_code == 302
    assert client.post(f"/membres/{member.id}/roles", data={"kind": "co_manager", "starts_on": "2025-06-01",
                                                          "ends_on": "2029-05-31", "tutee_id": ""}).status_code == 302
    db.session.refresh(member)
    assert member.status_on(date(2025, 5, 1)) is MemberStatus.ESA and member.shares == 4
    assert member.has_role_on(RoleKind.CO_MANAGER, date(2026, 1, 1))
    assert member.status_changes[-1].recorded_by == admin


def test_bad_role_from_the_page_changes_nothing(client, admin, make_member):
    member = make_member(MemberStatus.ES)
    sign_in(client, admin)
    response = client.post(f"/membres/{member.id}/roles", data={"kind": "co_manager", "starts_on": "2025-06-01",
                                                               "ends_on": "2031-05-31", "tutee_id": ""})
    assert response.status_code == 422
    assert "4" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Member)) == 2
    db.session.refresh(member)
    assert member.roles == []


def test_non_admin_cannot_change_statuses(client, make_member):
    es, other = make_member(MemberStatus.ES), make_member(MemberStatus.ES)
    sign_in(client, es)
    response = client.post(f"/membres/{other.id}/statut", data={"status": "esa", "effective_on": "2025-05-01"})
    assert response.status_code == 403
    assert len(other.status_changes) == 1


def test_profile_edit_skills_themes_language(client, make_member):
    member = make_member()
    sign_in(client, member)
    response = client.post("/profil", data={"full_name": "Camille Martin", "bio": "Sociologue",
                                            "skills": "facilitation, sociologie, facilitation",
                                            "themes": "mobilité durable; habitat participatif", "language": "en"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert [s.label for s in member.skills] == ["facilitation", "sociologie"]
    assert [t.label for t in member.themes] == ["habitat participatif", "mobilité durable"]
    assert member.language == "en"
    directory = client.get("/membres?q=camille").get_data(as_text=True)
    assert "Camille Martin" in directory


def test_directory_filters_by_current_status(client, make_member):
    viewer = make_member(MemberStatus.ESA, name="Zoé Viewer")
    make_member(MemberStatus.CAPE, name="Yves Cape")
    sign_in(client, viewer)
    page = client.get("/membres?statut=cape").get_data(as_text=True)
    assert "Yves Cape" in page and "Zoé Viewer" not in page
    bad = client.get("/membres?statut=nonsense")
    assert bad.status_code == 200 and "nonsense" in bad.get_data(as_text=True)


def test_directory_search_takes_percent_and_underscore_literally(client, make_member):
    viewer = make_member(MemberStatus.ESA, name="Zoé Viewer")
    make_member(MemberStatus.ES, name="Ana_Lyse 100%")
    sign_in(client, viewer)
    assert "Zoé Viewer" not in client.get("/membres?q=%25").get_data(as_text=True)  # not a wildcard
    assert "Zoé Viewer" not in client.get("/membres?q=_").get_data(as_text=True)
    assert "Ana_Lyse 100%" in client.get("/membres?q=100%25").get_data(as_text=True)
    assert "Ana_Lyse 100%" in client.get("/membres?q=a_l").get_data(as_text=True)


def test_directory_is_paged_keeping_the_search_and_counting_every_match(app, client, make_member, monkeypatch):
    monkeypatch.setitem(app.config, "LIST_PAGE_SIZE", 2)
    viewer = make_member(MemberStatus.ESA, name="Aa Viewer")
    for name in ("Bb Pagé", "Cc Pagé", "Dd Pagé"):
        make_member(MemberStatus.ES, name=name)
    sign_in(client, viewer)
    first = client.get("/membres?q=pag").get_data(as_text=True)
    assert "3 membres" in first  # every match is counted, not only this page's
    assert "Bb Pagé" in first and "Cc Pagé" in first and "Dd Pagé" not in first
    assert "Page 1 sur 2" in first and "page=2" in first and "q=pag" in first
    second = client.get("/membres?q=pag&page=2").get_data(as_text=True)
    assert "Dd Pagé" in second and "Bb Pagé" not in second and "Page 2 sur 2" in second
    # Beyond the end, or not a number: the last page, or the first — never an error.
    assert "Dd Pagé" in client.get("/membres?q=pag&page=99").get_data(as_text=True)
    assert "Bb Pagé" in client.get("/membres?q=pag&page=abc").get_data(as_text=True)
    assert "Bb Pagé" in client.get("/membres?q=pag&page=-1").get_data(as_text=True)
