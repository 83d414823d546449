"""Operations on members. Services validate, change state and flush; the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.live import revocation as live_revocation
from app.members.models import ApiToken, Member, MemberStatus, Role, RoleKind, Skill, StatusChange, Theme
from app.notifications.mail import send_email
from app.timeutil import add_months, local_today, utcnow

_hasher = PasswordHasher()
# Verified against when no account matches, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 10
CO_MANAGER_MAX_MANDATE_YEARS = 4  # loi 78-763 art. 15
TUTORING_MONTHS = (6, 12)  # the cooperative's entry path (seed)


# --- passwords -----------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str, confirm: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password is too short."),
            fields={"password": [_("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]},
        )
    if confirm is not None and confirm != password:
        raise InvalidInput(_("The passwords differ."), fields={"confirm": [_("The two passwords differ.")]})


def authenticate(email: str, password: str) -> Member | None:
    """The member with these credentials, or None; never says which part was wrong."""
    member = find_by_email(email)
    hashed = member.password_hash if member and member.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return None
    if member is None or not member.password_hash or not member.is_active:
        return None
    if _hasher.check_needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
        db.session.flush()
    return member


# --- members -------------------------------------------------------------------------


def normalise_email(raw: str) -> str:
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidInput(_("Invalid e-mail address."), fields={"email": [_("Invalid e-mail address.")]}) from None


def find_by_email(raw: str) -> Member | None:
    try:
        email = normalise_email(raw)
    except InvalidInput:
        return None
    return db.session.scalar(select(Member).where(Member.email == email))


def get_member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(_("No such member."))
    return member


def directory_query(search: str | None = None, status: str | None = None):
    """Members for the directory, with their histories loaded in a fixed number of queries."""
    query = (
        select(Member)
        .options(
            selectinload(Member.status_changes),
            selectinload(Member.roles),
            selectinload(Member.skills),
            selectinload(Member.themes),
        )
        .order_by(func.lower(Member.full_name), Member.id)
    )
    if search:
        # autoescape: a % or _ typed in the search box is a character to find, not a wildcard.
        term = search.strip().lower()
        query = query.where(func.lower(Member.full_name).contains(term, autoescape=True)
                            | func.lower(Member.email).contains(term, autoescape=True))
    if status:
        parse_status(status)
        latest = (
            select(StatusChange.status)
            .where(StatusChange.member_id == Member.id, StatusChange.effective_on <= local_today())
            .order_by(StatusChange.effective_on.desc(), StatusChange.id.desc())
            .limit(1)
            .correlate(Member)
            .scalar_subquery()
        )
        query = query.where(latest == status)
    return query


def parse_status(raw: str) -> MemberStatus:
    try:
        return MemberStatus((raw or "").strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in MemberStatus)
        raise InvalidInput(
            _("Unknown status %(status)r (known: %(known)s).", status=raw, known=known),
            fields={"status": [_("Unknown status.")]},
        ) from None


def create_member(
    *,
    email: str,
    full_name: str,
    status: MemberStatus | str,
    status_since: date,
    shares: int = 0,
    language: str | None = None,
    recorded_by: Member | None = None,
) -> Member:
    email = normalise_email(email)
    full_name = (full_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not full_name or len(full_name) > 200:
        errors["full_name"] = [_("A name of 1 to 200 characters is required.")]
    if find_by_email(email) is not None:
        errors["email"] = [_("A member already uses this e-mail address.")]
    status = parse_status(status) if isinstance(status, str) else status
    check_shares(shares, status, errors)
    if language not in (None, "", *current_app.config["LANGUAGES"]):
        errors["language"] = [_("Unknown language.")]
    if errors:
        raise InvalidInput(_("The member could not be created."), fields=errors)
    member = Member(email=email, full_name=full_name, shares=shares, language=language or None, bio="")
    member.status_changes.append(StatusChange(status=status.value, effective_on=status_since, recorded_by=recorded_by))
    db.session.add(member)
    db.session.flush()
    return member


def check_shares(shares, status: MemberStatus, errors: dict) -> None:
    if not isinstance(shares, int) or isinstance(shares, bool) or shares < 0:
        errors["shares"] = [_("Shares must be a whole number, zero or more.")]
    elif status.is_associate and shares < 1:
        # An associate is by definition a shareholder (DOMAIN.md, parts sociales).
        errors["shares"] = [_("An associate holds at least one share.")]


def record_status(
    member: Member,
    status: MemberStatus | str,
    effective_on: date,
    *,
    recorded_by: Member | None = None,
    note: str = "",
) -> StatusChange:
    status = parse_status(status) if isinstance(status, str) else status
    if member.status_on(effective_on) == status:
        raise InvalidInput(
            _("The member already has this status on that date."), fields={"status": [_("No change.")]}
        )
    change = StatusChange(status=status.value, effective_on=effective_on, recorded_by=recorded_by, note=note.strip())
    member.status_changes.append(change)
    member.status_changes.sort(key=lambda c: (c.effective_on, c.id or 10**12))
    db.session.flush()
    live_revocation.member_changed(member)
    return change


def set_shares(member: Member, shares: int) -> None:
    errors: dict[str, list[str]] = {}
    check_shares(shares, member.status_on(local_today()) or MemberStatus.ES, errors)
    if errors:
        raise InvalidInput(_("Invalid number of shares."), fields=errors)
    member.shares = shares
    db.session.flush()


def assign_role(
    member: Member,
    kind: RoleKind | str,
    starts_on: date,
    ends_on: date | None = None,
    *,
    tutee: Member | None = None,
    note: str = "",
) -> Role:
    try:
        kind = RoleKind(kind)
    except ValueError:
        raise InvalidInput(_("Unknown role."), fields={"kind": [_("Unknown role.")]}) from None
    errors: dict[str, list[str]] = {}
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The end date comes before the start date.")]
    if kind is RoleKind.CO_MANAGER:
        status = member.status_on(starts_on)
        if status is None or not status.is_associate:
            # loi 78-763 art. 15: the gérants of a SCOP SARL are chosen among its associates.
            errors["member_id"] = [_("A co-manager must be an associate on the first day of the mandate.")]
        limit = add_months(starts_on, 12 * CO_MANAGER_MAX_MANDATE_YEARS)
        if ends_on is None or ends_on > limit:
            errors["ends_on"] = [
                _("A co-manager's mandate lasts at most 4 years: it must end by %(limit)s.", limit=limit.isoformat())
            ]
    if kind is RoleKind.TUTOR:
        if tutee is None or tutee.id == member.id:
            errors["tutee_id"] = [_("A tutor follows another member: choose the newcomer.")]
        shortest, longest = (add_months(starts_on, months) for months in TUTORING_MONTHS)
        if ends_on is None or not shortest <= ends_on <= longest:
            errors["ends_on"] = [_("Tutoring lasts 6 to 12 months: end between %(a)s and %(b)s.",
                                   a=shortest.isoformat(), b=longest.isoformat())]
    elif tutee is not None:
        errors["tutee_id"] = [_("Only a tutor follows a newcomer.")]
    if errors:
        raise InvalidInput(_("The role could not be recorded."), fields=errors)
    role = Role(kind=kind.value, starts_on=starts_on, ends_on=ends_on, tutee=tutee, note=note.strip())
    member.roles.append(role)
    db.session.flush()
    live_revocation.member_changed(member)
    return role


def end_role(role: Role, ends_on: date) -> None:
    if ends_on < role.starts_on:
        raise InvalidInput(_("The end date comes before the start date."), fields={"ends_on": [_("Too early.")]})
    role.ends_on = ends_on
    db.session.flush()
    live_revocation.member_changed(role.member)


def _labels(model, raw: list[str] | str) -> list:
    if isinstance(raw, str):
        raw = raw.replace(";", ",").split(",")
    labels = sorted({label.strip()[:120] for label in raw if label.strip()}, key=str.lower)
    existing = {item.label: item for item in db.session.scalars(select(model).where(model.label.in_(labels)))}
    return [existing.get(label) or model(label=label) for label in labels]


def update_profile(
    member: Member,
    *,
    full_name: str | None = None,
    bio: str | None = None,
    language: str | None = None,
    skills: list[str] | str | None = None,
    themes: list[str] | str | None = None,
) -> Member:
    errors: dict[str, list[str]] = {}
    if full_name is not None:
        full_name = full_name.strip()
        if not full_name or len(full_name) > 200:
            errors["full_name"] = [_("A name of 1 to 200 characters is required.")]
    if bio is not None and len(bio) > 5000:
        errors["bio"] = [_("At most 5000 characters.")]
    if language not in (None, "", *current_app.config["LANGUAGES"]):
        errors["language"] = [_("Unknown language.")]
    if errors:
        raise InvalidInput(_("The profile could not be saved."), fields=errors)
    if full_name is not None:
        member.full_name = full_name
    if bio is not None:
        member.bio = bio.strip()
    if language is not None:
        member.language = language or None
    if skills is not None:
        member.skills = _labels(Skill, skills)
    if themes is not None:
        member.themes = _labels(Theme, themes)
    db.session.flush()
    return member


# --- CAE deadlines -------------------------------------------------------------------


@dataclass(frozen=True)
class AssociateDeadline:
    """Code du travail L7331-3: an ES becomes associate within 3 years, minus time under CAPE."""

    es_since: date
    cape_days: int
    deadline: date
    warning_from: date

    def warns_on(self, day: date) -> bool:
        return day >= self.warning_from

    def overdue_on(self, day: date) -> bool:
        return day > self.deadline


def associate_deadline(member: Member) -> AssociateDeadline | None:
    """For a member who is ES today, the date by which they must become an associate."""
    config = current_app.config
    today = local_today()
    if member.status_on(today) is not MemberStatus.ES:
        return None
    changes = member.status_changes
    # The ES contract started at the first ES status of the current uninterrupted spell.
    es_since = None
    for index, change in enumerate(changes):
        if change.status == MemberStatus.ES and change.effective_on <= today:
            if es_since is None or changes[index - 1].status != MemberStatus.ES:
                es_since = change.effective_on
    cape_days = 0
    for index, change in enumerate(changes):
        if change.status == MemberStatus.CAPE and change.effective_on < es_since:
            end = changes[index + 1].effective_on if index + 1 < len(changes) else es_since
            cape_days += (min(end, es_since) - change.effective_on).days
    months = config["ES_MONTHS_TO_BECOME_ASSOCIATE"]
    deadline = add_months(es_since, months) - timedelta(days=cape_days)
    warning_from = add_months(es_since, config["ES_ASSOCIATE_WARNING_MONTHS"]) - timedelta(days=cape_days)
    return AssociateDeadline(es_since, cape_days, deadline, warning_from)


# --- invitation and password reset links ---------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"facettes-{purpose}")


def _password_fingerprint(member: Member) -> str:
    # Bound into each link, so a link stops working once the password it set has changed.
    return hashlib.sha256((member.password_hash or "none").encode()).hexdigest()[:16]


class InvalidLink(Exception):
    def __init__(self, expired: bool):
        self.expired = expired


def make_link_token(member: Member, purpose: str) -> str:
    return _serializer(purpose).dumps({"m": member.id, "p": _password_fingerprint(member)})


def member_from_link(token: str, purpose: str, max_age_seconds: int) -> Member:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise InvalidLink(expired=True) from None
    except BadSignature:
        raise InvalidLink(expired=False) from None
    member = db.session.get(Member, data.get("m")) if isinstance(data, dict) else None
    if member is None or data.get("p") != _password_fingerprint(member):
        raise InvalidLink(expired=False)
    return member


def invitation_max_age() -> int:
    return current_app.config["INVITATION_MAX_AGE_DAYS"] * 86400


def reset_max_age() -> int:
    return current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"] * 60


def external_url(endpoint: str, **values) -> str:
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        # CLI commands and jobs have no request for url_for to build from; the path is all we need.
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def send_invitation(member: Member) -> None:
    if member.activated_at is not None:
        raise InvalidInput(_("This member has already accepted the invitation."))
    link = external_url("members.accept_invitation", token=make_link_token(member, "invitation"))
    body = render_template(
        "members/email/invitation.txt", member=member, link=link, days=current_app.config["INVITATION_MAX_AGE_DAYS"]
    )
    send_email(member.email, _("Your invitation to Facettes"), body)
    member.invited_at = utcnow()
    db.session.flush()


def accept_invitation(token: str, password: str, confirm: str) -> Member:
    member = member_from_link(token, "invitation", invitation_max_age())
    if member.activated_at is not None:
        raise InvalidLink(expired=False)
    check_password_rules(password, confirm)
    member.password_hash = hash_password(password)
    member.activated_at = utcnow()
    db.session.flush()
    return member


def request_new_invitation(email: str) -> None:
    """Sends a fresh invitation if one is pending for this address; silent otherwise."""
    member = find_by_email(email)
    if member is not None and member.activated_at is None and member.is_active:
        send_invitation(member)


def request_password_reset(email: str) -> None:
    """Sends a reset link to an active account; says nothing about unknown addresses."""
    member = find_by_email(email)
    if member is None or member.activated_at is None or not member.is_active:
        return
    link = external_url("members.reset_password", token=make_link_token(member, "reset"))
    body = render_template(
        "members/email/reset.txt", member=member, link=link,
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"],
    )
    send_email(member.email, _("Reset your Facettes password"), body)


def reset_password(token: str, password: str, confirm: str) -> Member:
    member = member_from_link(token, "reset", reset_max_age())
    check_password_rules(password, confirm)
    member.password_hash = hash_password(password)
    db.session.flush()
    return member


# --- API tokens ----------------------------------------------------------------------


def create_api_token(member: Member, name: str) -> tuple[str, ApiToken]:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("Give the token a name (1 to 100 characters)."), fields={"name": [_("Required.")]})
    secret = "fct_" + secrets.token_urlsafe(32)
    token = ApiToken(member=member, name=name, token_hash=_token_digest(secret), prefix=secret[:12])
    db.session.add(token)
    db.session.flush()
    return secret, token


def _token_digest(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(secret.encode()).hexdigest()


def member_from_api_token(secret: str) -> Member | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(secret)))
    if token is None or token.revoked_at is not None or not token.member.is_active:
        return None
    token.last_used_at = utcnow()
    return token.member


def revoke_api_token(member: Member, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.member_id != member.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token
