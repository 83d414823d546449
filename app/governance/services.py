"""Rules of the levels: who votes at each, and which level may decide which matter."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.governance.models import ElectorateRule, Level, LevelCode, MajorityBase, Matter, Method, Secrecy
from app.members.models import Member, MemberStatus, RoleKind

# DOMAIN.md: online and seminar decisions are open to CAPE, ES and ESA alike.
ALL_MEMBERS_STATUSES = (MemberStatus.CAPE, MemberStatus.ES, MemberStatus.ESA)

LEVEL_LABELS = {
    LevelCode.ONLINE: _l("Daily exchanges (online)"),
    LevelCode.SEMINAR: _l("Seminar"),
    LevelCode.CO_MANAGEMENT: _l("Co-management board"),
    LevelCode.GENERAL_ASSEMBLY: _l("General assembly"),
}

MATTER_LABELS = {
    "statutes": _l("Statutes and internal rules"),
    "exclusion": _l("Exclusion of an associate"),
    "dissolution_merger": _l("Dissolution or merger"),
    "registered_office": _l("Moving the registered office"),
    "employee_application_refusal": _l("Refusal of an employee's application to become associate"),
    "annual_accounts": _l("Annual accounts and allocation of the surplus"),
    "associate_admission": _l("Admission of associates"),
    "co_manager_appointment": _l("Appointment and dismissal of co-managers"),
    "entrepreneur_entry": _l("Entry of a new entrepreneur"),
    "organisation": _l("Cooperative organisation, trinômes, working rules"),
    "daily_administration": _l("Daily administrative and economic decisions"),
    "everyday": _l("Everyday exchanges and decisions"),
}


def level_label(level: Level | str) -> str:
    code = level.code if isinstance(level, Level) else level
    return str(LEVEL_LABELS.get(LevelCode(code), code))


def matter_label(matter: Matter) -> str:
    return matter.label or str(MATTER_LABELS.get(matter.code, matter.code))


def levels() -> list[Level]:
    return list(db.session.scalars(select(Level).order_by(Level.rank)))


def level_by_code(code: LevelCode | str) -> Level:
    level = db.session.scalar(select(Level).where(Level.code == str(code)))
    if level is None:
        raise NotFound(_("No such level."))
    return level


def matters() -> list[Matter]:
    return list(db.session.scalars(select(Matter).options(selectinload(Matter.min_level)).order_by(Matter.position)))


def matter_by_code(code: str) -> Matter:
    matter = db.session.scalar(select(Matter).where(Matter.code == code))
    if matter is None:
        raise NotFound(_("No such matter."))
    return matter


def may_vote(member: Member, level: Level, day: date) -> bool:
    status = member.status_on(day)
    if status is None or not status.is_active:
        return False
    rule = ElectorateRule(level.electorate_rule)
    if rule is ElectorateRule.ALL_MEMBERS:
        return status in ALL_MEMBERS_STATUSES
    if rule is ElectorateRule.ASSOCIATES:
        return status.is_associate  # loi 78-763 art. 12 and 14: associates only at the AG
    return member.has_role_on(RoleKind.CO_MANAGER, day)


def electorate_on(level: Level, day: date) -> list[Member]:
    """Who may vote at this level on that date, from the status and role histories."""
    members = db.session.scalars(
        select(Member).options(selectinload(Member.status_changes), selectinload(Member.roles)).order_by(Member.id)
    )
    return [member for member in members if may_vote(member, level, day)]


def require_level_may_decide(matter: Matter, level: Level) -> None:
    """A proposal is never scheduled for decision below its matter's lowest level."""
    if level.rank < matter.min_level.rank:
        raise InvalidInput(
            _("%(matter)s must be decided at the level «%(needed)s» or above, not «%(asked)s».",
              matter=matter_label(matter), needed=level_label(matter.min_level), asked=level_label(level)),
            fields={"level": [_("Level too low for this matter.")]},
        )


def update_level(
    level: Level,
    *,
    default_method: str | None = None,
    default_secrecy: str | None = None,
    quorum: Fraction | None | bool = False,
    majority: Fraction | None = None,
    majority_strict: bool | None = None,
    majority_base: str | None = None,
    escalation_share: Fraction | None = None,
) -> Level:
    """Edit a level's rules; `quorum=None` removes the quorum, `False` leaves it unchanged."""
    errors: dict[str, list[str]] = {}

    def check(name: str, value: str | None, enum_cls) -> None:
        if value is not None and value not in {item.value for item in enum_cls}:
            errors[name] = [_("Unknown value.")]

    check("default_method", default_method, Method)
    check("default_secrecy", default_secrecy, Secrecy)
    check("majority_base", majority_base, MajorityBase)
    for name, value in (("quorum", quorum), ("majority", majority), ("escalation_share", escalation_share)):
        if value not in (None, False) and not (isinstance(value, Fraction) and 0 < value <= 1):
            errors[name] = [_("A fraction greater than 0 and at most 1.")]
    if majority_strict and (majority if majority is not None else level.majority) == 1:
        errors["majority"] = [_("«More than all votes» cannot be reached: use unanimity (at least 1).")]
    if errors:
        raise InvalidInput(_("The level's rules were not changed."), fields=errors)
    if default_method is not None:
        level.default_method = default_method
    if default_secrecy is not None:
        level.default_secrecy = default_secrecy
    if quorum is not False:
        level.quorum_num, level.quorum_den = (quorum.numerator, quorum.denominator) if quorum else (None, None)
    if majority is not None:
        level.majority_num, level.majority_den = majority.numerator, majority.denominator
    if majority_strict is not None:
        level.majority_strict = majority_strict
    if majority_base is not None:
        level.majority_base = majority_base
    if escalation_share is not None:
        level.escalation_num, level.escalation_den = escalation_share.numerator, escalation_share.denominator
    db.session.flush()
    return level


def set_matter_level(matter: Matter, level: Level) -> Matter:
    matter.min_level = level
    db.session.flush()
    return matter
