import secrets
from datetime import date

import pytest

from app.governance import services as governance
from app.members.models import MemberStatus
from app.votes import services


def new_key() -> str:
    return secrets.token_urlsafe(16)


@pytest.fixture
def seminar():
    return governance.level_by_code("seminar")


@pytest.fixture
def assembly():
    return governance.level_by_code("general_assembly")


@pytest.fixture
def voters(make_member):
    return [make_member(MemberStatus.ES, since=date(2024, 1, 1)) for _ in range(5)]


@pytest.fixture
def open_ballot(seminar, voters):
    def make(**kwargs):
        kwargs.setdefault("title", "Adopter la charte des bureaux partagés")
        ballot = services.create_ballot(level=kwargs.pop("level", seminar), **kwargs)
        return services.open_ballot(ballot)
    return make
