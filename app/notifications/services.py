"""In-app notices, their live unread count, and e-mail by preference (immediate, digest, none).

Any domain calls ``notify(member, kind, message, link)`` where something happens. The
notice is stored (the bell), its unread count is pushed to the member's live room once
the transaction commits, and an e-mail is queued with ``send_email`` for members who
chose "immediate"; "digest" members get one e-mail a day (``flask notifications digest``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.members.models import Member
from app.notifications.mail import send_email
from app.notifications.models import EmailMode, Notice, NoticeKind, NotificationPreference
from app.timeutil import local_today, utcnow

MESSAGE_MAX = 500
# A digest is sent at most once in this span, however often the command runs.
DIGEST_MIN_INTERVAL = timedelta(hours=20)


@contextmanager
def in_language_of(member: Member) -> Iterator[None]:
    """Write a notice in its recipient's language, not the one of the member who acted."""
    languages = current_app.config["LANGUAGES"]
    locale = member.language if member.language in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        yield


def _is_reachable(member: Member) -> bool:
    status = member.status_on(local_today())
    return status is not None and status.is_active


def notify(
    member: Member,
    kind: NoticeKind | str,
    message: str,
    link: str = "",
    *,
    key: str | None = None,
) -> Notice | None:
    """Record a notice for ``member``; None when it was already sent (same key) or they left."""
    kind = NoticeKind(kind)
    if not _is_reachable(member):
        return None
    if key is not None:
        exists = db.session.scalar(select(Notice.id).where(Notice.member_id == member.id, Notice.key == key))
        if exists is not None:
            return None
    notice = Notice(member_id=member.id, kind=kind.value, message=message[:MESSAGE_MAX], link=link[:300], key=key)
    db.session.add(notice)
    if email_mode(member) is EmailMode.IMMEDIATE:
        with in_language_of(member):
            body = _email_body(member, [notice])
            send_email(member.email, _("[Facettes] %(message)s", message=_short(notice.message)), body)
        notice.emailed_at = utcnow()
    db.session.flush()
    _push_count(member.id)
    return notice


def path_for(endpoint: str, **values) -> str:
    """url_for that also works outside a request (cron commands, jobs)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def _email_body(member: Member, notices: list[Notice]) -> str:
    return render_template("notifications/email/notice.txt", member=member, notices=notices, base_url=_base_url(),
                           preferences=path_for("notifications.preferences"))


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def _push_count(member_id: int) -> None:
    from app import live

    live.emit_to(live.room("member", member_id), "notices", {"unread": unread_count_for(member_id)})


def unread_count_for(member_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notice.id)).where(Notice.member_id == member_id, Notice.read_at.is_(None))
    ) or 0


def unread_count(member: Member) -> int:
    return unread_count_for(member.id)


def recent_notices(member: Member, limit: int = 50) -> list[Notice]:
    return list(db.session.scalars(
        select(Notice).where(Notice.member_id == member.id).order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    ))


def get_notice(member: Member, notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    # Someone else's notice is reported as missing: its existence is not anyone's business.
    if notice is None or notice.member_id != member.id:
        raise NotFound(_("No such notice."))
    return notice


def mark_read(member: Member, notice_id: int) -> Notice:
    notice = get_notice(member, notice_id)
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.flush()
        _push_count(member.id)
    return notice


def mark_all_read(member: Member) -> int:
    result = db.session.execute(
        update(Notice).where(Notice.member_id == member.id, Notice.read_at.is_(None)).values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    _push_count(member.id)
    return result.rowcount or 0


# --- preferences -------------------------------------------------------------------------


def _preference(member: Member) -> NotificationPreference | None:
    return db.session.get(NotificationPreference, member.id)


def email_mode(member: Member) -> EmailMode:
    preference = _preference(member)
    return EmailMode(preference.email_mode) if preference else EmailMode.IMMEDIATE


def parse_email_mode(raw: str) -> EmailMode:
    try:
        return EmailMode((raw or "").strip())
    except ValueError:
        known = ", ".join(mode.value for mode in EmailMode)
        raise InvalidInput(
            _("Unknown e-mail preference %(value)r (known: %(known)s).", value=raw, known=known),
            fields={"email_mode": [_("Choose immediate, daily digest or none.")]},
        ) from None


def set_email_mode(member: Member, mode: EmailMode | str) -> NotificationPreference:
    mode = parse_email_mode(mode) if isinstance(mode, str) else mode
    preference = _preference(member)
    if preference is None:
        preference = NotificationPreference(member_id=member.id)
        db.session.add(preference)
    preference.email_mode = mode.value
    db.session.flush()
    return preference


# --- daily digest --------------------------------------------------------------------------


def send_digests(now: datetime | None = None) -> int:
    """One e-mail per "digest" member with the notices not yet e-mailed; returns how many went."""
    now = now or utcnow()
    preferences = db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.email_mode == EmailMode.DIGEST.value)
    ).all()
    sent = 0
    for preference in preferences:
        if preference.last_digest_at is not None and now - preference.last_digest_at < DIGEST_MIN_INTERVAL:
            continue
        member = db.session.get(Member, preference.member_id)
        pending = list(db.session.scalars(
            select(Notice).where(Notice.member_id == member.id, Notice.emailed_at.is_(None),
                                 Notice.created_at <= now)
            .order_by(Notice.created_at, Notice.id)
        ))
        if not pending:
            continue
        # Notices already read in the app need no e-mail; they are marked so they never go.
        unread = [notice for notice in pending if notice.read_at is None]
        for notice in pending:
            notice.emailed_at = now
        preference.last_digest_at = now
        if unread and _is_reachable(member):
            with in_language_of(member):
                body = _email_body(member, unread)
                send_email(member.email, _("[Facettes] Your daily digest: %(count)d notices", count=len(unread)),
                           body)
            sent += 1
    db.session.flush()
    return sent
