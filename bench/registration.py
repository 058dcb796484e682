"""The user-ID list at scale: 100,000 learners downloaded, uploaded and previewed.

One run: a database with an organisation of N learners and an approved renewal; then each
phase in its own process, timed, with its peak memory (ru_maxrss): the app's download of
users.xlsx and users.csv, the app's upload and preview of the downloaded list, and the same
rows written and read by the spreadsheet libraries alone, for the ratios of issue 4.

    python -m bench.registration [--rows 100000] [--database URL]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PASSWORD = "bench-pass-123"
TODAY = "2023-12-15"  # inside the registration period of a contract ending 2023-12-31


def config(database: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": database, "PORTAL_TODAY": TODAY, "TESTING": False,
            "SECRET_KEY": "bench-secret-key-0123456789abcdef0123", "MAX_CONTENT_LENGTH": 200 * 1024 * 1024,
            "DEV_MAILBOX": False,
            # argon2 needs 64 MiB per login; the cheap profile keeps it out of the peaks.
            "PASSWORD_HASH_PROFILE": "test"}


def setup(database: str, rows: int) -> dict:
    """A fresh schema, one organisation with ``rows`` learners, an approved renewal."""
    from sqlalchemy import insert

    from portal import create_app, security
    from portal.extensions import db
    from portal.models import Contract, Enrolment, Learner, Library, Organisation, StaffUser
    from portal.ops.services import approve
    from portal.renewal.services import apply

    app = create_app(config(database))
    with app.app_context():
        db.drop_all()
        db.create_all()
        library = Library(code="gold", name="金ライブラリ", family="company", rank=2,
                          max_seats=1_000_000)
        org = Organisation(code="BIG1", name="大きな会社", kind="company", prefecture=13,
                           learner_seq=rows)
        contract = Contract.for_term(date(2023, 1, 1), date(2023, 12, 31), organisation=org,
                                     library=library, seats=rows)
        coordinator = StaffUser(login_id="bench-coord", name="担当", email="c@example.jp",
                                role="coordinator", organisation=org,
                                password_hash=security.hash_password(PASSWORD))
        operator = StaffUser(login_id="bench-ops", name="事務局", email="o@example.jp",
                             role="operator", password_hash=security.hash_password(PASSWORD))
        db.session.add_all([library, org, contract, coordinator, operator])
        db.session.flush()
        sealed = security.seal("initial-pw")
        from portal import clock

        now = clock.now()
        for start in range(0, rows, 10_000):
            batch = range(start + 1, min(start + 10_000, rows) + 1)
            ids = db.session.scalars(insert(Learner).returning(Learner.id, sort_by_parameter_order=True), [
                {"organisation_id": org.id, "login_id": f"BIG1-{n:06d}", "name": f"受講者{n}",
                 "gender": "男性" if n % 2 else "女性", "email": f"user{n}@example.jp",
                 "kind": "personal", "card_password": sealed, "status": "active",
                 "created_at": now, "updated_at": now} for n in batch]).all()
            db.session.execute(insert(Enrolment), [
                {"contract_id": contract.id, "learner_id": i, "source": "initial",
                 "created_at": now} for i in ids])
        db.session.commit()
        renewal = apply(contract, coordinator, "gold", str(rows), False)
        approve(renewal.id, operator)
        return {"contract_id": contract.id}


def measure(phase: str, database: str, contract_id: int, work: Path, repeat: int) -> dict:
    """Run one phase ``repeat`` times, each in a fresh interpreter: the best time (the
    machine is shared, so the minimum is the least disturbed run) and the worst peak."""
    runs = []
    for _ in range(repeat):
        output = subprocess.run(
            [sys.executable, "-m", "bench.registration", "--phase", phase, "--database",
             database, "--contract", str(contract_id), "--work", str(work)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "peak_mb": max(r["peak_mb"] for r in runs),
            "all_seconds": [r["seconds"] for r in runs]}


def run_phase(phase: str, database: str, contract_id: int, work: Path) -> dict:
    """Inside the child process: do one thing, timed."""
    from portal import create_app

    app = create_app(config(database))
    baseline = _peak_mb()
    # Requests get their own app context, as in production; only the raw phases need one.
    prepared = _prepare(phase, app, contract_id, work)
    start = time.perf_counter()
    result = PHASES[phase](app, contract_id, work, prepared)
    seconds = time.perf_counter() - start
    return {"phase": phase, "seconds": round(seconds, 3), "peak_mb": round(_peak_mb(), 1),
            "baseline_mb": round(baseline, 1), **(result or {})}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _prepare(phase, app, contract_id, work):
    """Whatever a phase needs that is not what it measures (rows in memory, a session)."""
    if phase.startswith("raw_write"):
        from portal.extensions import db
        from portal.models import Contract
        from portal.renewal import userlist

        with app.app_context():
            return list(userlist.rows(db.session.get(Contract, contract_id)))
    if phase.startswith("app_"):
        client, token = login_client(app, f"/renewals/{contract_id}/continuing")
        return {"client": client, "token": token}
    return None


def login_client(app, page: str):
    """A test client logged in as the coordinator, and a CSRF token read from ``page``."""
    client = app.test_client()

    def token_of(path):
        html = client.get(path).get_data(as_text=True)
        return html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    client.post("/login", data={"login_id": "bench-coord", "password": PASSWORD,
                                "csrf_token": token_of("/login")})
    return client, token_of(page)


def _app_download(kind):
    def phase(app, contract_id, work, prepared):
        path = "users.xlsx" if kind == "xlsx" else "users.csv"
        response = prepared["client"].get(f"/renewals/{contract_id}/{path}")
        size = 0
        with open(work / f"download.{kind}", "wb") as out:
            for block in response.response:
                out.write(block)
                size += len(block)
        assert response.status_code == 200, response.status_code
        return {"bytes": size}
    return phase


def _app_upload(kind):
    def phase(app, contract_id, work, prepared):
        data = (work / f"download.{kind}").read_bytes()
        response = prepared["client"].post(
            f"/renewals/{contract_id}/continuing",
            data={"csrf_token": prepared["token"], "file": (io.BytesIO(data), f"list.{kind}")},
            content_type="multipart/form-data")
        assert response.status_code == 200, response.get_data(as_text=True)[-600:]
        return {"kept": int(response.get_data(as_text=True).split("継続する</dt><dd><strong>")[1]
                            .split("<")[0])}
    return phase


def _raw_write_xlsxwriter(app, contract_id, work, rows):
    import xlsxwriter

    with tempfile.TemporaryFile() as target:
        workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
        sheet = workbook.add_worksheet()
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value or "")
        workbook.close()


def _raw_write_openpyxl(app, contract_id, work, rows):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    with tempfile.TemporaryFile() as target:
        workbook.save(target)


def _raw_read_calamine(app, contract_id, work, prepared):
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO((work / "download.xlsx").read_bytes()))
    return {"rows": sum(1 for _ in workbook.get_sheet_by_index(0).iter_rows())}


def _raw_read_openpyxl(app, contract_id, work, prepared):
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO((work / "download.xlsx").read_bytes()),
                                      read_only=True)
    return {"rows": sum(1 for _ in workbook.active.iter_rows(values_only=True))}


def _raw_read_csv(app, contract_id, work, prepared):
    import csv

    text = (work / "download.csv").read_bytes().decode("utf-8-sig")
    return {"rows": sum(1 for _ in csv.reader(io.StringIO(text)))}


PHASES = {
    "app_download_xlsx": _app_download("xlsx"),
    "app_download_csv": _app_download("csv"),
    "raw_write_xlsxwriter": _raw_write_xlsxwriter,
    "raw_write_openpyxl": _raw_write_openpyxl,
    "raw_read_calamine": _raw_read_calamine,
    "raw_read_openpyxl": _raw_read_openpyxl,
    "raw_read_csv": _raw_read_csv,
    "app_upload_xlsx": _app_upload("xlsx"),
    "app_upload_csv": _app_upload("csv"),
}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database")
    parser.add_argument("--phase")
    parser.add_argument("--contract", type=int)
    parser.add_argument("--work")
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.database, args.contract, Path(args.work))))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    database = args.database or f"sqlite:///{work}/bench.sqlite3"
    if database.startswith("postgresql://"):
        database = "postgresql+psycopg://" + database[len("postgresql://"):]
    started = time.perf_counter()
    contract_id = setup(database, args.rows)["contract_id"]
    print(f"setup of {args.rows:,} learners: {time.perf_counter() - started:.1f}s", flush=True)
    results = {}
    for phase in PHASES:
        results[phase] = measure(phase, database, contract_id, work, args.repeat)
        print(json.dumps(results[phase]), flush=True)
    report(results, args.rows, database)


def report(results: dict, rows: int, database: str) -> None:
    def sec(phase):
        return results[phase]["seconds"]

    fastest_write = min(sec("raw_write_xlsxwriter"), sec("raw_write_openpyxl"))
    fastest_read = min(sec("raw_read_calamine"), sec("raw_read_openpyxl"))
    summary = {
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}", "database": database.split(":")[0], "rows": rows,
        "download_xlsx_vs_fastest_writer": round(sec("app_download_xlsx") / fastest_write, 2),
        "upload_xlsx_vs_fastest_reader": round(sec("app_upload_xlsx") / fastest_read, 2),
        "peak_mb_max": max(r["peak_mb"] for r in results.values()),
        "results": results,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "registration.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
