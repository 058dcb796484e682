"""Every page of the tour, in headless Chromium as each role sees it, has no accessibility
violation of impact serious or critical by axe-core.

The app runs on a real HTTP server in a thread, so the pages come with their CSP and run
their scripts. axe-core comes from npm (``npm ci`` in tests/a11y); it is evaluated in the
page through the DevTools protocol, which the CSP does not govern, so no inline script is
needed. A POST page is shown by turning the browser's navigation into that POST, so the
browser renders the answer (and follows its redirect) as after a form submission.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import need
from services import CHROMIUM, CHROMIUM_ARGS, need_chromium, serving

from portal.demo import PASSWORD

from .tour import LEARNERS, STAFF, Visit

pytestmark = pytest.mark.browser

AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
TOKEN = "() => JSON.parse(document.body.getAttribute('data-hx-headers'))['X-CSRFToken']"


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        need("axe-core", "run `npm ci` in tests/a11y")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def live_url(tour):
    with serving(tour.app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module's tour (a context per role), stopped with the module."""
    playwright_api = need_chromium()
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Tabs:
    """One browser context per role, logged in through its login form on first use."""

    def __init__(self, browser, base: str, tour):
        self.browser, self.base, self.tour = browser, base, tour
        self.pages = {}

    def page(self, role: str):
        if role not in self.pages:
            page = self.pages[role] = self.browser.new_context(locale="ja-JP").new_page()
            if role in STAFF:
                self._log_in(page, "/login", role)
            elif role in LEARNERS:
                self._log_in(page, "/learn/login", getattr(self.tour.ids, role))
        return self.pages[role]

    def _log_in(self, page, path: str, login_id: str) -> None:
        page.goto(self.base + path)
        page.fill("#login_id", login_id)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert not page.url.endswith(path), f"{login_id} could not log in"

    def show(self, visit: Visit):
        """Navigate to the visit's page; answer the page and the response's status."""
        page = self.page(visit.role)
        url = self.base + visit.path
        if visit.form is None:
            return page, page.goto(url).status
        page.goto(self.base + (visit.start or visit.path))
        body, content_type = encode({**visit.form, "csrf_token": page.evaluate(TOKEN)},
                                    visit.files)

        def as_post(route):
            headers = {**route.request.headers, "content-type": content_type}
            route.continue_(method="POST", post_data=body, headers=headers)

        page.route(lambda u: u == url, as_post, times=1)
        return page, page.goto(url).status


def encode(form: dict, files: dict) -> tuple[bytes, str]:
    """The body a browser sends for the form: urlencoded, or multipart with files."""
    if not files:
        return urlencode(form).encode(), "application/x-www-form-urlencoded"
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in form.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def describe(name: str, violation: dict) -> str:
    nodes = "\n".join(f"      {', '.join(node['target'])}: "
                      f"{node.get('failureSummary', '').replace(chr(10), ' ')[:300]}"
                      for node in violation["nodes"][:5])
    return (f"{name}: [{violation['impact']}] {violation['id']}: {violation['help']}"
            f" ({violation['helpUrl']})\n{nodes}")


def test_no_serious_or_critical_violation_on_any_page(tour, live_url, browser, axe_source):
    tabs = Tabs(browser, live_url, tour)
    found, statuses = [], []
    for visit in tour.visits():
        page, status = tabs.show(visit)
        if status != visit.status:
            statuses.append(f"{visit.role} {visit.path} ({visit.name}): {status}")
        page.evaluate(axe_source)
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        found += [(f"{visit.role}/{visit.name}", v) for v in result["violations"]]
    assert not statuses, "\n".join(statuses)
    failing = [describe(name, v) for name, v in found if v["impact"] in FAILING]
    others = sorted({f"[{v['impact']}] {v['id']}" for _, v in found if v["impact"] not in FAILING})
    assert not failing, (f"{len(failing)} serious or critical violations:\n" + "\n".join(failing)
                         + "\nAlso (not failing): " + ", ".join(others))
