"""Helpers of the API tests: a client whose requests start without a caller, tokens."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.members import services
from tests.conftest import FreshRequestClient


class EnglishClient(FreshRequestClient):
    """Asks for English, the source language of the messages the API tests compare."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def client(app):
    return EnglishClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def anonymous(app):
    return EnglishClient(app, app.response_class, use_cookies=True)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token_of():
    """token_of(member) -> the secret of a new personal token of that member.

    It commits (a SAVEPOINT release in the tests), as the request creating the token
    would: a request that fails rolls back only its own changes, not the test's setup.
    """

    def make(member, name="test"):
        secret, _token = services.create_api_token(member, name)
        db.session.commit()
        return secret

    return make
