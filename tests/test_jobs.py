"""Jobs: in-process after the commit without Redis; on RQ with a real worker with it."""

import os
import subprocess
import sys

import pytest
from conftest import ROOT, TEST_SECRET
from jinja2 import ChoiceLoader, FileSystemLoader
from redis import Redis
from rq import Queue

from portal import jobs
from portal.extensions import db
from portal.outbox import queue_email

TEMPLATE = "test_notice_to_coordinator"


def with_test_templates(app):
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(ROOT / "tests/templates")])
    return app


def run_worker(database_url, redis_url, smtp_port, *extra):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "SECRET_KEY": TEST_SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.redis
def test_email_goes_through_rq_and_a_real_worker(make_app, redis_url, smtp_server, database_url):
    app = with_test_templates(make_app(REDIS_URL=redis_url))
    emails = Queue("emails", connection=Redis.from_url(redis_url))
    with app.app_context():
        queue_email(TEMPLATE, "rq@example.jp", "via-rq", name="RQ")
        assert emails.count == 0  # nothing before the commit
        db.session.commit()
        assert emails.count == 1
    result = run_worker(database_url, redis_url, smtp_server.port)
    assert result.returncode == 0, result.stderr
    assert [m["To"] for m in smtp_server.messages] == ["rq@example.jp"]
    # A second worker run finds nothing left to send.
    run_worker(database_url, redis_url, smtp_server.port)
    assert len(smtp_server.messages) == 1


@pytest.mark.redis
def test_rolled_back_transaction_enqueues_nothing(make_app, redis_url):
    app = with_test_templates(make_app(REDIS_URL=redis_url))
    emails = Queue("emails", connection=Redis.from_url(redis_url))
    with app.app_context():
        queue_email(TEMPLATE, "rq@example.jp", "never", name="RQ")
        db.session.rollback()
        db.session.commit()
    assert emails.count == 0


@pytest.mark.redis
def test_worker_start_sweeps_rows_committed_while_redis_was_away(
    make_app, redis_url, smtp_server, database_url
):
    app = with_test_templates(make_app(REDIS_URL="redis://127.0.0.1:1/0"))  # unreachable
    with app.app_context():
        queue_email(TEMPLATE, "late@example.jp", "while-away", name="Late")
        db.session.commit()  # the enqueue fails quietly; the row is safe
    result = run_worker(database_url, redis_url, smtp_server.port)
    assert result.returncode == 0, result.stderr
    assert [m["To"] for m in smtp_server.messages] == ["late@example.jp"]


RAN: list = []


def record(value):
    RAN.append(value)


def test_embedded_job_runs_after_the_context_ends(app):
    RAN.clear()
    jobs.enqueue(f"{__name__}.record", "x")
    db.session.commit()
    assert RAN == []  # still inside the context that committed
    jobs.run_deferred()
    assert RAN == ["x"]


def test_worker_refuses_to_start_without_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
