"""Language selection and the labels of domain words shown to members."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from datetime import tzinfo as tzinfo_type
from functools import lru_cache

import flask_babel
from babel import Locale, dates
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, get_timezone
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


# --- dates and times in the member's language, Paris time ------------------------------------
#
# flask_babel.format_datetime looks the locale and the time zone up through Flask's context
# and Babel its patterns and locale data on every call: ~45 µs, 14 ms for the 300 comments of
# a long proposal page. The same steps as Babel's format_datetime, with the patterns read once
# per (locale, format) and each result kept (a pure function of its arguments; bounded).

NAMED_FORMATS = ("full", "long", "medium", "short")


@lru_cache(maxsize=64)
def _datetime_pattern(locale: Locale, fmt: str) -> Callable[[datetime], str]:
    """Babel's format_datetime(…, format=fmt, locale=locale) for a datetime already in its zone."""
    if fmt in NAMED_FORMATS:
        combined = dates.get_datetime_format(fmt, locale=locale).replace("'", "")
        date_pattern = dates.parse_pattern(dates.get_date_format(fmt, locale=locale))
        time_pattern = dates.parse_pattern(dates.get_time_format(fmt, locale=locale))

        def apply(local: datetime) -> str:
            time_text = time_pattern.apply(local.timetz(), locale, reference_date=local.date())
            return combined.replace("{0}", time_text).replace("{1}", date_pattern.apply(local.date(), locale))

        return apply
    pattern = dates.parse_pattern(fmt)
    return lambda local: pattern.apply(local, locale)


@lru_cache(maxsize=8192)
def _format_datetime(locale: Locale, tzinfo: tzinfo_type, fmt: str, value: datetime) -> str:
    if value.tzinfo is None:  # naive values are UTC, as Babel takes them
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(tzinfo)
    if hasattr(tzinfo, "normalize"):  # pytz, as flask_babel gives it
        local = tzinfo.normalize(local)
    return _datetime_pattern(locale, fmt)(local)


def datetime_formatter(fmt: str = "medium") -> Callable[[datetime | None], str]:
    """flask_babel.format_datetime(value, fmt) in the current locale and zone, looked up once.

    For a loop: `when = datetime_formatter('short')` then `when(value)` for each value. An empty
    value gives "", as the `|datetime` filter does. Anything but a datetime goes to flask_babel.
    """
    locale, zone = get_locale(), get_timezone()
    if locale is None or zone is None:  # outside any application context
        return lambda value: flask_babel.format_datetime(value, fmt) if value else ""

    def format(value) -> str:
        if not value:
            return ""
        if type(value) is datetime:
            return _format_datetime(locale, zone, fmt, value)
        return flask_babel.format_datetime(value, fmt)

    return format


def format_datetime(value, fmt: str = "medium") -> str:
    """The `|datetime` filter: flask_babel.format_datetime(value, fmt), "" for no value."""
    return datetime_formatter(fmt)(value)
