"""The spreadsheet module: kinds told by content, headers, hostile files, safe exports."""

import io

import openpyxl
import pytest
from sheet_files import (
    EXECUTABLE,
    HEADER,
    csv_bytes,
    entity_bomb,
    lying_dimension,
    xlsx,
    zip_bomb,
)

from portal.sheets import SheetError, clean_id, csv_download, read_table
from portal.sheets.writer import content_disposition

WANTED = {"id": ["ユーザID", "ユーザーID", "ログインID"], "name": ["氏名"]}
ROWS = [["A-001", "山田 太郎"], ["A-002", "佐藤 花子"], ["007", "ゼロ始まり"]]


def ids(data, **kwargs):
    table = read_table(data, WANTED, ["id"], **kwargs)
    return table.kind, [table.value(cells, "id") for _, cells in table.rows]


@pytest.mark.parametrize(
    "data, kind",
    [
        (xlsx(ROWS), "xlsx"),
        (csv_bytes(ROWS), "csv-utf8"),  # with BOM
        (csv_bytes(ROWS, encoding="utf-8"), "csv-utf8"),
        (csv_bytes(ROWS, encoding="cp932"), "csv-cp932"),
    ],
)
def test_every_kind_reads_the_same_ids(data, kind):
    assert ids(data) == (kind, ["A-001", "A-002", "007"])


def test_header_is_found_below_a_title_and_in_any_column():
    data = csv_bytes([["", "佐藤", "A-9"]], header=["", "氏名", "ユーザーID"])
    data = "ユーザID一覧(A社)\r\n".encode() + data
    table = read_table(data, WANTED, ["id"])
    assert table.header_row == 2
    assert [(n, table.value(c, "id")) for n, c in table.rows] == [(3, "A-9")]


def test_missing_header_is_explained():
    with pytest.raises(SheetError, match="「id」の見出し"):
        read_table(csv_bytes(ROWS, header=["番号", "氏名"]), WANTED, ["id"])


def test_blank_rows_are_skipped_and_numbers_kept():
    table = read_table(csv_bytes([["A-1"], [""], ["A-3"]], header=["ユーザID"]), WANTED, ["id"])
    assert [n for n, _ in table.rows] == [2, 4]


@pytest.mark.parametrize(
    "data, message",
    [
        (EXECUTABLE, "実行ファイル"),
        (b"%PDF-1.4 ...", "PDF"),
        (b"", "空です"),
        (b"\x00\x01\x02binary", "文字のファイルではありません"),
        (b"PK\x03\x04 broken zip", "壊れている"),
        ("ユーザID\r\n".encode("utf-16"), "文字"),
    ],
)
def test_files_that_are_not_lists_are_refused(data, message):
    with pytest.raises(SheetError, match=message):
        ids(data)


def test_zip_bomb_is_refused_before_parsing(monkeypatch):
    """Refused from the zip directory: neither inflated by the scan nor given to calamine."""
    from portal.sheets import reader, safety

    monkeypatch.setattr(safety, "_scan_sheet", lambda *a: pytest.fail("inflated"))
    monkeypatch.setattr(reader, "_parse", lambda *a: pytest.fail("parsed"))
    with pytest.raises(SheetError, match="大きすぎる|圧縮"):
        ids(zip_bomb(50))


def test_entity_expansion_is_refused():
    with pytest.raises(SheetError, match="DTD"):
        ids(entity_bomb(xlsx(ROWS)))


def test_lying_dimension_is_still_read_completely():
    rows = [[f"A-{i:03d}", "x"] for i in range(50)]
    data = lying_dimension(xlsx(rows))
    assert openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.max_row == 2
    assert len(ids(data)[1]) == 50


def test_row_limit():
    data = csv_bytes([[f"A-{i}"] for i in range(11)], header=["ユーザID"])
    with pytest.raises(SheetError, match="12行目: 行数が多すぎます"):
        ids(data, max_rows=10)


def test_clean_id():
    assert clean_id("　ＡＢＣ－００１ ") == "ABC-001"
    assert clean_id("'=A-1") == "=A-1"
    assert clean_id(7.0) == "7"


def test_xlsx_export_never_starts_a_formula_and_keeps_leading_zeros():
    hostile = ["=1+1", "+81-3", "-5", "@SUM(A1)", "\tx", "\rx", "普通"]
    data = xlsx([["007", h] for h in hostile])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(v[0] == "007" for v in values)
    assert sheet["A2"].number_format == "@"
    for cell in sheet["B"][1:]:
        assert cell.data_type == "s"
        assert not str(cell.value).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert sheet["B8"].value == "普通"


def test_csv_export_neutralises_and_adds_a_bom(app):
    with app.test_request_context():
        response = csv_download("一覧.csv", ["ユーザID", "氏名"], [["A-1", "=HYPERLINK(1)"]])
        body = b"".join(response.response)
    assert body.startswith(b"\xef\xbb\xbf")
    assert "'=HYPERLINK(1)" in body.decode("utf-8-sig")


def test_cp932_export_reports_characters_it_cannot_hold(app):
    rows = [["A-1", "吉田"], ["A-2", "𠮷田"], ["A-3", "髙橋"]]
    with app.test_request_context(), pytest.raises(SheetError) as error:
        csv_download("一覧.csv", ["ユーザID", "氏名"], rows, encoding="cp932")
    assert "3行目: 「𠮷」" in str(error.value)
    assert "2行目" not in str(error.value) and "4行目" not in str(error.value)


def test_content_disposition_is_rfc_6266():
    header = content_disposition("ユーザID一覧_A0001.xlsx")
    assert header.startswith('attachment; filename="ID_A0001.xlsx"')
    assert "filename*=UTF-8''%E3%83%A6" in header


def test_downloaded_header_round_trips():
    data = xlsx([["A-1", "山田", "男性", "a@example.jp", "個人", "2023/01/01", "2023/01/01"]])
    table = read_table(data, {"id": ["ユーザID"]}, ["id"])
    assert table.columns == {"id": 0}
    assert HEADER[0] == "ユーザID"


def test_declared_size_limit(monkeypatch):
    from portal.sheets import safety

    monkeypatch.setattr(safety, "MAX_RATIO", 10**9)  # only the total size can refuse it
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED", 20 * 1024 * 1024)
    with pytest.raises(SheetError, match="展開後のサイズが大きすぎる"):
        ids(zip_bomb(50))


def formula_xlsx() -> bytes:
    out = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["ユーザID"])
    book.active.append(["A-001"])
    book.active.append(["=HYPERLINK(\"http://evil.example\", \"A-002\")"])
    book.save(out)
    return out.getvalue()


def test_formula_cells_are_refused():
    with pytest.raises(SheetError, match="数式"):
        ids(formula_xlsx())


def test_too_many_rows_are_refused_before_parsing(monkeypatch):
    """Sheets above the threshold are scanned before calamine sees them."""
    from portal.sheets import reader

    monkeypatch.setattr(reader, "PARSE_WHILE_SCANNING", 0)
    calls = []
    monkeypatch.setattr(reader.CalamineWorkbook, "from_filelike",
                        lambda *a: calls.append(a) or pytest.fail("parsed"))
    with pytest.raises(SheetError, match="行数が多すぎます"):
        ids(xlsx([[f"A-{i}"] for i in range(40)]), max_rows=20)
    assert calls == []


def test_small_sheets_scanned_while_parsed_are_still_refused():
    with pytest.raises(SheetError, match="行数が多すぎます"):
        ids(xlsx([[f"A-{i}"] for i in range(40)]), max_rows=20)
    with pytest.raises(SheetError, match="数式"):
        ids(formula_xlsx())
