"""The reader: server-rendered pages, never cached, keyboard links, and clear answers for
titles outside the catalog or the library and for page numbers out of range."""

from datetime import timedelta

from .helpers import TODAY, text


def test_reads_a_page(client, make_book, make_learner, learner_login):
    book = make_book("三ページの本", pages=3)
    learner_login(client, make_learner().login_id)
    response = client.get(f"/learn/books/{book.id}?page=2")
    page = text(response)
    assert response.status_code == 200
    assert "三ページの本 の 2 ページ目です。" in page
    assert "2 / 3 ページ" in page
    assert f'rel="prev" href="/learn/books/{book.id}?page=1"' in page
    assert f'rel="next" href="/learn/books/{book.id}?page=3"' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in page and "download" not in page.lower()


def test_the_first_and_last_pages_have_one_way_only(client, make_book, make_learner, learner_login):
    book = make_book(pages=2)
    learner_login(client, make_learner().login_id)
    first = text(client.get(f"/learn/books/{book.id}"))
    assert 'rel="prev"' not in first and 'rel="next"' in first
    last = text(client.get(f"/learn/books/{book.id}?page=2"))
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_a_page_out_of_range_goes_to_the_nearest(client, make_book, make_learner, learner_login):
    book = make_book(pages=3)
    learner_login(client, make_learner().login_id)
    beyond = client.get(f"/learn/books/{book.id}?page=40")
    assert beyond.status_code == 302
    assert beyond.headers["Location"] == f"/learn/books/{book.id}?page=3"
    assert "全3ページです" in text(client.get(beyond.headers["Location"]))
    for wrong in ("0", "-2", "abc", ""):
        response = client.get(f"/learn/books/{book.id}?page={wrong}")
        assert response.headers["Location"] == f"/learn/books/{book.id}?page=1"


def test_a_title_of_another_library_is_not_found(
    client, world, make_book, make_learner, learner_login
):
    company_book = make_book("会社の本", libraries=[world.gold])
    learner_login(client, make_learner().login_id)
    response = client.get(f"/learn/books/{company_book.id}")
    assert response.status_code == 404
    page = text(response)
    assert "本が見つかりません" in page and 'href="/learn/"' in page


def test_an_expired_title_is_not_readable(client, make_book, make_learner, learner_login):
    gone = make_book("終わった本", listed_until=TODAY - timedelta(days=1))
    learner_login(client, make_learner().login_id)
    assert client.get(f"/learn/books/{gone.id}?page=1").status_code == 404
    assert client.post(f"/learn/books/{gone.id}/bookmarks", {"page": 1}).status_code == 404


def test_unknown_and_malformed_ids_are_not_found(client, world, make_learner, learner_login):
    learner_login(client, make_learner().login_id)
    for path in ("/learn/books/999999", "/learn/books/abc", "/learn/books/1e3"):
        response = client.get(path)
        assert response.status_code == 404 and "本が見つかりません" in text(response)


def test_the_company_reads_its_own_library(client, world, make_book, make_learner, learner_login):
    book = make_book("会社の本", libraries=[world.gold])
    school_book = make_book("学校の本")
    learner = make_learner(contract=world.company_contract)
    learner_login(client, learner.login_id)
    assert client.get(f"/learn/books/{book.id}").status_code == 200
    assert client.get(f"/learn/books/{school_book.id}").status_code == 404


def test_a_title_without_pages_says_so(client, make_book, make_learner, learner_login):
    book = make_book("準備中の本", pages=0)
    learner_login(client, make_learner().login_id)
    response = client.get(f"/learn/books/{book.id}")
    assert response.status_code == 200 and "本文は準備中です" in text(response)


def test_the_reader_is_accessible(client, make_book, make_learner, learner_login):
    book = make_book(pages=2)
    learner_login(client, make_learner().login_id)
    page = text(client.get(f"/learn/books/{book.id}"))
    assert '<nav class="page-nav" aria-label=' in page
    assert '<h1 id="book-title">' in page
    assert '<label for="jump-page">' in page
    assert 'lang="ja"' in page
