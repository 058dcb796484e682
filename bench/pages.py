"""Step pages under gunicorn with a load generator (wrk), against a bare Flask page served
the same way in the same run.

    python -m bench.pages [--seconds 10] [--connections 8] [--workers 2] [--database URL]

The demo data is loaded around today; pages are fetched logged in (the session cookie is
passed to wrk). The figure is requests per second, and each page's ratio to the bare page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from bench.registration import OUT, ROOT

BARE_APP = '''
from flask import Flask
app = Flask(__name__)

@app.get("/")
def index():
    return "<!doctype html><html lang=ja><title>bare</title><p>こんにちは</p></html>"
'''

PAGES = {
    "renewal list (/renewals/)": ("coord-a", "/renewals/"),
    "step page (/renewals/<id>)": ("coord-a", "/renewals/{contract}"),
    "apply form (/renewals/<id>/apply)": ("coord-a", "/renewals/{contract}/apply"),
    "learner catalog (/learn/)": ("learner", "/learn/"),
}


def serve(module_dir: str, app_path: str, port: int, workers: int, env: dict):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", app_path], cwd=module_dir, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz" if "wsgi" in app_path
                                   else f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn on {port} did not start")


def login_cookie(base: str, login_id: str, learner: bool) -> str:
    """Log in like a browser and answer the Cookie header to give wrk."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    path = "/learn/login" if learner else "/login"
    page = opener.open(base + path).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"login_id": login_id, "password": "demo-pass",
                                   "csrf_token": token}).encode()
    opener.open(base + path, data=data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(url: str, seconds: int, connections: int, cookie: str | None = None) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    database = args.database or f"sqlite:///{work}/pages.sqlite3"
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": "bench-pages-secret-key-0123456789abcdef",
           "PORTAL_BASE_URL": "http://127.0.0.1"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    demo = subprocess.run(flask + ["demo", "--reset"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout
    learner = re.search(r"learner personal: (\S+)", demo)[1]
    (work / "bare.py").write_text(BARE_APP)
    portal = serve(str(ROOT), "wsgi:app", 18001, args.workers, env)
    bare = serve(str(work), "bare:app", 18002, args.workers, env)
    try:
        results = {"bare Flask page": wrk("http://127.0.0.1:18002/", args.seconds,
                                          args.connections)}
        contract = _demo_contract(env)
        for name, (who, path) in PAGES.items():
            cookie = login_cookie("http://127.0.0.1:18001", learner if who == "learner"
                                  else who, who == "learner")
            url = "http://127.0.0.1:18001" + path.format(contract=contract)
            results[name] = wrk(url, args.seconds, args.connections, cookie)
    finally:
        portal.terminate()
        bare.terminate()
    report(args, database, results)


def _demo_contract(env: dict) -> int:
    code = ("from portal import create_app, demo\napp = create_app()\n"
            "with app.app_context(): print(demo.load().a_contract.id)")
    return int(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout.strip())


def report(args, database: str, results: dict) -> None:
    bare = results["bare Flask page"]
    summary = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": database.split(":")[0], "gunicorn_workers": args.workers,
        "wrk": f"2 threads, {args.connections} connections, {args.seconds}s",
        "requests_per_second": {k: round(v) for k, v in results.items()},
        "ratio_to_bare": {k: round(v / bare, 2) for k, v in results.items()},
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "pages.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
