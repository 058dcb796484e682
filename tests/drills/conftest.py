"""Fixtures of the fault drills: a private Redis server that a drill may kill, real
`flask worker` processes in their own process groups, and a contract whose learners are
waiting for their opening emails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from conftest import ROOT, TEST_SECRET, free_port, need
from sqlalchemy import func, select

from portal import accounts, clock
from portal.extensions import db
from portal.models import OutboundEmail, Renewal


class RedisServer:
    """A redis-server of the drill's own, on a free port, that can be killed and restarted."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL)
        wait_for(lambda: _pings(self.url), "redis-server to start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def _pings(url: str) -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return Redis.from_url(url).ping()
    except RedisError:
        return False


def wait_for(condition, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def private_redis():
    if subprocess.run(["which", "redis-server"], capture_output=True).returncode:
        need("redis-server", "the binary is not installed")
    server = RedisServer()
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.kill()


@pytest.fixture
def workers(database_url, tmp_path, request):
    """Start `flask worker` processes; each in its own process group, so a drill can kill
    a worker together with the work horse it forked. Their logs are shown on failure."""
    started = []

    def start(redis_url: str, smtp_port: int, **settings) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
               "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
               "SECRET_KEY": TEST_SECRET, **{k: str(v) for k, v in settings.items()}}
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
        print("--- outbox", _outbox_state())


def _outbox_state() -> dict:
    db.session.expire_all()
    state = dict(db.session.execute(
        select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status)).all())
    from portal.models import EmailBatch

    state["batches"] = [(b.id, b.expanded_at, b.total) for b in db.session.scalars(
        select(EmailBatch))]
    db.session.rollback()
    return state


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse at once, as a crashed machine would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture
def waiting_learners(app, approved):
    """The approved renewal of renewal_helpers with continuation finished and ``n`` more
    learners with an address in the new contract."""

    def make(n: int) -> dict:
        renewal = db.session.get(Renewal, approved["renewal_id"])
        renewal.successor.seats = n + 20
        people = [accounts.NewLearner(email=f"drill{i}@example.jp") for i in range(n)]
        accounts.issue(renewal.organisation_id, renewal.successor_id, people, "new")
        renewal.continuation_finished_at = clock.now()
        db.session.commit()
        return {**approved, "addresses": {p.email for p in people}}

    return make


def sent_rows() -> int:
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        OutboundEmail.kind == "opening_to_learner", OutboundEmail.status == "sent"))
    db.session.rollback()
    return count


def deliveries(inbox) -> dict[str, set[str]]:
    """Recipient → the distinct Message-IDs the SMTP server accepted for them."""
    seen: dict[str, set[str]] = defaultdict(set)
    for message in inbox.messages:
        if "受講開始" in message["Subject"]:
            seen[message["To"]].add(message["Message-ID"])
    return seen
