"""The worker: ``flask worker`` works the RQ queues with the app's jobs (portal/jobs.py's
AppJob runs each in an app context). Registered on the app by wsgi.py, so that the
portal never imports this package: the domain registers, workers only run."""

from __future__ import annotations

import logging
import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq import Queue, Worker

from portal import jobs
from portal.jobs import AppJob

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 2
def run_worker(app: Flask, queue_names: list[str], burst: bool = False) -> None:
    """Work the queues until stopped; sweep the outbox first. A Redis restart is waited
    out, not fatal: the jobs it forgot are recreated by the sweep when it is back."""
    jobs.bind(app)
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
    # Batches and rows left by a worker that died, or committed while Redis was away.
    jobs.enqueue_now("workers.sweep.sweep", queue="emails")
    worker = Worker(queues, connection=connection, job_class=AppJob)
    worker.work(burst=burst, with_scheduler=not burst)


@click.command()
@with_appcontext
@click.option("--queues", default="emails,default,periodic", show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues: str, burst: bool) -> None:
    """Run an RQ worker with the app context (needs REDIS_URL)."""
    run_worker(current_app._get_current_object(), queues.split(","), burst=burst)


def register(app: Flask) -> None:
    """Add ``flask worker`` to ``app``'s commands."""
    app.cli.add_command(worker)
