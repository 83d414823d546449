"""Fixtures of the meetings tests: members, a seminar in session, through the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.meetings import services
from app.members.models import MemberStatus, RoleKind

# A fixed clock for the services: tests never depend on the time they run at.
T0 = datetime(2026, 3, 12, 8, 30, tzinfo=UTC)


@pytest.fixture
def facilitator(make_member):
    return make_member(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER], name="Gaston Gérant",
                       email="gaston@example.org", language="en")


@pytest.fixture
def people(make_member):
    return [make_member(MemberStatus.ES, since=date(2024, 1, 1), name=f"Membre {n}", language="en")
            for n in range(1, 6)]


@pytest.fixture
def make_meeting(facilitator):
    def make(*, kind="seminar", starts_at=T0, hours=7, title="Séminaire de printemps", items=("Vie coopérative",),
             secretary=None, **kwargs):
        meeting = services.create_meeting(
            kind=kind, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
            place="Maison des associations, Lyon", facilitator_ids=[facilitator.id],
            secretary_id=secretary.id if secretary else None, created_by=facilitator, **kwargs)
        for title in items:
            services.add_item(meeting, facilitator, kind="topic", title=title)
        return meeting

    return make


@pytest.fixture
def in_session(make_meeting, facilitator, people):
    """A seminar whose session runs, debate open on its first item, every person checked in."""
    meeting = make_meeting(items=("Charte des bureaux partagés", "Trinômes"))
    for person in people:
        services.mark_present(meeting, facilitator, person, now=T0)
    services.start_session(meeting, facilitator, now=T0)
    services.open_debate(meeting, facilitator, now=T0)
    return meeting


@pytest.fixture(autouse=True)
def english_interface(app, monkeypatch):
    """These tests compare the English source messages: run them in English (the live
    server's tests read its messages in French, the cooperative's default).

    Messages produced outside a request use the default locale, and a request without a
    member preference or Accept-Language falls back to it too.
    """
    from flask import g, has_app_context

    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    if has_app_context():
        g.pop("_flask_babel", None)
