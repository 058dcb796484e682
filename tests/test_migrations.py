"""The migrations build the whole model, on SQLite and on PostgreSQL, with nothing missing."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import TEST_SECRET
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.config import database_uri
from portal.extensions import db


def upgrade_and_compare(url: str) -> list:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": TEST_SECRET})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        db.engine.dispose()
    return diff


def test_sqlite_from_empty(tmp_path):
    assert upgrade_and_compare(f"sqlite:///{tmp_path}/m.sqlite3") == []


@pytest.mark.postgres
def test_postgresql_from_empty(pg_url):
    base = make_url(database_uri(pg_url, "."))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{base.database}_migrations"  # beside the test database, never shared
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        assert upgrade_and_compare(url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
