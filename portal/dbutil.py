"""Small database helpers that must behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db


def insert_ignoring_conflicts(model, index_elements: list[str]):
    """INSERT … ON CONFLICT DO NOTHING for ``model`` on the current database."""
    dialect = db.session.get_bind().dialect.name
    builders = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    if dialect not in builders:  # pragma: no cover - we ship for SQLite and PostgreSQL only
        raise RuntimeError(f"unsupported database {dialect}")
    return builders[dialect](model).on_conflict_do_nothing(index_elements=index_elements)


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"
