"""Fixtures of the deliberation tests: proposals made through the services, as members would."""

from __future__ import annotations

import pytest

from app.deliberation import services
from app.governance.services import level_by_code, matter_by_code
from app.members.models import MemberStatus, RoleKind

BODY = "La coopérative organise ses décisions en quatre niveaux.\n\nChaque membre participe."


@pytest.fixture
def author(make_member):
    return make_member(MemberStatus.ES, name="Aline Autrice", email="aline@example.org", language="en")


@pytest.fixture
def facilitator(make_member):
    return make_member(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER], name="Gaston Gérant",
                       email="gaston@example.org", language="en")


@pytest.fixture
def make_proposal(author):
    def make(by=None, *, matter="everyday", level=None, opened=True, title="Des bureaux partagés", summary="",
             body=BODY, themes=(), coauthors=()):
        proposal = services.create_proposal(
            by or author, title=title, summary=summary, body=body, matter_id=matter_by_code(matter).id,
            level_id=level_by_code(level).id if level else None, theme_ids=[t.id for t in themes],
            coauthor_ids=[m.id for m in coauthors],
        )
        if opened:
            services.open_for_debate(proposal, by or author)
        return proposal

    return make


# The live tests run a real server: its fixtures come from the live channel's tests.
from tests.live.conftest import clients, live_server  # noqa: E402,F401
