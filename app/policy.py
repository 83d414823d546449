"""The one place that decides who may do what.

Pages, API resources and Socket.IO handlers all ask ``require(member, action, target)``;
templates ask ``can(...)``. A rule returns None when allowed, or the reason it refuses,
so every refusal can say why. Domains add their rules here, next to each other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from app.errors import Forbidden
from app.members.models import Member, RoleKind
from app.timeutil import local_today

Rule = Callable[[Member, Any, date], str | None]
RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        if action in RULES:
            raise RuntimeError(f"policy rule {action!r} defined twice")
        RULES[action] = func
        return func

    return register


def refusal(member: Member | None, action: str, target: Any = None) -> str | None:
    # Not is_authenticated: Flask-Login makes it False for former members, who deserve the reason below.
    if member is None or getattr(member, "is_anonymous", True):
        return str(_l("Please sign in first."))
    today = local_today()
    status = member.status_on(today)
    if status is None or not status.is_active:
        return str(_l("Former members no longer have access to the cooperative's space."))
    return RULES[action](member, target, today)


def can(member: Member | None, action: str, target: Any = None) -> bool:
    return refusal(member, action, target) is None


def require(member: Member | None, action: str, target: Any = None) -> None:
    reason = refusal(member, action, target)
    if reason is not None:
        raise Forbidden(reason)


def is_administrator(member: Member, today: date) -> bool:
    return member.has_role_on(RoleKind.ADMINISTRATOR, today)


# --- members -------------------------------------------------------------------------


@rule("members.view")
def _view_members(member, target, today):
    return None  # Every active member sees the directory: the cooperative is transparent.


@rule("members.manage")
def _manage_members(member, target, today):
    if is_administrator(member, today):
        return None
    return str(_l("Only the administrator (responsable administration-gestion) may do this."))


@rule("profile.edit")
def _edit_profile(member, target, today):
    if target is not None and target.id == member.id:
        return None
    if is_administrator(member, today):
        return None
    return str(_l("You may only edit your own profile."))


@rule("live.connect")
def _live_connect(member, target, today):
    return None


@rule("live.member_room")
def _live_member_room(member, target, today):
    # A member's room carries their own notifications: nobody else listens in, not even an admin.
    if target is not None and target.id == member.id:
        return None
    return str(_l("This channel belongs to another member."))


# --- ballots -----------------------------------------------------------------------------


def is_co_manager(member: Member, today: date) -> bool:
    return member.has_role_on(RoleKind.CO_MANAGER, today)


@rule("ballots.view")
def _view_ballots(member, target, today):
    return None  # Every active member sees every ballot and, once published, its result.


@rule("ballots.manage")
def _manage_ballots(member, target, today):
    # Facilitators of a meeting get their own rule with the meetings domain.
    if is_administrator(member, today) or is_co_manager(member, today):
        return None
    return str(_l("Only the co-managers and the administrator may prepare, open or close a ballot."))


@rule("ballots.vote")
def _vote(member, target, today):
    return None  # Whether the member is in the ballot's electorate is the votes service's check.
