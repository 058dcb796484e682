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


def lock_row(model, ident: int) -> None:
    """Serialise changes to one row until the transaction ends.

    PostgreSQL takes a row lock. SQLite has no row locks, so a no-op UPDATE takes the
    database's write lock instead; either way a second transaction waits here.
    """
    from sqlalchemy import select, update

    if is_postgresql():
        db.session.execute(select(model.id).where(model.id == ident).with_for_update())
    else:
        db.session.execute(update(model).where(model.id == ident).values(id=model.id))
