"""`flask demo`: a believable Kaleido'Scop in an empty database, loaded once."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.members import demo, services
from app.members.models import Member, MemberStatus, Role, RoleKind
from app.timeutil import add_months, local_today
from tests.conftest import sign_in

SEED_SKILLS = {"assistance à maîtrise d’ouvrage", "assistance à maîtrise d’usage", "formateur-trice",
               "facilitateur-trice", "sociologue", "accompagnateur-trice des transformations", "recherche-action"}
SEED_THEMES = {"mobilité durable", "urbanisme participatif", "organisation des collectifs", "interculturalité",
               "genre", "communication", "développement durable", "participation citoyenne", "démocratie locale",
               "politiques publiques", "transformation des organisations", "économie sociale et solidaire",
               "habitat participatif", "aménagement urbain", "expérimentation dans l’espace public",
               "coopération internationale", "diagnostics d’usage"}


@pytest.fixture
def runner(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    monkeypatch.delenv("FACETTES_CONFIG", raising=False)
    return app.test_cli_runner()


def all_members() -> list[Member]:
    return list(db.session.scalars(select(Member).order_by(Member.id)))


def snapshot(today: date):
    members = all_members()
    return (
        len(members),
        Counter(m.status_on(today) for m in members),
        sorted(m.email for m in members if m.has_role_on(RoleKind.CO_MANAGER, today)),
        sorted(m.email for m in members if m.has_role_on(RoleKind.ADMINISTRATOR, today)),
        db.session.scalar(select(func.count()).select_from(Role)),
    )


def test_demo_twice_loads_once(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo cooperative loaded: 25 members." in first.output
    assert demo.ADMIN_EMAIL in first.output and demo.DEMO_PASSWORD in first.output
    today = local_today()
    loaded = snapshot(today)
    count, statuses, co_managers, administrators, _roles = loaded
    assert count == 25
    assert statuses == {MemberStatus.ESA: 11, MemberStatus.ES: 8, MemberStatus.CAPE: 4,
                        MemberStatus.EXTERNAL_ASSOCIATE: 1, MemberStatus.FORMER: 1}
    assert len(co_managers) == 2
    assert administrators == [demo.ADMIN_EMAIL]

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "already loaded; nothing changed" in second.output
    assert demo.DEMO_PASSWORD in second.output  # reminded at each `make run`
    assert snapshot(today) == loaded


def test_demo_leaves_a_database_with_real_members_alone(runner, make_member):
    make_member(email="vraie@example.org")
    db.session.commit()  # already in the database before the command runs
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert "already holds members" in result.output
    assert [m.email for m in all_members()] == ["vraie@example.org"]


def test_demo_refuses_a_production_configuration(runner, monkeypatch):
    monkeypatch.setenv("FACETTES_CONFIG", "production")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1 and "--even-in-production" in result.stderr
    assert all_members() == []
    allowed = runner.invoke(args=["demo", "--even-in-production"])
    assert allowed.exit_code == 0 and len(all_members()) == 25


def test_demo_cooperative_follows_the_rules_of_the_domain():
    members = demo.load_demo()
    today = local_today()
    for member in members:
        status = member.status_on(today)
        # An associate holds shares; the former member's were paid back.
        if status.is_associate:
            assert member.shares >= 1, member.full_name
        else:
            assert member.shares == 0, member.full_name
        assert member.bio and member.themes
        assert {s.label for s in member.skills} <= SEED_SKILLS
        assert {t.label for t in member.themes} <= SEED_THEMES
        # Histories go forward in time, without repeating a status.
        dates = [c.effective_on for c in member.status_changes]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert member.email.endswith("@kaleidoscop.example")
    for role in (r for m in members for r in m.roles):
        if role.kind == RoleKind.CO_MANAGER:
            # loi 78-763 art. 15: an associate, appointed for at most 4 years.
            assert role.member.status_on(role.starts_on).is_associate
            assert role.ends_on <= add_months(role.starts_on, 48)
        if role.kind == RoleKind.TUTOR:
            assert add_months(role.starts_on, 6) <= role.ends_on <= add_months(role.starts_on, 12)
            assert role.tutee is not None and role.tutee is not role.member
    tutors_now = [m for m in members if m.has_role_on(RoleKind.TUTOR, today)]
    assert len(tutors_now) == 2
    # At least one ES is past the 30-month warning but not yet past the 3-year deadline.
    deadlines = [services.associate_deadline(m) for m in members]
    warned = [d for d in deadlines if d and d.warns_on(today)]
    assert warned and all(not d.overdue_on(today) for d in warned)
    cape_then_es = next(d for d in warned if d.cape_days)
    assert cape_then_es.deadline < add_months(cape_then_es.es_since, 36)  # CAPE time counts


@pytest.mark.parametrize("today", [date(2024, 2, 29), date(2025, 12, 31), date(2027, 3, 31), date(2026, 8, 31)])
def test_demo_is_valid_whatever_the_day(today, monkeypatch):
    # Month-end and leap days: every relative date must still satisfy the role rules.
    monkeypatch.setattr(services, "local_today", lambda: today)
    members = demo.load_demo(today=today)
    assert sum(m.has_role_on(RoleKind.CO_MANAGER, today) for m in members) == 2
    assert sum(m.has_role_on(RoleKind.ADMINISTRATOR, today) for m in members) == 1
    warned = [d for m in members if (d := services.associate_deadline(m)) and d.warns_on(today)]
    assert len(warned) == 2 and not any(d.overdue_on(today) for d in warned)


def test_demo_admin_signs_in_with_the_demo_password_and_administers(client):
    demo.load_demo()
    admin = services.find_by_email(demo.ADMIN_EMAIL)
    sign_in(client, admin, password=demo.DEMO_PASSWORD)
    assert client.get("/membres/import").status_code == 200
    page = client.get("/membres", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Léa Moreau" in page.get_data(as_text=True)


def test_every_active_demo_member_signs_in_and_the_former_one_cannot():
    members = demo.load_demo()
    today = local_today()
    # One password for all: every account holds the same verified hash and is activated.
    assert len({m.password_hash for m in members}) == 1 and all(m.activated_at for m in members)
    newcomer = next(m for m in members if m.status_on(today) is MemberStatus.CAPE)
    former = next(m for m in members if m.status_on(today) is MemberStatus.FORMER)
    assert services.authenticate(newcomer.email, demo.DEMO_PASSWORD) is newcomer
    assert services.authenticate(former.email, demo.DEMO_PASSWORD) is None
    assert services.authenticate(demo.ADMIN_EMAIL, "wrong password!") is None
