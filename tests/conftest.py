"""Fixtures: the app on a real database, a client that sends CSRF tokens, a real SMTP
server on loopback, Redis, and factories that return callables.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL says so (CI). A test
that needs a service it cannot reach is skipped, or fails when REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from flask.globals import _cv_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.config import database_uri
from portal.extensions import db

pytest_plugins = ["renewal_helpers", "services"]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/portal_test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
TEST_SECRET = "test-secret-key-of-the-suite-0123456789"


def need(service: str, reason: str):
    """Skip, or fail under REQUIRE_SERVICES=1, when a service is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{service} is required (REQUIRE_SERVICES=1): {reason}")
    pytest.skip(f"{service} unavailable: {reason}")


def ensure_pg_database(url: str) -> str | None:
    """Create the PostgreSQL database of ``url`` if missing; an error text if unreachable."""
    sa_url = make_url(database_uri(url, "."))
    admin = sa_url.set(database="postgres")
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": sa_url.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{sa_url.database}"'))
        engine.dispose()
    except Exception as exc:  # any failure to reach the server means "unavailable"
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The suite's database: DATABASE_URL if set, else a SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgres"):
            problem = ensure_pg_database(url)
            if problem:
                pytest.exit(f"DATABASE_URL unreachable: {problem}", returncode=3)
        return database_uri(url, ".")
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "portal.sqlite3")


@pytest.fixture(scope="session")
def base_config(database_url) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": None,
        "MAIL_SERVER": None,
        "PORTAL_TODAY": None,
        "PORTAL_BASE_URL": "http://portal.test",
        "DEV_MAILBOX": True,  # the tour and the login tests read it; production has none
        "OUTBOX_RETRY_DELAYS": [1, 1, 1],
        "PASSWORD_HASH_PROFILE": "test",  # argon2's cheapest parameters: same code, fast
    }


@pytest.fixture(scope="session")
def _schema(base_config):
    app = create_app(base_config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # Whatever an earlier run (or an older schema) left: gone, constraints and all.
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(base_config, _schema):
    """Build apps on the test database; every table is emptied after the test."""
    apps = []

    def build(**overrides):
        # Each app counts its rate limits apart, even in a shared Redis.
        prefix = f"test-{uuid.uuid4().hex[:8]}"
        app = create_app({**base_config, "RATELIMIT_KEY_PREFIX": prefix, **overrides})
        apps.append(app)
        return app

    yield build
    if apps:
        with apps[0].app_context():
            _empty_tables()
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _empty_tables() -> None:
    db.session.remove()
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        with db.engine.begin() as conn:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@contextmanager
def outside_test_context(app):
    """Step out of the test's app context for one request or command.

    Flask reuses an app context that is already pushed, so requests made inside the test's
    context would share ``g`` (the CSRF token cache, the jobs deferred to the end of the
    context) with each other. In production every request has its own context; so here.
    """
    outer = _cv_app.get(None)
    if outer is None or outer.app is not app:
        yield
        return
    outer.pop()
    try:
        yield
    finally:
        outer.push()


class PortalClient:
    """A test client that knows the CSRF token, as a browser with the page open would."""

    TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()
        self._token: str | None = None

    def get(self, *args, **kwargs):
        with outside_test_context(self.app):
            response = self.http.get(*args, **kwargs)
        self._remember_token(response)
        return response

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        with outside_test_context(self.app):
            response = self.http.post(url, data=data, **kwargs)
        self._remember_token(response)
        return response

    def csrf_token(self) -> str:
        if self._token is None:
            self.get("/login")
        return self._token

    def login(self, login_id: str, password: str = "demo-pass", next: str | None = None):
        self._token = None
        url = "/login" + (f"?next={next}" if next else "")
        response = self.post(url, {"login_id": login_id, "password": password})
        self._token = None  # the session was renewed at login
        return response

    def _remember_token(self, response) -> None:
        if response.mimetype == "text/html":
            match = self.TOKEN.search(response.get_data(as_text=True))
            if match:
                self._token = match.group(1) or match.group(2)


@pytest.fixture
def client(app):
    return PortalClient(app)


@pytest.fixture
def make_client(app):
    """More browsers on the same app (two devices, two tabs)."""
    return lambda: PortalClient(app)


class PortalRunner:
    """The CLI runner, each command in its own app context as `flask …` would have."""

    def __init__(self, app):
        self.app = app
        from workers import runner

        runner.register(app)  # as wsgi.py does: `flask worker` is the workers' command
        self.runner = app.test_cli_runner()

    def invoke(self, *args, **kwargs):
        with outside_test_context(self.app):
            return self.runner.invoke(*args, **kwargs)


@pytest.fixture
def runner(app):
    return PortalRunner(app)


@pytest.fixture
def make(app):
    """Factories for test rows (tests/factories.py)."""
    from factories import Factory

    return Factory()


@pytest.fixture
def demo(app):
    """The demo data, loaded on the test database."""
    from portal import demo as demo_data

    return demo_data.load()


# --- a real SMTP server on loopback -------------------------------------------------


class Inbox:
    """What the SMTP server accepted, parsed by the standard library."""

    def __init__(self):
        self.raw: list[tuple[list[str], bytes]] = []
        self.refuse = False
        self.max_bytes = None  # a server's size limit (RFC 1870), answered 552 at DATA

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "451 4.3.0 try again later"
        if address.startswith("bounce@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.max_bytes is not None and len(envelope.content) > self.max_bytes:
            return "552 5.3.4 Message size exceeds fixed maximum message size"
        self.raw.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [message_from_bytes(content, policy=default_policy) for _, content in self.raw]

    def to(self, address: str):
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    running = {"controller": controller}

    def stop():
        running.pop("controller").stop()

    def restart():
        running["controller"] = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
        running["controller"].start()

    inbox.stop, inbox.restart = stop, restart
    yield inbox
    if running:
        running["controller"].stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Redis ---------------------------------------------------------------------------


@pytest.fixture
def redis_url():
    from redis import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)
    try:
        connection = Redis.from_url(url)
        connection.ping()
    except RedisError as exc:
        need("Redis", str(exc))
    connection.flushdb()
    yield url
    connection.flushdb()


@pytest.fixture
def pg_url():
    """A PostgreSQL URL even when the suite runs on SQLite (for PostgreSQL-only checks)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG)
    problem = ensure_pg_database(url)
    if problem:
        need("PostgreSQL", problem)
    return url


ROOT = Path(__file__).resolve().parent.parent
