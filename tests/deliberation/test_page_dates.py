"""The dates of the pages (the `|datetime` filter and the comment blocks' formatter) are Babel's,
as flask_babel formats them: same text in each language, Paris time, on both sides of a clock change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import flask_babel
import pytest

from app.i18n import datetime_formatter, format_datetime

INSTANTS = [
    datetime(2025, 3, 30, 0, 59, 59, tzinfo=UTC),  # 01:59:59 in Paris, then the clocks go forward
    datetime(2025, 3, 30, 1, 0, tzinfo=UTC),  # 03:00 in Paris
    datetime(2025, 10, 26, 0, 30, tzinfo=UTC),  # 02:30 summer time
    datetime(2025, 10, 26, 1, 30, tzinfo=UTC),  # 02:30 again, winter time
    datetime(2024, 12, 31, 23, 0, tzinfo=UTC),  # already the new year in Paris
    datetime(2026, 7, 14, 10, 5, 7, 123456, tzinfo=UTC),
    datetime(2026, 1, 1, 12, 0),  # naive: taken as UTC, as Babel does
] + [datetime(2025, 1, 1, 6, tzinfo=UTC) + timedelta(days=37 * n, hours=5 * n) for n in range(12)]
FORMATS = ("short", "medium", "long", "full", "EEEE d MMMM y, HH:mm", "HH'h'mm")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_formatter_writes_what_flask_babel_writes(app, language):
    with app.test_request_context(), flask_babel.force_locale(language):
        for fmt in FORMATS:
            formatter = datetime_formatter(fmt)
            for instant in INSTANTS:
                expected = flask_babel.format_datetime(instant, fmt)
                assert format_datetime(instant, fmt) == expected, (fmt, instant)
                assert formatter(instant) == expected, (fmt, instant)
                assert formatter(instant) == expected  # kept: the same again


def test_no_value_gives_nothing_and_other_values_go_to_flask_babel(app):
    with app.test_request_context(), flask_babel.force_locale("fr"):
        assert format_datetime(None) == "" and format_datetime("", "short") == ""
        assert format_datetime(date(2025, 5, 1), "short") == flask_babel.format_datetime(date(2025, 5, 1), "short")


def test_the_filter_of_the_templates_is_this_one(app):
    assert app.jinja_env.filters["datetime"] is format_datetime
    with app.test_request_context(), flask_babel.force_locale("en"):
        template = app.jinja_env.from_string("{{ when|datetime('short') }}|{{ when|datetime }}")
        rendered = template.render(when=INSTANTS[1])
    assert rendered == "3/30/25, 3:00\u202fAM|Mar 30, 2025, 3:00:00\u202fAM"
