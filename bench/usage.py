"""Monthly usage aggregation at scale: one million events across 1,000 contracts.

Setup (PostgreSQL; COPY for the events): 1,000 organisations with a contract and a
coordinator each, 50 learners per contract, 200 titles, and ``--events`` usage events
spread evenly over ``--months`` Tokyo months (45 % logins, the rest titles opened, a few
titles popular). Then, each query timed ``--repeat`` times on a warm cache:

- ``all_contracts_month``: the operators' overview, every contract's month in one query;
- ``all_contracts_series``: the twelve-month series of every contract together (charts);
- ``one_contract_month``: one contract's month (headline numbers and titles);
- ``one_contract_per_id``: one contract's per-ID rows (the report's ID sheet);
- ``overview_page``: the whole operators' page, through the app (charts, 1,000 rows);
- ``month_start_tick``: the tick step itself, once: 1,000 reports built and emailed.

    python -m bench.usage [--database postgresql://…/portal_bench_usage] [--events 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/portal_bench_usage"
LEARNERS_PER_CONTRACT = 50
TITLES = 200


def config(database: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": database, "TESTING": False, "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
            "DEV_MAILBOX": False, "MAIL_SERVER": None, "REDIS_URL": None,
            "PASSWORD_HASH_PROFILE": "test",
            "PORTAL_TODAY": "2026-04-01"}  # the day after the last month of events


def setup(app, contracts: int, events: int, months: list) -> None:
    """A fresh schema with the organisations, learners, titles and events."""
    from portal.extensions import db

    with app.app_context():
        db.drop_all()
        db.create_all()
        _people(db, contracts)
        db.session.commit()
        _copy_events(db, contracts, events, months)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def _people(db, contracts: int) -> None:
    from sqlalchemy import insert

    from portal.models import (
        Book,
        Category,
        Contract,
        Enrolment,
        Learner,
        Library,
        Organisation,
        Publisher,
        StaffUser,
    )

    db.session.add(Library(id=1, code="school", name="School e-Library", family="school"))
    db.session.add(Publisher(id=1, name="出版社", contact_email="p@example.jp"))
    db.session.add(Category(id=1, name="日本の小説", position=1))
    db.session.flush()
    now = datetime.now(UTC)
    db.session.execute(insert(Book), [
        {"id": n, "code": f"B{n:04d}", "title": f"書名{n:03d}", "author": "著者",
         "publisher_id": 1, "category_id": 1, "listed_until": date(2099, 1, 1),
         "created_at": now, "updated_at": now} for n in range(1, TITLES + 1)])
    db.session.execute(insert(Organisation), [
        {"id": n, "code": f"S{n:05d}", "name": f"学校{n}", "kind": "school", "prefecture": 13,
         "created_at": now} for n in range(1, contracts + 1)])
    db.session.execute(insert(StaffUser), [
        {"id": n, "login_id": f"coord-{n}", "name": f"担当{n}", "email": f"c{n}@example.jp",
         "role": "coordinator", "organisation_id": n, "active": True, "created_at": now}
        for n in range(1, contracts + 1)])
    db.session.execute(insert(Contract), [
        {"id": n, "organisation_id": n, "library_id": 1, "starts_on": date(2025, 4, 1),
         "ends_on": date(2026, 3, 31), "access_until": date(2026, 4, 30), "seats": 50,
         "yearly_rotation": False, "created_at": now} for n in range(1, contracts + 1)])
    learners = [
        {"id": (c - 1) * LEARNERS_PER_CONTRACT + k, "organisation_id": c,
         "login_id": f"S{c:05d}-{k:03d}", "kind": "shared" if k > 40 else "personal",
         "status": "active", "created_at": now, "updated_at": now}
        for c in range(1, contracts + 1) for k in range(1, LEARNERS_PER_CONTRACT + 1)]
    db.session.execute(insert(Learner), learners)
    db.session.execute(insert(Enrolment), [
        {"contract_id": lr["organisation_id"], "learner_id": lr["id"], "source": "initial",
         "created_at": now} for lr in learners])
    for table in ("books", "organisations", "staff_users", "contracts", "learners"):
        db.session.execute(db.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def _copy_events(db, contracts: int, events: int, months: list) -> None:
    """COPY the events in: the fastest way into PostgreSQL, and memory stays flat."""
    rng = random.Random(7)
    start, end = months[0].start, months[-1].end
    span = (end - start).total_seconds()
    weights = [1 / n for n in range(1, TITLES + 1)]
    books = rng.choices(range(1, TITLES + 1), weights, k=100_000)  # a popular few, reused
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(
            "COPY usage_events (at, learner_id, contract_id, organisation_id, kind, book_id) "
            "FROM STDIN"
        ) as copy:
            for n in range(events):
                contract = n % contracts + 1
                learner = (contract - 1) * LEARNERS_PER_CONTRACT + rng.randrange(
                    LEARNERS_PER_CONTRACT) + 1
                at = (start + timedelta(seconds=rng.random() * span)).replace(tzinfo=None)
                login = rng.random() < 0.45
                copy.write_row((at, learner, contract, contract, "login" if login else
                                "book_open", None if login else books[n % len(books)]))
        raw.commit()
    finally:
        raw.close()


def timed(func, repeat: int) -> dict:
    """Median and best of ``repeat`` runs, after one warm-up run."""
    func()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        seconds.append(time.perf_counter() - started)
    return {"median_ms": round(statistics.median(seconds) * 1000, 1),
            "best_ms": round(min(seconds) * 1000, 1), "runs": repeat}


def measure(app, months: list, repeat: int, contracts: int) -> dict:
    """Each query on a warm cache, and the month-start step once."""
    from portal.extensions import db
    from portal.models import Contract
    from portal.usage import figures, overview, report
    from portal.usage.schedule import send_monthly_usage_reports

    month = months[-1]
    results = {}
    with app.app_context():
        contract = db.session.get(Contract, contracts // 2)
        cases = {
            "all_contracts_month": lambda: overview.by_contract(month),
            "all_contracts_series": lambda: figures.series(months),
            "one_contract_month": lambda: report.gather(contract, month),
            "one_contract_per_id": lambda: figures.per_learner(contract.id, month),
        }
        for name, func in cases.items():
            results[name] = timed(func, repeat)
            print(name, results[name], flush=True)
        results["plan_all_contracts_month"] = _plan(db, month)
    client = _operator_client(app)
    results["overview_page"] = timed(lambda: _page(client, f"/ops/usage/?month={month.key}"),
                                     repeat)
    print("overview_page", results["overview_page"], flush=True)
    with app.app_context():
        started = time.perf_counter()
        built = send_monthly_usage_reports(month.next().first_day)
        results["month_start_tick"] = {"seconds": round(time.perf_counter() - started, 1),
                                       "reports": built}
        print("month_start_tick", results["month_start_tick"], flush=True)
    return results


def _page(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200 and "<svg" in response.get_data(as_text=True), url


def _operator_client(app):
    """A test client logged in as an operator."""
    import re

    from portal import security
    from portal.extensions import db
    from portal.models import StaffUser

    with app.app_context():
        db.session.merge(StaffUser(id=1_000_000, login_id="bench-ops", name="事務局",
                                   email="o@example.jp", role="operator",
                                   password_hash=security.hash_password("pw")))
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    client.post("/login", data={"login_id": "bench-ops", "password": "pw", "csrf_token": token})
    return client


def _plan(db, month) -> list[str]:
    """EXPLAIN ANALYZE of the overview's aggregation, for the record."""
    from sqlalchemy import distinct, func, select

    from portal.models import UsageEvent as E
    from portal.usage.figures import count_logins, within

    query = select(E.contract_id, count_logins(E.kind), func.count(distinct(E.learner_id))) \
        .where(within([month])).group_by(E.contract_id)
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    return [row[0] for row in db.session.execute(db.text("EXPLAIN ANALYZE " + sql))]


def machine() -> str:
    with open("/proc/cpuinfo") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info
                    if line.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores (shared), Python {platform.python_version()}"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--contracts", type=int, default=1_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-setup", action="store_true", help="reuse the last setup")
    args = parser.parse_args(argv)
    from portal import create_app
    from portal.config import database_uri
    from portal.usage.months import Month, span

    uri = database_uri(args.database, ".")
    try:
        _create_database(uri)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        print(f"bench.usage skipped: PostgreSQL unreachable ({str(exc).splitlines()[0]})")
        return
    app = create_app(config(uri))
    last = Month(2026, 3)
    months = span(last.shift(1 - args.months), last)
    if not args.skip_setup:
        started = time.perf_counter()
        setup(app, args.contracts, args.events, months)
        print(f"setup: {time.perf_counter() - started:.1f}s", flush=True)
    results = measure(app, months, args.repeat, args.contracts)
    summary = {"date": time.strftime("%Y-%m-%d"), "machine": machine(),
               "events": args.events, "contracts": args.contracts, "months": args.months,
               "postgresql": _server_version(app), "results": results}
    OUT.mkdir(exist_ok=True)
    (OUT / "usage.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}, ensure_ascii=False))


def _create_database(uri: str) -> None:
    """The bench's own database, created on first use (never the tests' or the app's)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(uri)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                           {"n": url.database}):
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def _server_version(app) -> str:
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(db.text("SHOW server_version"))


if __name__ == "__main__":
    main(sys.argv[1:])
