"""One way to start background work: ``enqueue``, honoured after the transaction commits.

With REDIS_URL the job goes to an RQ queue and ``flask worker`` runs it. Without it (the
embedded default) the same function runs in this process once the app context ends, i.e.
right after the request or command that committed it. Either way a job never runs before
the rows it needs are committed, and never runs at all if the transaction rolls back.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, current_app, g, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "portal_pending_jobs"


@dataclass(frozen=True)
class JobSpec:
    func: str  # dotted path, so that RQ and in-process runs resolve the same function
    args: tuple = ()
    queue: str = "default"
    options: tuple = field(default=())  # extra RQ options as sorted (key, value) pairs


def enqueue(func: str, *args, queue: str = "default", **options) -> None:
    """Run ``func(*args)`` in the background once the current transaction commits."""
    from portal.extensions import db

    spec = JobSpec(func, tuple(args), queue, tuple(sorted(options.items())))
    pending = db.session.info.setdefault(_PENDING, [])
    if spec not in pending:  # one drain of the outbox per commit is enough
        pending.append(spec)


def enqueue_now(func: str, *args, queue: str = "default", **options) -> None:
    """Dispatch at once, outside any transaction (CLI and workers)."""
    _dispatch(JobSpec(func, tuple(args), queue, tuple(sorted(options.items()))))


def redis_connection() -> Redis | None:
    """The Redis connection when jobs go to RQ, else None."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    conn = current_app.extensions.get("portal_redis")
    if conn is None:
        conn = current_app.extensions["portal_redis"] = Redis.from_url(url)
    return conn


def queue(name: str = "default") -> Queue:
    """An RQ queue on the app's Redis."""
    return Queue(name, connection=redis_connection(), job_class=AppJob)


_app: Flask | None = None


def bind(app: Flask) -> None:
    """Use ``app`` for the jobs this process runs (``flask worker`` calls it)."""
    global _app
    _app = app


def _job_app() -> Flask:
    global _app
    if _app is None:  # a plain `rq worker` started outside the Flask CLI
        from portal import create_app

        _app = create_app()
    return _app


class AppJob(Job):
    """An RQ job run in a fresh app context, with its database session removed after."""

    def perform(self):
        from portal.extensions import db

        with _job_app().app_context():
            try:
                return super().perform()
            finally:
                db.session.remove()


def resolve(path: str):
    """The function a dotted path names."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _dispatch(spec: JobSpec) -> None:
    if redis_connection() is not None:
        _push_to_rq(spec)
        return
    if dict(spec.options).get("delay"):
        return  # embedded mode has no scheduler; `flask tick` picks delayed work up
    deferred = g.setdefault("portal_deferred_jobs", [])
    if spec not in deferred:
        deferred.append(spec)


def _push_to_rq(spec: JobSpec) -> None:
    options = dict(spec.options)
    delay = options.pop("delay", None)
    q = queue(spec.queue)
    try:
        if delay:
            q.enqueue_in(timedelta(seconds=delay), spec.func, *spec.args, **options)
        else:
            q.enqueue(spec.func, *spec.args, **options)
    except RedisError:
        # The change is committed and its outbox rows are safe in the database: the
        # periodic sweep (`flask tick`, the worker's start) sends them once Redis is back.
        log.warning("could not enqueue %s: Redis unavailable", spec.func, exc_info=True)


def run_deferred(exc: BaseException | None = None) -> None:
    """teardown_appcontext hook: run the embedded-mode jobs committed in this context."""
    from portal.extensions import db

    while deferred := g.pop("portal_deferred_jobs", []):
        for spec in deferred:
            try:
                resolve(spec.func)(*spec.args)
            except Exception:
                db.session.rollback()
                log.exception("in-process job %s failed", spec.func)
                if current_app.testing:
                    raise


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if pending and has_app_context():
        for spec in pending:
            _dispatch(spec)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # outermost: nothing pending was committed
        session.info.pop(_PENDING, None)
