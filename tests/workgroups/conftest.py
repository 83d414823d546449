"""Fixtures of the workgroup tests: groups made through the services, as members would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.governance.services import level_by_code
from app.members.models import MemberStatus
from app.timeutil import local_today
from app.workgroups import services
from tests.deliberation.conftest import author, facilitator, make_proposal  # noqa: F401


@pytest.fixture
def alice(make_member):
    return make_member(MemberStatus.ES, name="Alice Animatrice", email="alice@example.org", language="en")


@pytest.fixture
def bob(make_member):
    return make_member(MemberStatus.CAPE, name="Bob Bénévole", email="bob@example.org", language="en")


@pytest.fixture
def outsider(make_member):
    return make_member(MemberStatus.ESA, name="Olga Outsider", email="olga@example.org", language="en")


def mandate(**overrides) -> dict:
    values = {
        "name": "Bureaux partagés", "question": "How do we share the offices?", "expected_output": "A proposal",
        "due_on": local_today() + timedelta(days=30), "reports_to_level_id": level_by_code("seminar").id,
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_workgroup(facilitator, alice):  # noqa: F811
    def make(*, by=None, facilitators=None, members=(), open_membership=True, **overrides):
        return services.create_by_decision(
            by or facilitator, **mandate(**overrides), decided_by_level_id=level_by_code("seminar").id,
            decision_reference="Séminaire de mars, point 4",
            facilitator_ids=[m.id for m in (facilitators or [alice])], member_ids=[m.id for m in members],
            open_membership=open_membership)

    return make


@pytest.fixture(autouse=True)
def english_interface(app, monkeypatch):
    """These tests compare the English source messages: run them in English, also outside a
    request (services called directly use the default locale), as the meetings tests do."""
    from flask import g, has_app_context

    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    if has_app_context():
        g.pop("_flask_babel", None)
