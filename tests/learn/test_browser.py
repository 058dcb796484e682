"""What a reader clicks and presses, in Chromium: arrow keys turn pages, the idle warning
comes before the limit and 「読み続ける」 keeps the session, and at the limit the server
ends it and says why. No console errors: the CSP would report inline script or style."""

from __future__ import annotations

import pytest
from services import serving

from .helpers import PASSWORD, TODAY

pytestmark = pytest.mark.browser

@pytest.fixture
def live_url(world):
    """The app served on a free port from a thread, on the real clock's time of day."""
    app = world.app
    app.config.update(PORTAL_NOW=None, PORTAL_TODAY=TODAY.isoformat())
    with serving(app) as url:
        yield url


def log_in(page, base: str, login_id: str) -> None:
    page.goto(f"{base}/learn/login")
    page.fill("#login_id", login_id)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/learn/")


def test_arrow_keys_turn_the_pages(live_url, browser_page, make_learner, make_book):
    book = make_book("矢印の本", pages=3)
    page = browser_page
    log_in(page, live_url, make_learner().login_id)
    page.goto(f"{live_url}/learn/books/{book.id}")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"{live_url}/learn/books/{book.id}?page=2")
    assert "矢印の本 の 2 ページ目です。" in page.inner_text(".reader__page")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"{live_url}/learn/books/{book.id}?page=1")
    page.focus("#jump-page")  # typing a page number is not turning a page
    page.keyboard.press("ArrowRight")
    assert page.url.endswith("?page=1")
    assert page.is_visible("text=キーボードの ← → キーでもページをめくれます。")
    assert page.console_errors == []


def test_the_idle_warning_then_the_server_ends_the_session(
    world, live_url, browser_page, make_learner
):
    world.app.config["LEARNER_IDLE_MINUTES"] = 0.1  # six seconds; the warning 1.5 s before
    page = browser_page
    log_in(page, live_url, make_learner().login_id)
    warning = page.locator("#idle-warning")
    assert warning.is_hidden()
    warning.wait_for(state="visible", timeout=8000)
    assert page.evaluate("document.activeElement.textContent") == "読み続ける"
    page.click("text=読み続ける")
    warning.wait_for(state="hidden", timeout=3000)
    assert page.url == f"{live_url}/learn/"  # still in: the keepalive was activity

    page.wait_for_url(f"{live_url}/learn/login", timeout=15000)
    assert "操作がなかったため、自動的にログアウトしました" in page.inner_text("main")
    assert page.console_errors == []
