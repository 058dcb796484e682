"""Reading an uploaded list: xlsx or CSV, told by content, columns found by header."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from python_calamine import CalamineError, CalamineWorkbook

from portal.sheets.cells import as_text, header_key
from portal.sheets.errors import SheetError
from portal.sheets.safety import check_shared_strings, check_xlsx, scan_sheets, sheet_entries

MAX_ROWS = 200_000
# Sheets whose XML is smaller than this are parsed while they are scanned (about 1.6 times
# the XML size in memory at most); larger ones are scanned first.
PARSE_WHILE_SCANNING = 64 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
KIND_LABELS = {"xlsx": "Excel (.xlsx)", "csv-utf8": "CSV (UTF-8)", "csv-cp932": "CSV (Shift-JIS)"}

# Things that are surely not a spreadsheet, told by their first bytes.
FOREIGN_MAGIC = {
    b"MZ": "実行ファイル",
    b"\x7fELF": "実行ファイル",
    b"%PDF": "PDF",
    b"\xd0\xcf\x11\xe0": "古い形式の Excel(.xls)",
    b"\x89PNG": "画像",
    b"\xff\xd8\xff": "画像",
    b"GIF8": "画像",
}


@dataclass
class Table:
    """The rows of an uploaded list, with the position of each wanted column."""

    kind: str
    columns: dict[str, int]  # wanted header → column index (only those present)
    header_row: int
    rows: Iterable[tuple[int, list]]  # (row number in the file, cells as read)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def raw(self, cells: list, column: str):
        """The cell of ``column`` as read ('' when absent)."""
        index = self.columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    def value(self, cells: list, column: str) -> str:
        """The text of ``column`` in a row ('' when absent): only asked cells are converted."""
        index = self.columns.get(column)
        return as_text(cells[index]).strip() if index is not None and index < len(cells) else ""


def read_table(
    data: bytes,
    wanted: dict[str, Sequence[str]],
    required: Sequence[str],
    max_rows: int = MAX_ROWS,
) -> Table:
    """Open ``data`` and find the header row holding the ``required`` columns.

    ``wanted`` maps each column's name to the header spellings accepted for it. Raises
    ``SheetError`` for a file we refuse; the rows are read lazily, and reading more than
    ``max_rows`` raises too.
    """
    kind, raw_rows = _open(data, max_rows)
    aliases = {header_key(a): name for name, spellings in wanted.items() for a in spellings}
    raw_rows = iter(raw_rows)
    for number, cells in _numbered(raw_rows, limit=HEADER_SEARCH_ROWS):
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            name = aliases.get(header_key(cell))
            if name and name not in columns:
                columns[name] = index
        if all(r in columns for r in required):
            rows = _limited(_numbered(raw_rows, start=number + 1), max_rows)
            return Table(kind, columns, number, rows)
    missing = "・".join(f"「{r}」" for r in required)
    raise SheetError(
        f"{missing}の見出しがある行が見つかりません。ダウンロードした一覧の1行目(見出し)を消さずに読み込んでください。"
    )


def _open(data: bytes, max_rows: int) -> tuple[str, Iterator[list]]:
    if not data.strip():
        raise SheetError("ファイルが空です。")
    for magic, label in FOREIGN_MAGIC.items():
        if data.startswith(magic):
            raise SheetError(f"このファイルは{label}です。Excel(.xlsx)か CSV を選んでください。")
    if data.startswith(b"PK\x03\x04"):
        return "xlsx", _xlsx_rows(data, max_rows)
    return _csv_rows(data)


def _xlsx_rows(data: bytes, max_rows: int) -> Iterator[list]:
    archive = check_xlsx(data)
    check_shared_strings(archive)  # before calamine, which copies them into every cell
    sheet_xml = sum(e.file_size for e in sheet_entries(archive))
    if sheet_xml > PARSE_WHILE_SCANNING:
        scan_sheets(archive, max_rows)  # a big sheet is refused before calamine holds it
        sheet = _parse(data)
    else:
        # calamine's memory follows the XML's size, so a small sheet may be parsed while
        # it is scanned: both run without the GIL, on two cores at once.
        with ThreadPoolExecutor(max_workers=1) as pool:
            scanning = pool.submit(scan_sheets, archive, max_rows)
            sheet = _parse(data)
            scanning.result()  # a formula or too many rows: refused all the same
    # calamine reads every cell it finds, whatever <dimension> claims.
    yield from sheet.iter_rows()


def _parse(data: bytes):
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except CalamineError as exc:
        raise SheetError("Excel ファイル(.xlsx)の内容を読み取れません。Excel で保存し直してください。") from exc


def _csv_rows(data: bytes) -> tuple[str, Iterator[list]]:
    if b"\x00" in data[:4096]:
        raise SheetError("文字のファイルではありません。Excel(.xlsx)か CSV を選んでください。")
    if data.startswith(codecs.BOM_UTF8):
        return "csv-utf8", _csv_iter(data, "utf-8-sig")
    for kind, encoding in (("csv-utf8", "utf-8"), ("csv-cp932", "cp932")):
        if _decodes(data, encoding):
            return kind, _csv_iter(data, encoding)
    raise SheetError("文字コードを判別できません。UTF-8 か Shift-JIS(CP932)の CSV で保存してください。")


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether all of ``data`` is valid in ``encoding``, checked in pieces (no full copy)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(data[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _csv_iter(data: bytes, encoding: str) -> Iterator[list]:
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""))
    try:
        yield from reader
    except csv.Error as exc:  # a field over csv's limit (131,072 characters), a stray NUL
        row = reader.line_num
        if "field larger" in str(exc):
            why = f"1つのセルの文字が多すぎます({csv.field_size_limit():,}文字まで)"
        else:
            why = "CSV の形式が正しくありません(閉じていない「\"」など)"
        raise SheetError(f"{row}行目: {why}。この行を直して保存し直してください。") from exc


def _numbered(rows: Iterator[list], start: int = 1, limit: int | None = None):
    """(row number, cells), skipping nothing: numbers match what Excel shows."""
    number = start - 1
    for cells in rows:
        number += 1
        yield number, cells
        if limit is not None and number - start + 1 >= limit:
            return


def _blank(cells: list) -> bool:
    if cells and cells[0] not in ("", None):  # most rows: decided by their first cell
        return isinstance(cells[0], str) and not cells[0].strip() and _all_blank(cells)
    return _all_blank(cells)


def _all_blank(cells: list) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _limited(rows, max_rows: int):
    count = 0
    for number, cells in rows:
        if _blank(cells):
            continue  # blank lines, e.g. the rows a person cleared instead of deleting
        count += 1
        if count > max_rows:
            raise SheetError(f"行数が多すぎます。1ファイル {max_rows:,} 行までです。", row=number)
        yield number, cells
