"""Fixtures of the usage tests: a school and a company with contracts in force in May
2026, three titles, learners of every kind, and a clock on the morning of 1 June.

Every test app talks to the real SMTP server fixture, so the month-start emails can be
read as they arrive. Tests keep ids, never ORM objects, across requests.
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import Book, Category, Publisher

from .helpers import NOW, Ids, add_event, tokyo


@pytest.fixture
def app(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PORTAL_NOW=NOW.isoformat())
    with app.app_context():
        yield app


@pytest.fixture
def ids(app, make) -> Ids:
    school_library = make.library("school", family="school", rank=1)
    school = make.organisation(kind="school", code="S0001", name="テスト学園")
    company = make.organisation(code="C0001", name="テスト商事")
    school_contract = make.contract(school, school_library, date(2026, 4, 1), date(2027, 3, 31),
                                    seats=41)
    company_contract = make.contract(company, make.library("gold"), date(2025, 7, 1),
                                     date(2026, 6, 30), seats=5)
    make.coordinator(school, login_id="coord-s", email="librarian@school.example.jp")
    make.coordinator(school, login_id="coord-s2", email="vice@school.example.jp")
    make.coordinator(company, login_id="coord-c", email="hr@company.example.jp")
    make.operator(login_id="ops-u")
    publisher = Publisher(name="テスト書房", contact_email="editor@example.jp")
    category = Category(name="日本の小説", position=1)
    books = [Book(code=f"U-{n}", title=title, author=f"著者{n}", publisher=publisher,
                  category=category, listed_until=date(2027, 3, 31))
             for n, title in enumerate(["一の本", "二の本", "三の本"], 1)]
    db.session.add_all(books)
    learners = [
        make.learner(school_contract, login_id="S0001-001"),
        make.learner(school_contract, login_id="S0001-002"),
        make.learner(school_contract, login_id="S0001-031", kind="shared"),
        make.learner(school_contract, login_id="S0001-040"),
        make.learner(company_contract, login_id="C0001-001", name="山田 太郎",
                     email="yamada@company.example.jp"),
    ]
    db.session.commit()
    return Ids(school.id, company.id, school_contract.id, company_contract.id,
               [b.id for b in books], *[lr.id for lr in learners])


@pytest.fixture
def may(ids) -> Ids:
    """May 2026 as the tests expect it, with events just outside it on both sides.

    School in May: 7 logins by 3 IDs, 8 titles opened, 3 distinct titles; 二の本 opened 4
    times by 2 IDs, 一の本 3 times by 2 IDs, 三の本 once. S0001-040 never logs in.
    """
    e = add_event
    # S0001-001: three logins, the last at 23:59 on the last day (still May).
    e(ids, ids.personal, tokyo(5, 1, 8))
    e(ids, ids.personal, tokyo(5, 1, 8, 5), 0)
    e(ids, ids.personal, tokyo(5, 1, 8, 10), 1)
    e(ids, ids.personal, tokyo(5, 10))
    e(ids, ids.personal, tokyo(5, 10, 12, 5), 0)
    e(ids, ids.personal, tokyo(5, 31, 23, 59))
    # S0001-002: one login in May; 23:59 on 30 April and 00:00 on 1 June are not May.
    e(ids, ids.personal2, tokyo(4, 30, 23, 59))
    e(ids, ids.personal2, tokyo(5, 20))
    e(ids, ids.personal2, tokyo(5, 20, 12, 1), 0)
    e(ids, ids.personal2, tokyo(6, 1, 0, 0))
    e(ids, ids.personal2, tokyo(6, 1, 0, 1), 2)
    # S0001-031, shared: three pupils, three sessions; 二の本 in each.
    for day, hour in ((12, 9), (12, 10), (13, 9)):
        e(ids, ids.shared, tokyo(5, day, hour))
        e(ids, ids.shared, tokyo(5, day, hour, 5), 1)
    e(ids, ids.shared, tokyo(5, 13, 9, 20), 2)
    # The company's learner: never part of the school's figures.
    e(ids, ids.company_learner, tokyo(5, 15))
    e(ids, ids.company_learner, tokyo(5, 15, 12, 5), 0)
    db.session.commit()
    return ids
