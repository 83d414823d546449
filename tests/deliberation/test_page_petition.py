"""The petition of the proposal page counts the level's electorate from plain rows: the same members
as governance.electorate_on, whatever the status history and the roles."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.deliberation.services.escalation import electorate_ids_on
from app.extensions import db
from app.governance.models import Level
from app.governance.services import electorate_on
from app.members import services as members
from app.members.models import MemberStatus, RoleKind
from app.timeutil import local_today


def test_the_light_electorate_is_governances_electorate(make_member):
    today = local_today()
    next_year = today + timedelta(days=365)
    make_member(MemberStatus.ES)
    make_member(MemberStatus.CAPE)
    make_member(MemberStatus.ESA)
    make_member(MemberStatus.EXTERNAL_ASSOCIATE)
    make_member(MemberStatus.ES, since=next_year)  # not yet a member
    left = make_member(MemberStatus.ES)
    members.record_status(left, MemberStatus.FORMER, date(2025, 1, 1))
    leaving = make_member(MemberStatus.ESA)
    members.record_status(leaving, MemberStatus.FORMER, next_year)
    same_day = make_member(MemberStatus.ES, since=date(2024, 3, 1))
    members.record_status(same_day, MemberStatus.ESA, date(2024, 3, 1))  # the later change wins
    make_member(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER])
    make_member(MemberStatus.ES, roles=[RoleKind.ADMINISTRATOR])
    former_manager = make_member(MemberStatus.ESA)
    members.assign_role(former_manager, RoleKind.CO_MANAGER, date(2024, 1, 1), date(2024, 6, 30))
    future_manager = make_member(MemberStatus.ESA)
    members.assign_role(future_manager, RoleKind.CO_MANAGER, next_year, next_year + timedelta(days=700))
    gone_manager = make_member(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER])
    members.record_status(gone_manager, MemberStatus.FORMER, date(2025, 6, 1))
    db.session.flush()

    levels = list(db.session.scalars(select(Level).order_by(Level.rank)))
    assert len({level.electorate_rule for level in levels}) == 3
    for day in (date(2024, 1, 1), date(2024, 3, 1), date(2024, 6, 30), date(2024, 7, 1), today, next_year):
        for level in levels:
            expected = {member.id for member in electorate_on(level, day)}
            assert electorate_ids_on(level, day) == expected, (level.code, day)
    assert all(electorate_ids_on(level, today) for level in levels)  # not vacuous
