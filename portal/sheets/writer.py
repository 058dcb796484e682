"""Streamed downloads: xlsx through XlsxWriter's constant-memory mode, CSV row by row.

Both are written into a spooled temporary file (memory up to 1 MB, then disk) and sent
from there in chunks, so memory stays flat whatever the number of rows; and a CP932
character problem is found before the first byte goes out. XlsxWriter is the fastest
xlsx writer we measured (docs/PERFORMANCE.md), and ``write_string`` never makes a formula.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import xlsxwriter
from flask import Response

from portal.sheets.cells import FORMULA_STARTS, neutralise
from portal.sheets.errors import SheetError

CHUNK = 64 * 1024
FORMULA_FIRST = frozenset(FORMULA_STARTS)
MAX_REPORTED = 20


@dataclass
class Sheet:
    """One worksheet of a download: a header row and the rows under it."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    text_columns: Sequence[int] = (0,)  # stored as text, so "007" stays "007"
    widths: Sequence[int] = field(default_factory=tuple)


def write_xlsx(target, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` into the file object ``target`` with constant memory."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    for spec in sheets:
        ws = workbook.add_worksheet(spec.title[:31])
        for index, width in enumerate(spec.widths):
            ws.set_column(index, index, width)
        for column, title in enumerate(spec.header):
            ws.write_string(0, column, str(neutralise(title)), bold)
        _write_rows(ws, spec, text)
    workbook.close()


def _write_rows(ws, spec: Sheet, text_format) -> None:
    text_columns = set(spec.text_columns)
    write_string, write_number = ws.write_string, ws.write_number
    for number, row in enumerate(spec.rows, start=1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if type(value) is str:  # the common case, kept fast: 700,000 cells a list
                if value[0] in FORMULA_FIRST:
                    value = "'" + value
                write_string(number, column, value,
                             text_format if column in text_columns else None)
            elif isinstance(value, int | float) and not isinstance(value, bool) \
                    and column not in text_columns:
                write_number(number, column, value)
            else:
                write_string(number, column, str(neutralise(value)),
                             text_format if column in text_columns else None)


def xlsx_download(filename: str, sheets: Sequence[Sheet]) -> Response:
    """A streamed xlsx response."""
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - closed by _stream
    write_xlsx(spool, sheets)
    return _stream(spool, filename,
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence],
                 encoding: str = "utf-8") -> Response:
    """A streamed CSV response: UTF-8 with BOM, or CP932 (Shift-JIS) for old Excel.

    Raises SheetError listing the rows whose characters CP932 cannot hold, rather than
    replacing them silently.
    """
    codec = "utf-8" if encoding == "utf-8" else "cp932"
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - closed by _stream
    if codec == "utf-8":
        spool.write(codecs.BOM_UTF8)  # so that Excel opens it as UTF-8
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    problems: list[str] = []
    spool.write(_encode(_row_text(writer, buffer, header), codec, 1, problems))
    for number, row in enumerate(rows, start=2):
        text = _row_text(writer, buffer, [neutralise(v) for v in row])
        spool.write(_encode(text, codec, number, problems))
    if problems:
        spool.close()
        raise SheetError(_problem_text(problems))
    charset = "utf-8" if codec == "utf-8" else "shift_jis"
    return _stream(spool, filename, f"text/csv; charset={charset}")


def _row_text(writer, buffer: io.StringIO, values) -> str:
    buffer.seek(0)
    buffer.truncate()
    writer.writerow(["" if v is None else v for v in values])
    return buffer.getvalue()


def _encode(text: str, codec: str, number: int, problems: list[str]) -> bytes:
    try:
        return text.encode(codec)
    except UnicodeEncodeError as exc:
        if len(problems) < MAX_REPORTED:
            bad = text[exc.start:exc.end]
            problems.append(f"{number}行目: 「{bad}」(U+{ord(bad[0]):04X})")
        return b""


def _problem_text(problems: list[str]) -> str:
    listed = "、".join(problems)
    return (
        f"Shift-JIS(CP932)で表せない文字があるため、この形式では出力できません: {listed}。"
        "UTF-8 の CSV か Excel 形式でダウンロードしてください。"
    )


def _stream(spool, filename: str, mimetype: str) -> Response:
    spool.seek(0, io.SEEK_END)
    length = spool.tell()
    spool.seek(0)

    def chunks():
        try:
            while block := spool.read(CHUNK):
                yield block
        finally:
            spool.close()

    response = Response(chunks(), mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Length"] = str(length)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name for browsers that read it."""
    fallback = filename.encode("ascii", "ignore").decode() or "download"
    fallback = fallback.replace('"', "").replace("\\", "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
