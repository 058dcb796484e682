"""What an applicant types, in Chromium: the calculator follows the counts (htmx), the
term follows the choice, the order goes in; no console errors (the CSP would report
inline script or style)."""

from __future__ import annotations

import pytest
from services import serving
from sqlalchemy import select

from portal.extensions import db
from portal.models import SchoolOrder

pytestmark = pytest.mark.browser

@pytest.fixture
def live_url(app, world):
    with serving(app) as url:
        yield url


@pytest.fixture
def page(browser_page):
    return browser_page


def test_the_calculator_follows_the_counts_and_the_order_goes_in(live_url, page):
    page.goto(f"{live_url}/apply")
    page.fill("#f-school_name", "ブラウザ市立テスト中学校")
    page.select_option("#f-prefecture", "11")
    page.fill("#f-contact_name", "図書 花子")
    page.fill("#f-contact_email", "tosho@browser.example.jp")
    page.fill("#f-personal", "40")
    page.fill("#f-shared", "17")
    page.wait_for_selector("#quote >> text=基本41 + B契約×2")  # 57 → 61, swapped by htmx
    assert "56" in page.inner_text("#quote")
    page.check("input[value=fiscal]")
    page.wait_for_selector("#quote >> text=2027年3月")
    page.fill("#f-shared", "1.5")
    page.wait_for_selector("#quote >> text=共用アカウント数は0以上の整数")
    page.fill("#f-shared", "6")
    page.wait_for_selector("#quote >> text=基本41 + A契約×1")
    page.click("text=この内容で申し込む")
    page.wait_for_url(f"{live_url}/apply/done")
    assert "S-00001" in page.inner_text("main")
    order = db.session.scalar(select(SchoolOrder))
    assert (order.personal_count, order.shared_count, order.licences) == (40, 6, 46)
    assert page.console_errors == []
