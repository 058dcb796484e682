"""Bookmarks and 「続きから読む」: kept for personal accounts, erased when a shared
account's session ends (logout, replaced, idle), and usage events for the monthly figures."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from portal.daily import run_daily
from portal.extensions import db
from portal.models import Bookmark, LearnerSession, ReadingPosition, UsageEvent

from .helpers import NOW, TODAY, move_clock, text


def traces(learner_id: int) -> tuple[int, int]:
    count = lambda model: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(model.learner_id == learner_id)
    )
    return count(Bookmark), count(ReadingPosition)


def read_and_mark(client, book_id: int, page: int = 2) -> None:
    client.get(f"/learn/books/{book_id}?page={page}")
    response = client.post(f"/learn/books/{book_id}/bookmarks", {"page": page})
    assert response.headers["Location"] == f"/learn/books/{book_id}?page={page}"


def test_a_personal_account_keeps_bookmarks_and_continues(
    client, make_book, make_learner, learner_login
):
    book = make_book("続きのある本", pages=5)
    learner = make_learner(kind="personal")
    learner_login(client, learner.login_id)
    read_and_mark(client, book.id, 2)
    client.get(f"/learn/books/{book.id}?page=4")
    client.post("/learn/logout")
    assert traces(learner.id) == (1, 1)

    learner_login(client, learner.login_id)
    page = text(client.get("/learn/"))
    assert "続きから読む" in page
    assert f'href="/learn/books/{book.id}?page=4"' in page  # where they stopped
    assert f'href="/learn/books/{book.id}?page=2">続きのある本 ・ 2ページ' in page  # the bookmark
    # Opening the title from the list offers the place reached, and keeps it.
    opened = text(client.get(f"/learn/books/{book.id}"))
    assert "前回は4ページまで読みました" in opened
    assert f'href="/learn/books/{book.id}?page=4"' in text(client.get("/learn/"))


def test_a_second_bookmark_on_a_page_changes_nothing(client, make_book, make_learner, learner_login):
    book = make_book(pages=3)
    learner = make_learner()
    learner_login(client, learner.login_id)
    read_and_mark(client, book.id, 2)
    read_and_mark(client, book.id, 2)
    assert traces(learner.id)[0] == 1


def test_a_bookmark_can_be_removed_by_its_owner_only(
    client, make_client, make_book, make_learner, learner_login
):
    book = make_book(pages=3)
    owner, other = make_learner(), make_learner()
    learner_login(client, owner.login_id)
    read_and_mark(client, book.id, 3)
    mark_id = db.session.scalar(select(Bookmark.id))
    stranger = make_client()
    learner_login(stranger, other.login_id)
    stranger.post(f"/learn/bookmarks/{mark_id}/delete")
    assert traces(owner.id)[0] == 1
    response = client.post(f"/learn/bookmarks/{mark_id}/delete", {"back_to_page": "3"})
    assert response.headers["Location"] == f"/learn/books/{book.id}?page=3"
    assert traces(owner.id)[0] == 0


def test_a_shared_account_is_erased_at_logout(client, make_book, make_learner, learner_login):
    book = make_book(pages=3)
    shared = make_learner(kind="shared")
    learner_login(client, shared.login_id)
    read_and_mark(client, book.id)
    page = text(client.get("/learn/"))
    assert "共用アカウントでログインしています" in page and "しおり" in page
    client.post("/learn/logout")
    assert traces(shared.id) == (0, 0)
    learner_login(client, shared.login_id)
    page = text(client.get("/learn/"))
    assert "続きから読む" not in page and "ページのしおりを外す" not in page


def test_a_shared_account_is_erased_when_replaced(
    client, make_client, make_book, make_learner, learner_login
):
    book = make_book(pages=3)
    shared = make_learner(kind="shared")
    learner_login(client, shared.login_id)
    read_and_mark(client, book.id)
    learner_login(make_client(), shared.login_id)  # the next pupil with the card
    assert traces(shared.id) == (0, 0)


def test_a_shared_account_is_erased_when_idle(app, client, make_book, make_learner, learner_login):
    book = make_book(pages=3)
    shared = make_learner(kind="shared")
    learner_login(client, shared.login_id)
    read_and_mark(client, book.id)
    move_clock(app, NOW + timedelta(minutes=25))
    client.get("/learn/")
    assert traces(shared.id) == (0, 0)
    assert "読書の記録としおりは消去しました" in text(client.get("/learn/login"))


def test_an_abandoned_shared_session_is_erased_by_the_tick(
    app, client, make_book, make_learner, learner_login
):
    book = make_book(pages=3)
    shared, personal = make_learner(kind="shared"), make_learner(kind="personal")
    for learner in (shared, personal):
        learner_login(client, learner.login_id)
        read_and_mark(client, book.id)
    move_clock(app, NOW + timedelta(hours=1))
    run_daily(TODAY)
    assert traces(shared.id) == (0, 0)
    assert traces(personal.id) == (1, 1)


def test_a_personal_account_keeps_its_traces_when_replaced_or_idle(
    app, client, make_client, make_book, make_learner, learner_login
):
    book = make_book(pages=3)
    personal = make_learner(kind="personal")
    learner_login(client, personal.login_id)
    read_and_mark(client, book.id)
    learner_login(make_client(), personal.login_id)
    move_clock(app, NOW + timedelta(hours=1))
    run_daily(TODAY)
    assert traces(personal.id) == (1, 1)


def events(kind: str, **where) -> list[UsageEvent]:
    stmt = select(UsageEvent).where(UsageEvent.kind == kind)
    for name, value in where.items():
        stmt = stmt.where(getattr(UsageEvent, name) == value)
    return list(db.session.scalars(stmt))


def test_usage_events_count_logins_and_titles_opened(
    app, client, world, make_book, make_learner, learner_login
):
    first, second = make_book(pages=3), make_book(pages=3)
    learner = make_learner(kind="shared")
    learner_login(client, learner.login_id)
    for page in (1, 2, 3, 2):  # turning pages is one reading of the title
        client.get(f"/learn/books/{first.id}?page={page}")
    client.get(f"/learn/books/{second.id}")
    client.post("/learn/logout")
    move_clock(app, NOW + timedelta(hours=2))
    learner_login(client, learner.login_id)
    client.get(f"/learn/books/{first.id}")

    logins = events("login", learner_id=learner.id)
    opened = events("book_open", learner_id=learner.id)
    assert len(logins) == 2
    assert sorted(e.book_id for e in opened) == sorted([first.id, second.id, first.id])
    for event in logins + opened:
        assert event.contract_id == world.contract.id
        assert event.organisation_id == world.school.id
    assert all(e.at.tzinfo is not None for e in opened)


def test_failed_logins_and_refusals_are_not_usage(client, make_learner, learner_login):
    learner_login(client, make_learner().login_id, "wrong")
    learner_login(client, make_learner(status="disabled").login_id)
    assert events("login") == []


def test_a_shared_session_ended_elsewhere_leaves_nothing_to_see(
    app, client, make_book, make_learner, learner_login
):
    """The renewal's daily step ends sessions in bulk (reason 'expired'), bypassing the
    erasure: the next login of the ID starts clean, and the tick sweeps the rest."""
    book = make_book(pages=3)
    shared, personal = make_learner(kind="shared"), make_learner(kind="personal")
    for learner in (shared, personal):
        learner_login(client, learner.login_id)
        read_and_mark(client, book.id)
    db.session.execute(
        update(LearnerSession).values(ended_at=datetime.now(UTC), end_reason="expired")
    )
    db.session.commit()
    response = client.get("/learn/")
    assert response.status_code == 302
    assert "ご利用期間が終わったため" in text(client.get("/learn/login"))
    run_daily(TODAY)
    assert traces(shared.id) == (0, 0) and traces(personal.id) == (1, 1)


def test_a_shared_login_starts_clean(client, make_book, make_learner, learner_login):
    book = make_book(pages=3)
    shared = make_learner(kind="shared")
    learner_login(client, shared.login_id)
    read_and_mark(client, book.id)
    db.session.execute(update(LearnerSession).values(ended_at=datetime.now(UTC)))
    db.session.commit()
    learner_login(client, shared.login_id)
    assert traces(shared.id) == (0, 0)
