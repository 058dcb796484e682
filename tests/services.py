"""Real services for the drills and the browser tests (a pytest plugin, see conftest):
a private redis-server that a test may kill, real `flask worker` processes in their own
process groups, and a wait that names what it waited for."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest
from conftest import ROOT, TEST_SECRET, free_port, need
from werkzeug.serving import make_server


class RedisServer:
    """A redis-server of the test's own, on a free port, keeping nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL)
        wait_for(self.pings, "redis-server to start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def pings(self) -> bool:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            return Redis.from_url(self.url).ping()
        except RedisError:
            return False


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        need("redis-server", "the binary is not installed")
    server = RedisServer()
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.kill()


@pytest.fixture
def workers(database_url, tmp_path, request):
    """Start `flask worker` processes on the test database; each in its own process
    group, so a test can kill a worker together with the work horse it forked. Settings
    become environment variables (None removes one). Their logs are shown on failure."""
    started = []

    def start(redis_url: str, smtp_port: int, **settings) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
               "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
               "SECRET_KEY": TEST_SECRET}
        for name, value in settings.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = str(value)
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
            start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
        for path in sorted(tmp_path.glob("worker-*.log")):
            print(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL a worker and its work horse at once, as a crashed machine would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test, for fixtures that report on failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --- a browser and a live server ------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def need_chromium():
    """Playwright's sync API, or a skip (a failure under REQUIRE_SERVICES=1)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        need("Chromium", f"{CHROMIUM} not found")
    return playwright_api


@contextmanager
def serving(app):
    """Serve ``app`` over real HTTP from a thread on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser_page():
    """A Chromium page that collects the console's errors in ``console_errors``."""
    playwright_api = need_chromium()
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        yield page
        browser.close()


# --- gunicorn, as docs/DEPLOY.md runs it -----------------------------------------------


@pytest.fixture
def gunicorn(database_url, tmp_path):
    """Start ``gunicorn wsgi:app`` from the checkout (so gunicorn.conf.py applies) with
    settings as environment variables; returns its base URL. Stopped after the test."""
    started = []

    def start(workers: int = 1, **settings) -> str:
        port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET,
               **{k: str(v) for k, v in settings.items()}}
        log = tmp_path / f"access-{port}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--access-logfile", str(log), "wsgi:app"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                return base
            except urllib.error.HTTPError:
                return base
            except OSError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start")

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def access_log(tmp_path, base: str) -> str:
    port = base.rsplit(":", 1)[1]
    return (tmp_path / f"access-{port}.log").read_text()


class HttpBrowser:
    """A browser of its own against a served app (``gunicorn``): its cookies, and the
    fields of the last page it read, so that a POST carries that page's CSRF token.
    Redirects are followed, as a browser would."""

    FIELD = r'name="{}"[^>]*value="([^"]*)"'

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.page = ""

    def get(self, path: str) -> tuple[int, str]:
        return self._open(path)

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        """``fields`` posted with the CSRF token of the last page read."""
        data = {"csrf_token": self.field("csrf_token"), **fields}
        return self._open(path, urllib.parse.urlencode(data).encode())

    def field(self, name: str) -> str:
        """The value of the field ``name`` on the last page read."""
        return re.search(self.FIELD.format(re.escape(name)), self.page)[1]

    def _open(self, path: str, data: bytes | None = None) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, data, timeout=60) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode()
        self.page = body
        return status, body
