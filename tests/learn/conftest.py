"""Fixtures of the learner and catalog tests: a school with a contract in force, a
company with another library, factories for learners and titles, and a learner login.

The clock is pinned (PORTAL_NOW) so that idle time and listed-until dates are exact.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal import security
from portal.extensions import db
from portal.models import (
    Book,
    BookPage,
    Category,
    Contract,
    Enrolment,
    Learner,
    Library,
    Organisation,
    Publisher,
    StaffUser,
)
from portal.models.contract import INITIAL

from .helpers import NOW, PASSWORD, TODAY, at


class World:
    """Rows of the test's world, fetched by id on each use.

    Every request in these tests pops the test's app context, which removes its database
    session (see conftest.outside_test_context): objects kept across a request would be
    detached. So the world keeps ids and hands out rows of the current session.
    """

    def __init__(self, app, **rows):
        self.app = app
        self._ids = {name: (type(row), row.id) for name, row in rows.items()}

    def __getattr__(self, name):
        model, ident = self._ids[name]
        return db.session.get(model, ident)


@pytest.fixture
def world(app):
    """A school reading the school library, a company reading gold, two publishers, two
    categories, and the clock at NOW."""
    app.config["PORTAL_NOW"] = at(NOW)
    school_library = Library(code="school", name="School e-Library", family="school")
    gold = Library(code="gold", name="金ライブラリ", family="company", rank=2)
    school = Organisation(code="S0001", name="テスト学園", kind="school", prefecture=13)
    company = Organisation(code="C0001", name="テスト商事", kind="company", prefecture=27)
    contract = Contract.for_term(
        date(2026, 4, 1), date(2027, 3, 31), organisation=school, library=school_library, seats=41
    )
    company_contract = Contract.for_term(
        date(2026, 1, 1), date(2026, 12, 31), organisation=company, library=gold, seats=5
    )
    publisher = Publisher(name="テスト書房", contact_email="editor@test-shobo.example.jp")
    other_publisher = Publisher(name="見本出版", contact_email="info@mihon.example.jp")
    novels = Category(name="日本の小説", position=1)
    science = Category(name="自然科学", position=6)
    db.session.add_all([contract, company_contract, publisher, other_publisher, novels, science])
    db.session.commit()
    return World(
        app, school=school, company=company, contract=contract,
        company_contract=company_contract, school_library=school_library, gold=gold,
        publisher=publisher, other_publisher=other_publisher, novels=novels, science=science,
    )


def snapshot(row):
    """The row loaded and let go of: its columns stay readable whatever commits or
    requests come later (to change it, fetch it again with ``db.session.get``)."""
    db.session.refresh(row)
    db.session.expunge(row)
    return row


@pytest.fixture
def make_learner(world):
    """Learners enrolled in a contract (the school's by default), with an issued password."""
    count = iter(range(1, 10_000))

    def make(kind="personal", contract=None, login_id=None, **fields) -> Learner:
        contract = db.session.merge(contract) if contract else world.contract
        fields.setdefault("card_password", security.seal(PASSWORD))
        learner = Learner(
            organisation_id=contract.organisation_id,
            login_id=login_id or f"{contract.organisation.code}-{next(count):03d}",
            kind=kind,
            **fields,
        )
        db.session.add(learner)
        db.session.add(Enrolment(contract=contract, learner=learner, source=INITIAL))
        db.session.commit()
        return snapshot(learner)

    return make


@pytest.fixture
def make_book(world):
    """Titles with pages of numbered text, in the school library by default."""
    count = iter(range(1, 10_000))

    def make(title=None, pages=3, listed_until=None, libraries=None, publisher=None,
             category=None, author="著者 太郎") -> Book:
        number = next(count)
        book = Book(
            code=f"T-{number:04d}",
            title=title or f"テストの本 {number}",
            author=author,
            publisher=publisher or world.publisher,
            category=category or world.novels,
            listed_until=listed_until or TODAY + timedelta(days=200),
        )
        book.libraries = list(libraries if libraries is not None else [world.school_library])
        db.session.add(book)
        db.session.flush()
        db.session.add_all(
            BookPage(book_id=book.id, number=n, body=f"{book.title} の {n} ページ目です。\n\n二段落目。")
            for n in range(1, pages + 1)
        )
        db.session.commit()
        return snapshot(book)

    return make


@pytest.fixture
def learner_login():
    """Log a client in as a learner; answers the login response."""

    def log_in(client, login_id: str, password: str = PASSWORD):
        return client.post("/learn/login", {"login_id": login_id, "password": password})

    return log_in


@pytest.fixture
def operator(world):
    user = StaffUser(
        login_id="ops", name="事務局 太田", email="office@example.jp", role="operator",
        password_hash=security.hash_password("demo-pass"),
    )
    db.session.add(user)
    db.session.commit()
    return user
