"""The monthly figures, aggregated in SQL over ``usage_events``.

Every query filters one range of Tokyo months as ``at >= start AND at < end`` (bounds
computed in Python, see months.py) and groups in the database; counts use
``count(CASE …)`` rather than ``FILTER`` so that SQLite and PostgreSQL run the same SQL.
The page, the report and the email all read these functions, so their numbers agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, distinct, exists, func, or_, select, union

from portal.extensions import db
from portal.models import Book, Contract, Enrolment, Learner, Publisher, UsageEvent
from portal.models.usage import BOOK_OPEN, LOGIN
from portal.usage.months import Month, span

E = UsageEvent


@dataclass(frozen=True)
class Point:
    """One month of a contract (or of every contract): the headline numbers."""

    logins: int = 0  # 利用回数: logins
    active_ids: int = 0  # 利用したID数: IDs with at least one event
    book_opens: int = 0  # 本を開いた回数: titles opened (once per title and session)
    titles_read: int = 0  # 読まれた本の数: distinct titles opened


@dataclass(frozen=True)
class LearnerRow:
    """One ID's month. Only the ID and its kind: never a name (DESIGN: no personal data)."""

    login_id: str
    kind: str
    logins: int
    book_opens: int
    titles_read: int


@dataclass(frozen=True)
class TitleRow:
    """One title's month: how often it was opened, and by how many IDs."""

    rank: int
    book_id: int
    title: str
    author: str
    publisher: str
    opens: int
    readers: int


def within(months: Sequence[Month]):
    """The SQL condition: an event in the contiguous run of ``months``."""
    return and_(E.at >= months[0].start, E.at < months[-1].end)


def count_logins(kind):
    """SQL: how many of the grouped events are logins."""
    return func.count(case((kind == LOGIN, 1)))


def count_opens(kind):
    """SQL: how many are titles opened."""
    return func.count(case((kind == BOOK_OPEN, 1)))


def count_titles(kind, book_id):
    """SQL: how many distinct titles were opened."""
    return func.count(distinct(case((kind == BOOK_OPEN, book_id))))


def series(months: Sequence[Month], contract_id: int | None = None) -> dict[Month, Point]:
    """The headline numbers of each month, for one contract or all, in one query.

    Each event gets the index of its month from a CASE over the Python-computed bounds,
    inside a subquery, so that the GROUP BY names a plain column on both databases.
    """
    bucket = case(*[(E.at < m.end, i) for i, m in enumerate(months)])
    inner = select(bucket.label("bucket"), E.learner_id, E.kind, E.book_id).where(
        within(months)
    )
    if contract_id is not None:
        inner = inner.where(E.contract_id == contract_id)
    sub = inner.subquery()
    rows = db.session.execute(
        select(sub.c.bucket, count_logins(sub.c.kind), func.count(distinct(sub.c.learner_id)),
               count_opens(sub.c.kind), count_titles(sub.c.kind, sub.c.book_id))
        .group_by(sub.c.bucket)
    ).all()
    found = {months[bucket]: Point(*numbers) for bucket, *numbers in rows}
    return {m: found.get(m, Point()) for m in months}


def month_point(month: Month, contract_id: int | None = None) -> Point:
    """The headline numbers of one month."""
    return series([month], contract_id)[month]


def registered_ids(contract_id: int) -> int:
    """登録ID数: the IDs enrolled in the contract."""
    return db.session.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.contract_id == contract_id)
    )


def per_learner(contract_id: int, month: Month) -> list[LearnerRow]:
    """Every ID of the contract with its month, unused IDs included (as zeros).

    The IDs are the contract's enrolments plus any ID with events under it, so that a
    shared account is one row whoever used it, and an ID used then removed still counts.
    """
    agg = (
        select(E.learner_id, count_logins(E.kind).label("logins"), count_opens(E.kind).label("opens"),
               count_titles(E.kind, E.book_id).label("titles"))
        .where(E.contract_id == contract_id, within([month]))
        .group_by(E.learner_id)
        .cte("agg")
    )
    ids = union(
        select(Enrolment.learner_id).where(Enrolment.contract_id == contract_id),
        select(agg.c.learner_id),
    ).subquery("ids")
    rows = db.session.execute(
        select(Learner.login_id, Learner.kind, func.coalesce(agg.c.logins, 0),
               func.coalesce(agg.c.opens, 0), func.coalesce(agg.c.titles, 0))
        .select_from(ids)
        .join(Learner, Learner.id == ids.c.learner_id)
        .outerjoin(agg, agg.c.learner_id == ids.c.learner_id)
        .order_by(Learner.login_id)
    ).all()
    return [LearnerRow(*row) for row in rows]


def top_titles(month: Month, contract_id: int | None = None,
               limit: int | None = None) -> list[TitleRow]:
    """The titles opened in the month, most opened first (ties: more readers, then title)."""
    inner = select(E.book_id, func.count().label("opens"),
                   func.count(distinct(E.learner_id)).label("readers")).where(
        E.kind == BOOK_OPEN, within([month]))
    if contract_id is not None:
        inner = inner.where(E.contract_id == contract_id)
    agg = inner.group_by(E.book_id).subquery()
    query = (
        select(Book.id, Book.title, Book.author, Publisher.name, agg.c.opens, agg.c.readers)
        .join(agg, agg.c.book_id == Book.id)
        .join(Publisher, Publisher.id == Book.publisher_id)
        .order_by(agg.c.opens.desc(), agg.c.readers.desc(), Book.title, Book.id)
        .limit(limit)
    )
    return [TitleRow(rank, *row) for rank, row in enumerate(db.session.execute(query), 1)]


def reported(month: Month):
    """The SQL condition on Contract: it gets a report for ``month``.

    A contract is reported for the months of its term, and for its grace month (the old IDs
    still log in during the renewal's opening month) only if that month has usage.
    """
    used = exists().where(E.contract_id == Contract.id, within([month]))
    return and_(
        Contract.starts_on <= month.last_day,
        Contract.access_until >= month.first_day,
        or_(Contract.ends_on >= month.first_day, used),
    )


def contract_months(contract: Contract, until: Month) -> list[Month]:
    """The months a contract is reported for, up to ``until`` (this month, usually)."""
    last = min(until, Month.of(contract.access_until))
    term = span(Month.of(contract.starts_on), Month.of(contract.ends_on))
    months = [m for m in term if m <= last]
    grace = Month.of(contract.access_until)
    if grace <= last and grace not in months and db.session.scalar(
        select(exists().where(E.contract_id == contract.id, within([grace])))
    ):
        months.append(grace)
    return months

