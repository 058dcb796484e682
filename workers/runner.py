"""The RQ side: a Job class that runs inside the app context, and the worker entry point."""

from __future__ import annotations

import logging
import time

from flask import Flask
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.job import Job

from portal import jobs
from portal.extensions import db

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 2
_app: Flask | None = None


def bind(app: Flask) -> None:
    """Use ``app`` for the jobs this process runs (``flask worker`` calls it)."""
    global _app
    _app = app


def _current_app() -> Flask:
    global _app
    if _app is None:  # a plain `rq worker` started outside the Flask CLI
        from portal import create_app

        _app = create_app()
    return _app


class AppJob(Job):
    """An RQ job run in a fresh app context, with its database session removed after."""

    def perform(self):
        with _current_app().app_context():
            try:
                return super().perform()
            finally:
                db.session.remove()


def run_worker(app: Flask, queue_names: list[str], burst: bool = False) -> None:
    """Work the queues until stopped; sweep the outbox first. A Redis restart is waited
    out, not fatal: the jobs it forgot are recreated by the sweep when it is back."""
    bind(app)
    connection = jobs.redis_connection()
    if connection is None:
        raise SystemExit("REDIS_URL is not set: jobs run in-process, no worker is needed.")
    while True:
        try:
            _work(connection, queue_names, burst)
            return
        except RedisError as exc:
            if burst:
                raise
            log.warning("Redis unavailable (%s); retrying in %s s", exc, RECONNECT_SECONDS)
            time.sleep(RECONNECT_SECONDS)


def _work(connection, queue_names: list[str], burst: bool) -> None:
    connection.ping()
    queues = [Queue(name, connection=connection, job_class=AppJob) for name in queue_names]
    # Rows left by a worker that died, or committed while Redis was away, go out now.
    jobs.enqueue_now("workers.emails.send_outbox", queue="emails")
    worker = Worker(queues, connection=connection, job_class=AppJob)
    worker.work(burst=burst, with_scheduler=not burst)
