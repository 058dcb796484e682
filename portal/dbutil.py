"""Small database helpers that must behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC

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


def bulk_insert(table, columns: list[str], rows) -> int:
    """Insert many rows of plain values (ints, strings, None) fast: COPY on PostgreSQL,
    the driver's executemany on SQLite; how many.

    Runs on the session's own connection, so the rows commit or roll back with it.
    """
    rows = list(rows)
    if not rows:
        return 0
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.dbapi_connection
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        # Straight to the driver: the rows are plain values, and SQLAlchemy's per-row
        # parameter processing would cost more than SQLite's insert itself.
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows
        )
    return len(rows)


def plain_rows(statement) -> list[tuple]:
    """The rows of a SELECT of plain columns (ints, strings) straight from the driver.

    For hot paths that read 100,000 rows: no Row objects and no type processing (so never
    for columns with a custom type such as UTCDateTime). Compiled by SQLAlchemy for the
    current database, so the query stays portable.
    """
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    if compiled.positional:
        args = tuple(compiled.params[name] for name in compiled.positiontup)
    else:
        args = compiled.params
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return cursor.fetchall()
    finally:
        cursor.close()


def plain_time(moment):
    """What a UTCDateTime column stores (naive UTC), for the driver-level bulk insert."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def plain_stream(statement, size: int = 5000):
    """Like ``plain_rows``, but streamed in batches of ``size`` (a server-side cursor on
    PostgreSQL), so that 100,000 rows never sit in memory at once."""
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    if compiled.positional:
        args = tuple(compiled.params[name] for name in compiled.positiontup)
    else:
        args = compiled.params
    raw = connection.connection.dbapi_connection
    postgres = connection.dialect.name == "postgresql"
    cursor = raw.cursor(name="portal_stream") if postgres else raw.cursor()
    try:
        cursor.execute(str(compiled), args)
        while batch := cursor.fetchmany(size):
            yield from batch
    finally:
        cursor.close()


def tokyo_day(column):
    """SQL for a UTC timestamp column as its Tokyo date, 'YYYY/MM/DD', on either database."""
    from sqlalchemy import func

    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Tokyo", func.timezone("UTC", column)),
                            "YYYY/MM/DD")
    return func.strftime("%Y/%m/%d", column, "+9 hours")  # Japan keeps no daylight saving
