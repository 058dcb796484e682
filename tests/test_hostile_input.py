"""Every URL rule of the app, as each role that can reach it, with hostile values in each
path argument, each query parameter and each form field: no answer is a 5xx, and no page
shows a Python message.

The routes come from ``app.url_map`` and the parameter names from the pages themselves
(every ``name=`` of their forms) and from the code (every ``request.args``/``form`` read),
so a new page or field is walked as soon as it exists.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from conftest import PortalClient
from flask import got_request_exception
from sqlalchemy import select

from portal.demo import PASSWORD
from portal.extensions import db
from portal.models import Book, Category, OutboundEmail, Publisher, Renewal, SchoolOrder
from portal.web import render

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = [
    "²", "፩", "٣", "１２", "-1", "0", "99999999999999999999", "9" * 5000, "1e9", " ",
    "9999-12", "0000-00", "2026-13", "/\r\nX: y", "//evil.example", "/\\evil.example",
    "' OR 1=1 --", "<script>alert(1)</script>", "\x00", "%00", "a" * 70_000, "%ff%fe",
]
# Path arguments get the short ones (a 70 kB path is refused before the app sees it).
HOSTILE_PATH = [v for v in HOSTILE if len(v) < 100 and "\x00" not in v and "\r" not in v]

PYTHON_SAYS = re.compile(
    r"Traceback|invalid literal|Error:|Exception|object has no attribute|NoneType|"
    r"unsupported operand|out of range|not subscriptable")

# Who reaches which area (the others are sent to the login page, which the walk also sees).
AREAS = {
    ("ops.", "ops_catalog.", "ops_usage.", "school_ops.", "dev."): ("ops",),
    ("renewal.", "school.", "usage."): ("coord-a", "coord-b"),
    ("orders.",): ("ops", "dist-kanto", "anonymous"),
    ("learn.",): ("learner", "anonymous"),
}
SKIPPED = {"static", "auth.logout", "learn.logout"}  # files; the walk's own sessions


def roles_for(endpoint: str) -> tuple[str, ...]:
    for prefixes, roles in AREAS.items():
        if endpoint.startswith(prefixes):
            return roles
    return ("anonymous", "coord-a")


def names_in_code() -> set[str]:
    """Every parameter name the code reads from a request."""
    pattern = re.compile(r"request\.(?:args|form)\.(?:get|getlist)\(\s*[f]?\"([a-z_]+)")
    names = set()
    for path in (ROOT / "portal").rglob("*.py"):
        names.update(pattern.findall(path.read_text()))
    return names


FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


@pytest.fixture
def walk(app, demo):
    """Sessions per role and the demo's identifiers for path arguments."""
    app.config["MAX_CONTENT_LENGTH"] = 500_000
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is an answer here, to be listed
    clients: dict[str, PortalClient] = {}

    def client(role: str) -> PortalClient:
        if role not in clients:
            clients[role] = PortalClient(app)
            if role == "learner":
                clients[role].post("/learn/login", {"login_id": demo.personal,
                                                    "password": PASSWORD})
                clients[role]._token = None
            elif role != "anonymous":
                clients[role].login(role)
        return clients[role]

    first = lambda model: db.session.scalar(select(model.id).order_by(model.id))  # noqa: E731
    ids = {
        "contract_id": {"coord-b": demo.b_contract.id, None: demo.a_contract.id},
        "order_id": first(SchoolOrder), "renewal_id": first(Renewal) or 1,
        "email_id": first(OutboundEmail) or 1, "book_id": first(Book),
        "publisher_id": first(Publisher), "category_id": first(Category),
        "upload_id": 1, "bookmark_id": 1, "month_key": "2026-10", "token": "x" * 43,
    }
    db.session.commit()

    def value(name: str, role: str):
        known = ids[name]
        return known.get(role, known[None]) if isinstance(known, dict) else known

    return client, value


def path_of(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", lambda _, v=str(values[name]): v, path)
    return path


def test_no_input_answers_500(app, walk):
    client, value = walk
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED]
    unknown = {a for r in rules for a in r.arguments} - {
        "contract_id", "order_id", "renewal_id", "email_id", "book_id", "publisher_id",
        "category_id", "upload_id", "bookmark_id", "month_key", "token"}
    assert not unknown, f"teach the walk about {unknown}"

    # First pass: every GET page as each role, to learn the names of its fields.
    names = names_in_code()
    for rule in rules:
        for role in roles_for(rule.endpoint):
            path = path_of(rule, {a: value(a, role) for a in rule.arguments})
            if "GET" in rule.methods:
                page = client(role).get(path)
                if page.mimetype == "text/html":
                    names.update(FIELD.findall(page.get_data(as_text=True)))
    names -= {"csrf_token"}
    assert {"status", "next", "page", "month", "prefecture", "publisher"} <= names
    # render()'s own keywords must never be a parameter's name (``status=`` once was).
    assert not set(inspect.signature(render).parameters) & names

    problems = []
    raised: list[str] = []
    got_request_exception.connect(lambda _, exception, **kw: raised.append(repr(exception)[:200]),
                                  app, weak=False)

    def check(role: str, method: str, path: str, response) -> None:
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        if response.status_code >= 500 or PYTHON_SAYS.search(body):
            found = PYTHON_SAYS.search(body)
            problems.append(f"{role} {method} {path[:120]!r}: {response.status_code}"
                            f"{' ' + found[0] if found else ''} {raised[-1:]}")

    for rule in rules:
        for role in roles_for(rule.endpoint):
            good = {a: value(a, role) for a in rule.arguments}
            # Hostile path arguments, one at a time.
            for argument in rule.arguments:
                for hostile in HOSTILE_PATH:
                    path = path_of(rule, {**good, argument: hostile})
                    for method in {"GET", "POST"} & rule.methods:
                        call = client(role).get if method == "GET" else client(role).post
                        check(role, method, path, call(path))
            # Hostile query parameters and form fields, all names at once.
            path = path_of(rule, good)
            for hostile in HOSTILE:
                values = dict.fromkeys(names, hostile)
                if "GET" in rule.methods:
                    check(role, "GET", path, client(role).get(path, query_string=values))
                if "POST" in rule.methods:
                    check(role, "POST", path, client(role).post(path, values))
    assert not problems, "\n".join(problems[:40])


def test_no_browser_keeps_a_password(app, walk):
    """Every page a logged-in person sees is ``private``; every page that prints an issued
    password (the demo's are all ``demo-pass``) and every download is ``no-store``."""
    client, value = walk
    seen_passwords, problems = 0, []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED or "GET" not in rule.methods:
            continue
        for role in roles_for(rule.endpoint):
            path = path_of(rule, {a: value(a, role) for a in rule.arguments})
            response = client(role).get(path)
            cache = response.headers.get("Cache-Control", "")
            shows_password = PASSWORD.encode() in response.get_data()
            seen_passwords += shows_password
            download = "attachment" in response.headers.get("Content-Disposition", "")
            if (shows_password or download) and "no-store" not in cache:
                problems.append(f"{role} {path}: {cache!r} on a page with a password")
            elif role != "anonymous" and response.status_code == 200 and not (
                    "private" in cache or "no-store" in cache):
                problems.append(f"{role} {path}: {cache!r} on a logged-in page")
    assert seen_passwords >= 1  # the school's cards; the others in their own tests
    assert not problems, "\n".join(problems)
