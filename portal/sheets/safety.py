"""Checks on an uploaded xlsx before any parser sees it: zip bombs and XML entities."""

from __future__ import annotations

import io
import re
import zipfile
from array import array

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from portal.sheets.errors import SheetError

MAX_ENTRIES = 500
MAX_UNCOMPRESSED = 300 * 1024 * 1024  # declared size of all parts together
MAX_RATIO = 200  # per part, beyond a small size: real sheets compress ~10x
RATIO_FLOOR = 1024 * 1024
HEAD_BYTES = 64 * 1024  # a DOCTYPE must come before the root element
# A reader copies a shared string into every cell that refers to it: 200,000 references
# to one 100 KB string fit in a 1 MB file and make 20 GB of text. The text a sheet expands
# to (each reference counted at its string's size in the XML) is bounded before parsing.
MAX_SHARED_STRINGS_XML = 32 * 1024 * 1024
MAX_EXPANDED_TEXT = 50 * 1024 * 1024


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


SHARED_STRINGS = "xl/sharedStrings.xml"  # where Excel, LibreOffice and openpyxl put it
SHARED_RELATION = re.compile(
    rb'Type="[^"]*/sharedStrings"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Type="[^"]*/sharedStrings"')
STRING_ITEM = re.compile(rb"<(?:\w{1,20}:)?si[\s>/]")  # where each <si> starts
# A cell's value when it is a whole number: a shared-string index, or a number (counted as
# one all the same, which only makes the bound stricter). At most 52 bytes long.
VALUE = re.compile(rb"<(?:\w{1,20}:)?v>\s{0,8}([0-9]{1,10})\s{0,8}</")
OVERLAP = 64


def check_shared_strings(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose cells would expand its shared strings past
    ``MAX_EXPANDED_TEXT``: run before any parser, since the parser is what expands them."""
    entry = _shared_strings_entry(archive)
    if entry is None:
        return
    if entry.file_size > MAX_SHARED_STRINGS_XML:
        raise SheetError("ファイル内の文字の量が多すぎます(共有文字列が 32 MB を超えています)。")
    sizes = _item_sizes(archive.read(entry))
    if not sizes:
        return
    longest = max(sizes)
    # Only one sheet is ever parsed, so each is bounded on its own.
    for sheet in sheet_entries(archive):
        with archive.open(sheet) as part:
            values = sum(_count_values(block) for block in iter(lambda: part.read(CHUNK), b""))
        if values * longest <= MAX_EXPANDED_TEXT:  # the quick bound: no need to look closer
            continue
        expanded = 0
        for index in _values(archive, sheet):
            expanded += sizes[index] if index < len(sizes) else 0
            if expanded > MAX_EXPANDED_TEXT:
                raise SheetError(
                    "ファイル内の文字の量が多すぎます(同じ文字列を参照するセルが多く、読み込むと"
                    f"{MAX_EXPANDED_TEXT // 1024 // 1024} MB を超えます)。"
                    "必要な列だけを値で貼り付けて保存し直してください。")


def _item_sizes(xml: bytes) -> array:
    """The size of each shared string's XML, from its <si> to the next one (or the end):
    an upper bound of its text that no markup inside it can shorten."""
    starts = [m.start() for m in STRING_ITEM.finditer(xml)]
    return array("L", (b - a for a, b in zip(starts, [*starts[1:], len(xml)], strict=True)))


def _count_values(block: bytes) -> int:
    """An upper bound of the cell values in ``block`` (C speed; a tag cut at the block's
    edge is missed, which the exact pass does not)."""
    return block.count(b"v>") // 2 + 1


def _shared_strings_entry(archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The shared-strings part, wherever the workbook's relationships put it."""
    name = SHARED_STRINGS
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")[:HEAD_BYTES]
    except KeyError:
        rels = b""
    if match := SHARED_RELATION.search(rels):
        target = (match[1] or match[2]).decode("utf-8", "replace")
        name = target.lstrip("/") if target.startswith("/") else "xl/" + target
    try:
        return archive.getinfo(name)
    except KeyError:
        return None


def _values(archive: zipfile.ZipFile, entry: zipfile.ZipInfo):
    """Every whole-number cell value of a sheet, streaming its XML. A match is taken from
    the window it starts in, unless it starts in the last ``OVERLAP`` bytes, which the next
    window begins with: none is split, none counted twice."""
    tail = b""
    with archive.open(entry) as part:
        while block := part.read(CHUNK):
            window = tail + block
            limit = len(window) - OVERLAP
            for match in VALUE.finditer(window):
                if match.start() >= limit:
                    break
                yield int(match[1])
            tail = window[max(limit, 0):]
    for match in VALUE.finditer(tail):
        yield int(match[1])


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
