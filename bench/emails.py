"""10,000 opening emails: from the coordinator's click to the last one accepted by a local
SMTP server, against plain smtplib sending the same messages over one connection.

The production shape: the click is a POST to /opening-emails with REDIS_URL set; two
`flask worker` processes expand the batch and send; aiosmtpd runs in its own process.

    python -m bench.emails [--count 10000] [--database URL] [--redis URL] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.registration import OUT, ROOT, config, login_client, setup

SECRET = "bench-secret-key-0123456789abcdef0123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp(port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP server did not start")


def finish_continuation(app, contract_id: int) -> None:
    """Continue every learner into the new contract and finish continuation."""
    from sqlalchemy import insert, select

    from portal import clock
    from portal.extensions import db
    from portal.models import Contract, Enrolment

    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        renewal = contract.renewal
        ids = db.session.scalars(select(Enrolment.learner_id).where(
            Enrolment.contract_id == contract_id)).all()
        db.session.execute(insert(Enrolment), [
            {"contract_id": renewal.successor_id, "learner_id": i, "source": "continued",
             "created_at": clock.now()} for i in ids])
        renewal.continuation_finished_at = clock.now()
        db.session.commit()


def start_workers(count: int, env: dict) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) for _ in range(count)]


def sent_count(app) -> int:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import OutboundEmail

    with app.app_context():
        value = db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
            OutboundEmail.kind == "opening_to_learner", OutboundEmail.status == "sent"))
        db.session.remove()
        return value


def plain_smtplib(app, port: int) -> float:
    """The same messages, prebuilt, over one smtplib connection: seconds to send them."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import OutboundEmail
    from workers.emails import build_message

    with app.app_context():
        rows = db.session.scalars(select(OutboundEmail).where(
            OutboundEmail.kind == "opening_to_learner")).all()
        messages = [(r.recipient, build_message(r)) for r in rows]
    start = time.perf_counter()
    connection = smtplib.SMTP("127.0.0.1", port)
    for recipient, data in messages:
        connection.sendmail("noreply@elibrary.example.jp", [recipient], data)
    connection.quit()
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    database = args.database or f"sqlite:///{work}/bench.sqlite3"
    if database.startswith("postgresql://"):
        database = "postgresql+psycopg://" + database[len("postgresql://"):]
    from redis import Redis

    Redis.from_url(args.redis).flushdb()
    contract_id = setup(database, args.count)["contract_id"]
    port = free_port()
    smtp = start_smtp(port)
    settings = {**config(database), "REDIS_URL": args.redis, "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": port}
    from portal import create_app

    app = create_app(settings)
    finish_continuation(app, contract_id)
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": args.redis,
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "SECRET_KEY": SECRET,
           "PORTAL_TODAY": settings["PORTAL_TODAY"], "PASSWORD_HASH_PROFILE": "test"}
    workers = start_workers(args.workers, env)
    try:
        time.sleep(3)  # the workers are up and idle
        client, token = login_client(app, f"/renewals/{contract_id}/opening-emails")
        start = time.perf_counter()
        response = client.post(f"/renewals/{contract_id}/opening-emails",
                               data={"csrf_token": token})
        assert response.status_code == 302, response.status_code
        while sent_count(app) < args.count:
            time.sleep(0.02)
        portal_seconds = time.perf_counter() - start
    finally:
        for worker in workers:
            worker.terminate()
    baseline = plain_smtplib(app, port)
    smtp.terminate()
    report(args, database, portal_seconds, baseline, timeline(app))


def timeline(app) -> dict:
    """Where the seconds went: the batch's expansion and the span of the sends."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import EmailBatch, OutboundEmail

    with app.app_context():
        batch = db.session.scalar(select(EmailBatch))
        first, last = db.session.execute(
            select(func.min(OutboundEmail.sent_at), func.max(OutboundEmail.sent_at))
            .where(OutboundEmail.batch_id == batch.id)).one()
        return {"expansion_seconds": round((batch.expanded_at - batch.created_at).total_seconds(), 2),
                "first_sent_after": round((first - batch.created_at).total_seconds(), 2),
                "send_span_seconds": round((last - first).total_seconds(), 2)}


def report(args, database: str, portal_seconds: float, baseline: float, times: dict) -> None:
    summary = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": database.split(":")[0], "emails": args.count, "workers": args.workers,
        "portal_seconds": round(portal_seconds, 2), "smtplib_seconds": round(baseline, 2),
        "ratio": round(portal_seconds / baseline, 2), **times,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "emails.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1:])
