"""Checks on an uploaded xlsx before any parser sees it: zip bombs and XML entities."""

from __future__ import annotations

import io
import zipfile

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from portal.sheets.errors import SheetError

MAX_ENTRIES = 500
MAX_UNCOMPRESSED = 300 * 1024 * 1024  # declared size of all parts together
MAX_RATIO = 200  # per part, beyond a small size: real sheets compress ~10x
RATIO_FLOOR = 1024 * 1024
HEAD_BYTES = 64 * 1024  # a DOCTYPE must come before the root element


def check_xlsx(data: bytes) -> zipfile.ZipFile:
    """Open ``data`` as a zip and refuse it if it is a bomb or carries a DTD; what is left,
    formulas and the row count, is ``scan_sheets``'s."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SheetError("Excel ファイル(.xlsx)として読み込めません。ファイルが壊れている可能性があります。") from exc
    if len(entries) > MAX_ENTRIES:
        raise SheetError(f"ファイル内の要素が多すぎます({len(entries)}個)。Excel で保存し直してください。")
    if sum(e.file_size for e in entries) > MAX_UNCOMPRESSED:
        raise SheetError("展開後のサイズが大きすぎるため読み込めません。")
    for entry in entries:
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise SheetError("圧縮率が異常に高いため読み込めません(圧縮爆弾の疑い)。")
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        raise SheetError("Excel ファイル(.xlsx)ではありません。ブックとして保存したファイルを選んでください。")
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels")):
            _check_xml_head(archive, entry)
    return archive


def sheet_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [e for e in archive.infolist()
            if e.filename.startswith("xl/worksheets/") and e.filename.endswith(".xml")]


def scan_sheets(archive: zipfile.ZipFile, max_rows: int) -> None:
    """Refuse a sheet with a formula or more than ``max_rows`` rows."""
    for entry in sheet_entries(archive):
        _scan_sheet(archive, entry, max_rows)


# Searched as plain bytes (C speed): a formula element, with or without a namespace prefix,
# and the start of a row. A stray count (<rowBreaks) only makes the limit a little looser.
FORMULA_TAGS = (b"<f>", b"<f ", b":f>", b":f ")
ROW_TAGS = (b"<row ", b"<row>", b":row ", b":row>")
CHUNK = 1 << 20


def _scan_sheet(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, max_rows: int) -> None:
    """One streaming pass over a sheet's XML, a megabyte at a time: refuse formulas, and
    count rows, so an oversized sheet is refused before any parser holds it in memory."""
    rows, tail = 0, b""
    with archive.open(entry) as part:
        while block := part.read(CHUNK):
            window = tail + block
            if any(tag in window for tag in FORMULA_TAGS):
                raise SheetError("数式が入ったセルがあります。数式を値に変換して(「値のみ貼り付け」)保存し直してください。")
            # Count only what starts in this block; the tail is there to see across edges.
            rows += sum(window.count(t) for t in ROW_TAGS) - sum(tail.count(t) for t in ROW_TAGS)
            if rows > max_rows + 10:  # the header and a title may come before the data
                raise SheetError(f"行数が多すぎます。1ファイル {max_rows:,} 行までです。")
            tail = window[-8:]


def _check_xml_head(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Feed the start of a part to defusedxml, which refuses any DTD or entity."""
    with archive.open(entry) as part:
        head = part.read(HEAD_BYTES)
    parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(head)  # never closed: a truncated part is fine, a DTD is not
    except DefusedXmlException as exc:
        raise SheetError("ファイルに許可されていない XML 定義(DTD・エンティティ)が含まれています。") from exc
    except Exception:  # noqa: BLE001 - malformed XML is the calamine reader's to report
        return
