"""The learner's catalog: the titles of the contract's library still listed today, with
their leaving dates, filters, search as you type and pages."""

from datetime import timedelta

from .helpers import NOW, TODAY, move_clock, text, titles


def test_lists_the_librarys_listed_titles(client, world, make_book, make_learner, learner_login):
    make_book("残る本")
    make_book("昨日で終わった本", listed_until=TODAY - timedelta(days=1))
    make_book("今日までの本", listed_until=TODAY)
    make_book("会社の本", libraries=[world.gold])
    learner_login(client, make_learner().login_id)
    listed = titles(client.get("/learn/"))
    assert sorted(listed) == ["今日までの本", "残る本"]


def test_shows_the_leaving_date_and_marks_titles_leaving_soon(
    client, make_book, make_learner, learner_login
):
    make_book("まもなく終わる本", listed_until=TODAY + timedelta(days=30))
    make_book("まだ続く本", listed_until=TODAY + timedelta(days=31))
    make_book("来年の本", listed_until=TODAY.replace(year=2027, month=2, day=14))
    learner_login(client, make_learner().login_id)
    page = text(client.get("/learn/"))
    assert "7月1日まで" in page and "7月2日まで" in page
    assert "2027年2月14日まで" in page
    assert page.count("まもなく掲載終了") == 1
    soon = page.index("まもなく終わる本")
    assert page.index("まもなく掲載終了") > soon


def test_a_title_goes_at_midnight_after_its_date(
    app, client, make_book, make_learner, learner_login
):
    book = make_book("今日までの本", listed_until=TODAY)
    move_clock(app, NOW.replace(hour=23, minute=50))
    learner_login(client, make_learner().login_id)
    assert titles(client.get("/learn/")) == ["今日までの本"]
    move_clock(app, NOW.replace(hour=23, minute=59))
    assert client.get(f"/learn/books/{book.id}").status_code == 200
    move_clock(app, NOW.replace(hour=23, minute=59) + timedelta(minutes=2))
    assert titles(client.get("/learn/")) == []
    gone = client.get(f"/learn/books/{book.id}")
    assert gone.status_code == 404 and "本が見つかりません" in text(gone)


def test_filters_by_publisher_and_category(client, world, make_book, make_learner, learner_login):
    make_book("小説A")
    make_book("科学B", category=world.science)
    make_book("別の出版社C", publisher=world.other_publisher)
    learner_login(client, make_learner().login_id)
    science = titles(client.get(f"/learn/?category={world.science.id}"))
    assert science == ["科学B"]
    other = titles(client.get(f"/learn/?publisher={world.other_publisher.id}"))
    assert other == ["別の出版社C"]
    assert len(titles(client.get("/learn/?publisher=abc&category="))) == 3


def test_search_matches_title_author_and_publisher(
    client, world, make_book, make_learner, learner_login
):
    make_book("星の話", author="山田 一")
    make_book("海の話", author="星野 二")
    make_book("森の話", publisher=world.other_publisher)
    make_book("100%の本")
    learner_login(client, make_learner().login_id)
    assert sorted(titles(client.get("/learn/?q=星"))) == ["星の話", "海の話"]
    assert titles(client.get("/learn/?q=見本")) == ["森の話"]
    assert titles(client.get("/learn/?q=星 野")) == ["海の話"]
    assert titles(client.get("/learn/?q=１００％")) == ["100%の本"]  # full width folds
    assert titles(client.get("/learn/?q=%25")) == ["100%の本"]  # % is a character, not a wildcard
    assert "条件に合う本はありません" in text(client.get("/learn/?q=ないない"))


def test_search_as_you_type_gets_only_the_results(client, make_book, make_learner, learner_login):
    make_book("星の話")
    learner_login(client, make_learner().login_id)
    fragment = client.get("/learn/?q=星", headers={"HX-Request": "true"})
    body = text(fragment)
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body and "星の話" in body
    # A history restore after the back button needs the whole page.
    restored = client.get(
        "/learn/?q=星", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in text(restored)


def test_the_form_works_without_javascript(client, make_book, make_learner, learner_login):
    make_book("星の話")
    learner_login(client, make_learner().login_id)
    page = text(client.get("/learn/"))
    assert '<form class="filters" method="get" action="/learn/"' in page
    assert 'type="submit"' in page and 'name="q"' in page


def test_pages_of_the_list(client, make_book, make_learner, learner_login):
    for number in range(25):
        make_book(f"本{number:02d}")
    learner_login(client, make_learner().login_id)
    first = client.get("/learn/")
    assert len(titles(first)) == 20 and "1 / 2 ページ" in text(first)
    assert 'rel="next" href="/learn/?page=2"' in text(first)
    second = client.get("/learn/?page=2&q=本")
    assert len(titles(second)) == 5
    assert 'href="/learn/?page=1&amp;q=' in text(second)
    beyond = client.get("/learn/?page=99")
    assert beyond.status_code == 200 and len(titles(beyond)) == 5
    assert len(titles(client.get("/learn/?page=abc"))) == 20
