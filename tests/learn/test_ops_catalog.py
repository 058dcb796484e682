"""Operators manage publishers, categories and titles; others cannot."""

from datetime import timedelta

from sqlalchemy import select

from portal import security
from portal.extensions import db
from portal.models import Book, BookPage, Category, Publisher, StaffUser

from .helpers import TODAY, text, titles


def book_form(world, **fields) -> dict:
    form = {
        "code": "978-4-0000-0001-1", "title": "新しい本", "author": "新人 作家",
        "publisher": world.publisher.id, "category": world.novels.id,
        "listed_until": (TODAY + timedelta(days=90)).isoformat(),
        "libraries": [world.school_library.id], "description": "",
        "body": "一ページ目。\n\n---\n\n二ページ目。\n---\n\n三ページ目。",
    }
    form.update(fields)
    return form


def test_only_operators_may_manage(client, world, operator):
    assert client.get("/ops/catalog/").headers["Location"].startswith("/login")
    coordinator = StaffUser(
        login_id="coord", name="担当", email="c@example.jp", role="coordinator",
        organisation_id=world.school.id, password_hash=security.hash_password("demo-pass"),
    )
    db.session.add(coordinator)
    db.session.commit()
    client.login("coord")
    assert client.get("/ops/catalog/").status_code == 403
    assert client.post("/ops/catalog/publishers/new", {"name": "x"}).status_code == 403


def test_an_operator_adds_a_title_that_learners_read(
    client, make_client, world, operator, make_learner, learner_login
):
    client.login("ops")
    assert "書籍カタログ" in text(client.get("/ops/catalog/"))
    response = client.post("/ops/catalog/books/new", book_form(world))
    assert response.status_code == 302
    book_id = db.session.scalar(select(Book.id).where(Book.code == "978-4-0000-0001-1"))
    pages = db.session.scalars(select(BookPage.body).where(BookPage.book_id == book_id)
                               .order_by(BookPage.number)).all()
    assert pages == ["一ページ目。", "二ページ目。", "三ページ目。"]

    reader = make_client()
    learner_login(reader, make_learner().login_id)
    assert titles(reader.get("/learn/")) == ["新しい本"]
    assert "二ページ目。" in text(reader.get(f"/learn/books/{book_id}?page=2"))


def test_an_operator_ends_a_listing(client, make_client, world, operator, make_book,
                                    make_learner, learner_login):
    book = make_book("終わらせる本")
    client.login("ops")
    form = client.get(f"/ops/catalog/books/{book.id}")
    assert "終わらせる本" in text(form) and "の 1 ページ目です。" in text(form)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    response = client.post(f"/ops/catalog/books/{book.id}", book_form(
        world, code=book.code, title="終わらせる本", listed_until=yesterday, body=None,
    ))
    assert response.status_code == 302
    assert "掲載終了" in text(client.get("/ops/catalog/"))
    reader = make_client()
    learner_login(reader, make_learner().login_id)
    assert titles(reader.get("/learn/")) == []
    assert reader.get(f"/learn/books/{book.id}").status_code == 404


def test_book_form_errors_are_in_japanese(client, world, operator, make_book):
    taken = make_book()
    client.login("ops")
    response = client.post("/ops/catalog/books/new", book_form(
        world, code=taken.code, listed_until="2026/13/40",
    ))
    assert response.status_code == 422
    assert "YYYY-MM-DD" in text(response)
    response = client.post("/ops/catalog/books/new", book_form(world, code=taken.code))
    assert response.status_code == 422
    assert f"書籍コード「{taken.code}」は別の書籍で使われています" in text(response)


def test_publishers_and_categories(client, world, operator):
    client.login("ops")
    response = client.post("/ops/catalog/publishers/new",
                           {"name": "新しい出版社", "contact_email": "new@pub.example.jp"})
    assert response.status_code == 302
    assert "新しい出版社" in text(client.get("/ops/catalog/publishers"))
    duplicate = client.post("/ops/catalog/publishers/new",
                            {"name": "テスト書房", "contact_email": "x@example.jp"})
    assert duplicate.status_code == 422 and "すでに登録されています" in text(duplicate)

    client.post(f"/ops/catalog/categories/{world.novels.id}", {"name": "日本の小説", "position": 9})
    assert db.session.get(Category, world.novels.id).position == 9
    bad = client.post("/ops/catalog/categories/new", {"name": "伝記", "position": "abc"})
    assert bad.status_code == 422 and "半角数字で入力してください" in text(bad)
    assert db.session.scalar(select(Publisher).where(Publisher.name == "新しい出版社"))
