"""Fixtures of the end-to-end tests: the portal on a real HTTP server over the demo data,
Chromium driven by Playwright with a screenshot of each step, and, for the renewal
journey, a private Redis, a real `flask worker` process and an SMTP server.

Screenshots go to test-artifacts/e2e/<test>/ (git-ignored); a failed test also leaves a
screenshot of every open tab there, and the worker's log on the terminal.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from dataclasses import dataclass

import pytest
from conftest import ROOT, Inbox, free_port
from services import CHROMIUM, CHROMIUM_ARGS, need_chromium
from werkzeug.serving import make_server

from portal import demo

ARTIFACTS = ROOT / "test-artifacts" / "e2e"
VIEWPORT = {"width": 1100, "height": 820}
PASSWORD = demo.PASSWORD


# --- the browser ------------------------------------------------------------------------


@pytest.fixture
def chromium():
    """Chromium for one test, which opens its own contexts (browsers) in it.

    Per test, not per session: a Playwright kept running would hold its event loop, and
    the other browser tests of the suite start their own Playwright.
    """
    playwright_api = need_chromium()
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Screens:
    """Numbered screenshots of one test, in test-artifacts/e2e/<test name>/."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def shot(self, page, name: str, full_page: bool = False):
        """Save what the tab shows now; answers the file's path."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=path, full_page=full_page, animations="disabled")
        return path


@pytest.fixture
def screens(request) -> Screens:
    return Screens(request.node.name.removeprefix("test_"))


@pytest.fixture
def new_tab(chromium, screens, request):
    """Open a tab in a browser of its own (its own cookies): two contexts are two devices.
    Console errors are collected on ``tab.console_errors`` (the CSP reports there)."""
    contexts = []

    def open_tab():
        context = chromium.new_context(viewport=VIEWPORT, locale="ja-JP",
                                       timezone_id="Asia/Tokyo", accept_downloads=True)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        tab.console_errors = []
        tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
        return tab

    yield open_tab
    failed = getattr(request.node, "rep_call", None) and request.node.rep_call.failed
    for number, context in enumerate(contexts, 1):
        if failed:
            for tab in context.pages:
                tab.screenshot(path=screens.folder / f"failure-tab{number}.png", full_page=True)
        context.close()


def expect(target):
    """Playwright's auto-waiting assertions (imported late: the package may be missing)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def staff_login(tab, base: str, login_id: str) -> None:
    """Log in at /login as a person types it, and wait for the page after it."""
    tab.goto(f"{base}/login")
    tab.fill("#login_id", login_id)
    tab.fill("#password", PASSWORD)
    tab.get_by_role("button", name="ログイン").click()
    tab.wait_for_url(lambda url: not url.endswith("/login"))


def learner_login(tab, base: str, login_id: str, password: str = PASSWORD) -> None:
    """Log in at /learn/login and wait for the catalog."""
    tab.goto(f"{base}/learn/login")
    tab.fill("#login_id", login_id)
    tab.fill("#password", password)
    tab.get_by_role("button", name="ログイン").click()
    tab.wait_for_url(f"{base}/learn/")


# --- the portal on a real HTTP server ---------------------------------------------------


@dataclass
class LivePortal:
    url: str
    app: object
    personal: str  # the demo's learner logins
    shared: str
    a_contract_id: int  # company A's contract (coord-a)


@pytest.fixture
def live_portal(make_app):
    """Serve the portal (on the test database, with the demo laid out around today) from
    a thread on a free port; ``config`` overrides the app's settings."""
    servers = []
    quiet = logging.getLogger("werkzeug")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # one line per request would bury a failure's report

    def serve(**config) -> LivePortal:
        app = make_app(PORTAL_TODAY=None, **config)
        with app.app_context():
            logins = demo.load()
            ids = logins.personal, logins.shared, logins.a_contract.id
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["PORTAL_BASE_URL"] = url  # links in emails lead to this server
        return LivePortal(url, app, *ids)

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
    quiet.setLevel(level)


# --- Redis, the worker and SMTP for the renewal journey ---------------------------------


class SlowInbox(Inbox):
    """An SMTP server that takes a moment per message, as real ones do, so that a bulk
    send is seen running for a few seconds before it is done."""

    delay = 0.4

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp():
    from aiosmtpd.controller import Controller

    inbox = SlowInbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()
