"""A title opened by simultaneous requests of one session (a double click, a second tab)
is counted once: the database's unique (session, book) decides, not a check before the
insert. Under gunicorn with several workers, on PostgreSQL in CI."""

from __future__ import annotations

import concurrent.futures

from services import HttpBrowser
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import UsageEvent
from portal.models.usage import BOOK_OPEN

from .helpers import PASSWORD, TODAY


def test_simultaneous_opens_count_once(gunicorn, world, make_book, make_learner):
    books = [make_book(pages=2) for _ in range(5)]
    learner = make_learner()
    base = gunicorn(workers=4, PORTAL_TODAY=TODAY.isoformat())
    browser = HttpBrowser(base)
    browser.get("/learn/login")
    _, page = browser.post("/learn/login", {"login_id": learner.login_id, "password": PASSWORD})
    assert "ログアウト" in page

    def open_book(book_id: int) -> int:
        return browser.get(f"/learn/books/{book_id}")[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for book in books:  # four requests at once for each title
            assert list(pool.map(open_book, [book.id] * 4)) == [200] * 4
    db.session.expire_all()
    counted = dict(db.session.execute(
        select(UsageEvent.book_id, func.count()).where(UsageEvent.kind == BOOK_OPEN)
        .group_by(UsageEvent.book_id)).all())
    assert counted == {book.id: 1 for book in books}
