"""A learner in Chromium, on the demo data: searching, reading, a bookmark that is still
there at the next login, and the last login winning across two devices."""

from __future__ import annotations

import re

import pytest

from .conftest import expect, learner_login

pytestmark = pytest.mark.browser

TITLE = "灯台守の手紙"  # a demo title of the school library; no other title, author or
# publisher contains 灯台守


def test_search_read_bookmark_and_find_it_after_logging_in_again(live_portal, new_tab, screens):
    portal = live_portal()
    tab = new_tab()
    learner_login(tab, portal.url, portal.personal)
    expect(tab.locator(".site-nav__user")).to_contain_text(f"ID {portal.personal}")
    expect(tab.get_by_role("heading", name="続きから読む")).to_have_count(0)  # a first visit

    tab.fill("#q", "灯台守")  # htmx searches as the learner types and pushes the URL
    expect(tab.locator("#results .book")).to_have_count(1)
    expect(tab.locator("#results .results__count")).to_have_text("1冊")
    tab.wait_for_url("**/learn/?*q=*")
    screens.shot(tab, "search")

    tab.get_by_role("link", name=TITLE).click()
    expect(tab.locator(".page-nav__where").first).to_have_text(re.compile(r"^1 / \d+ ページ$"))
    screens.shot(tab, "reader-page-1")
    for number in (2, 3):
        tab.get_by_role("link", name="次のページ →").first.click()
        tab.wait_for_url(f"**/learn/books/*?page={number}")
    tab.get_by_role("button", name="このページにしおりをはさむ").click()
    expect(tab.locator(".flashes")).to_contain_text("3ページにしおりをはさみました。")
    expect(tab.get_by_role("region", name="この本のしおり")).to_contain_text("3ページ")
    screens.shot(tab, "bookmark")
    tab.get_by_role("link", name="次のページ →").first.click()
    tab.wait_for_url("**/learn/books/*?page=4")

    tab.get_by_role("button", name="ログアウト").click()
    tab.wait_for_url(f"{portal.url}/learn/login")
    learner_login(tab, portal.url, portal.personal)
    resume = tab.get_by_role("region", name="続きから読む", exact=True)
    expect(resume).to_contain_text(TITLE)
    expect(resume).to_contain_text("4ページ目から")
    expect(tab.get_by_role("region", name="しおり", exact=True)).to_contain_text(f"{TITLE} ・ 3ページ")
    screens.shot(tab, "catalog-after-login")

    resume.get_by_role("link", name=TITLE).click()
    tab.wait_for_url("**/learn/books/*?page=4")
    tab.get_by_role("link", name="本をさがす", exact=True).first.click()
    tab.get_by_role("link", name=f"{TITLE} ・ 3ページ").click()
    tab.wait_for_url("**/learn/books/*?page=3")
    assert tab.console_errors == []


def test_the_last_login_wins_across_two_devices(live_portal, new_tab, screens):
    portal = live_portal()
    device_a, device_b = new_tab(), new_tab()
    learner_login(device_a, portal.url, portal.personal)
    screens.shot(device_a, "device-a")
    learner_login(device_b, portal.url, portal.personal)

    device_a.get_by_role("link", name=TITLE).click()  # A's next navigation
    device_a.wait_for_url(f"{portal.url}/learn/login")
    expect(device_a.locator("main")).to_contain_text(
        "同じIDで別の端末からログインがあったため、この端末はログアウトしました。")
    screens.shot(device_a, "device-a-logged-out")

    device_b.get_by_role("link", name=TITLE).click()  # B, the last login, reads on
    expect(device_b.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    assert device_a.console_errors == [] and device_b.console_errors == []

