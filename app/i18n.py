"""Language selection and the labels of domain words shown to members."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user


def select_locale() -> str:
    """The member's preference, then the language chosen on the page, then the browser's."""
    if not has_request_context():  # CLI commands and jobs speak the cooperative's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    member = current_user if getattr(current_user, "is_authenticated", False) else None
    return locale_for(member, session.get("lang"), request.accept_languages)


def locale_for(member, chosen: str | None, accept_languages) -> str:
    """The one order of preference, also for work done outside the request (grouped live events)."""
    languages = current_app.config["LANGUAGES"]
    if member is not None and member.language in languages:
        return member.language
    if chosen in languages:
        return chosen
    return accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or "fr")


STATUS_LABELS = {
    "cape": _l("CAPE (business support contract)"),
    "es": _l("Employee-entrepreneur (ES)"),
    "esa": _l("Associate employee-entrepreneur (ESA)"),
    "external_associate": _l("Non-employee associate"),
    "former": _l("Former member"),
}

ROLE_LABELS = {
    "co_manager": _l("Co-manager"),
    "administrator": _l("Administration and management officer"),
    "tutor": _l("Tutor"),
}


def status_label(status) -> str:
    return str(STATUS_LABELS.get(getattr(status, "value", status), status or "—"))


def role_label(kind) -> str:
    return str(ROLE_LABELS.get(getattr(kind, "value", kind), kind))
