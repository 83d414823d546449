"""The notification tests use the deliberation fixtures (authors, proposals)."""

from tests.deliberation.conftest import author, facilitator, make_proposal  # noqa: F401
