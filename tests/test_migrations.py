"""Every model change ships its migration: the migrated schema must equal the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree(app):
    # The test's own connection: on SQLite another one would wait for its write lock.
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations disagree, run `flask db migrate`: {differences}"
