"""Streamed downloads: xlsx through openpyxl's write-only mode, CSV row by row.

Both are written into a spooled temporary file (memory up to 1 MB, then disk) and sent
from there in chunks, so memory stays flat whatever the number of rows; and a CP932
character problem is found before the first byte goes out.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.sheets.cells import neutralise
from portal.sheets.errors import SheetError

CHUNK = 64 * 1024
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
    workbook = Workbook(write_only=True)
    for spec in sheets:
        ws = workbook.create_sheet(spec.title[:31])
        for index, width in enumerate(spec.widths):
            ws.column_dimensions[chr(ord("A") + index)].width = width
        bold = Font(bold=True)
        header = []
        for title in spec.header:
            cell = WriteOnlyCell(ws, value=neutralise(title))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        text_columns = set(spec.text_columns)
        for row in spec.rows:
            values = [neutralise(v) for v in row]
            for index in text_columns:
                if index < len(values) and values[index] is not None:
                    cell = WriteOnlyCell(ws, value=str(values[index]))
                    cell.number_format = "@"
                    values[index] = cell
            ws.append(values)
    workbook.save(target)


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
