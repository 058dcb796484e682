"""The catalog as spreadsheets: the public and the operators' downloads (formulas
defused), and the import's upload → preview with 「N行目: …」 → confirm once."""

import io
import re
from datetime import date, timedelta

import openpyxl
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Book, CatalogImport

from .helpers import TODAY, text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["書籍コード", "書名", "著者", "出版社", "分類", "掲載期限", "ライブラリ", "内容紹介"]


def workbook_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "catalog.xlsx"):
    return client.post(
        "/ops/catalog/import", {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def upload_id(response) -> str:
    return re.search(r'name="upload_id"[^>]*value="(\d+)"', text(response)).group(1)


def test_the_public_list_downloads(client, world, make_book):
    make_book("=HYPERLINK(\"http://evil\")", author="+著者")
    make_book("終わった本", listed_until=TODAY - timedelta(days=1))
    make_book("まもなく終わる本", listed_until=TODAY + timedelta(days=5))
    response = client.get("/catalog/books.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    rows = workbook_rows(response)
    assert rows[0] == ["書名", "著者", "出版社", "分類", "掲載期限", "備考"]
    by_title = {row[0]: row for row in rows[1:]}
    assert set(by_title) == {"'=HYPERLINK(\"http://evil\")", "まもなく終わる本"}
    assert by_title["'=HYPERLINK(\"http://evil\")"][1] == "'+著者"  # never a formula
    assert by_title["まもなく終わる本"][4:] == ["2026/06/06", "まもなく掲載終了"]


def test_the_public_download_keeps_the_filters(client, world, make_book):
    make_book("小説")
    make_book("科学", category=world.science)
    rows = workbook_rows(client.get(f"/catalog/books.xlsx?category={world.science.id}"))
    assert [row[0] for row in rows[1:]] == ["科学"]


def test_the_operators_download_is_the_import_template(client, world, operator, make_book):
    make_book("終わった本", listed_until=TODAY - timedelta(days=1))
    make_book("両方の本", libraries=[world.school_library, world.gold])
    client.login("ops")
    assert client.get("/catalog/books.xlsx").status_code == 200  # public, too
    rows = workbook_rows(client.get("/ops/catalog/books.xlsx"))
    assert rows[0] == HEADER
    assert {row[1] for row in rows[1:]} == {"終わった本", "両方の本"}
    both = next(row for row in rows if row[1] == "両方の本")
    assert both[6] == "school gold"
    # Downloaded and uploaded unchanged: every row is an update, nothing breaks.
    preview = upload(client, client.get("/ops/catalog/books.xlsx").data)
    assert preview.status_code == 200 and "更新</dt><dd>2 件" in text(preview)


def test_only_operators_import(client, world):
    assert client.get("/ops/catalog/import").headers["Location"].startswith("/login")
    assert client.get("/ops/catalog/books.xlsx").headers["Location"].startswith("/login")


def test_import_preview_then_confirm(client, world, operator, make_book):
    existing = make_book("古い書名")
    client.login("ops")
    until = (TODAY + timedelta(days=100)).strftime("%Y/%m/%d")
    data = xlsx([
        [existing.code, "新しい書名", "著者 甲", "テスト書房", "日本の小説", until, "", ""],
        ["NEW-001", "追加の本", "著者 乙", "見本出版", "自然科学", date(2027, 3, 31),
         "school gold", "紹介文"],
    ])
    preview = upload(client, data)
    assert preview.status_code == 200
    assert "追加</dt><dd>1 件" in text(preview) and "更新</dt><dd>1 件" in text(preview)
    assert db.session.scalar(select(func.count()).select_from(Book)) == 1  # nothing yet

    done = client.post("/ops/catalog/import/confirm", {"upload_id": upload_id(preview)})
    assert done.status_code == 302
    assert "追加 1 件・更新 1 件" in text(client.get("/ops/catalog/"))
    renamed = db.session.get(Book, existing.id)
    assert renamed.title == "新しい書名"
    assert [x.code for x in renamed.libraries] == ["school"]  # blank: kept as it was
    added = db.session.scalar(select(Book).where(Book.code == "NEW-001"))
    assert added.listed_until == date(2027, 3, 31)
    assert sorted(x.code for x in added.libraries) == ["gold", "school"]
    assert db.session.scalar(select(AuditEntry.action)) == "catalog.import"


def test_a_second_confirm_changes_nothing(client, world, operator):
    client.login("ops")
    preview = upload(client, xlsx([["N-1", "本", "著者", "テスト書房", "日本の小説",
                                    "2027-01-31", "school", ""]]))
    ident = upload_id(preview)
    assert client.post("/ops/catalog/import/confirm", {"upload_id": ident}).status_code == 302
    again = client.post("/ops/catalog/import/confirm", {"upload_id": ident})
    assert again.status_code == 409 and "すでに反映しました" in text(again)
    assert db.session.scalar(select(func.count()).select_from(Book)) == 1


def test_row_errors_name_the_row_and_change_nothing(client, world, operator):
    client.login("ops")
    data = xlsx([
        ["A-1", "よい本", "著者", "テスト書房", "日本の小説", "2027/03/31", "school", ""],
        ["A-2", "", "著者", "ない出版社", "日本の小説", "2027/02/30", "school", ""],
        ["A-1", "重複", "著者", "テスト書房", "ない分類", "来年", "moon", ""],
        ["A-3", "ライブラリなし", "著者", "テスト書房", "日本の小説", "2027/03/31", "", ""],
    ])
    preview = upload(client, data)
    assert preview.status_code == 422
    page = text(preview)
    for message in (
        "3行目: 書名が空です。",
        "3行目: 出版社「ない出版社」は登録されていません。",
        "3行目: 掲載期限「2027/02/30」を日付として読めません。",
        "4行目: 書籍コード「A-1」が2行目と重複しています。",
        "4行目: 分類「ない分類」は登録されていません。",
        "4行目: ライブラリ「moon」はありません。",
        "5行目: 新しい書籍には「ライブラリ」(例: school)を入れてください。",
    ):
        assert message in page, message
    assert 'name="upload_id"' not in page  # no confirm button
    ident = db.session.scalar(select(CatalogImport.id))
    refused = client.post("/ops/catalog/import/confirm", {"upload_id": ident})
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Book)) == 0


def test_files_that_are_not_a_catalog(client, world, operator):
    client.login("ops")
    no_header = upload(client, xlsx([["x"]], header=["なにか"]))
    assert no_header.status_code == 422 and "見出しがある行が見つかりません" in text(no_header)
    pdf = upload(client, b"%PDF-1.4 not a sheet", "list.xlsx")
    assert pdf.status_code == 422 and "このファイルはPDFです" in text(pdf)
    empty = upload(client, xlsx([]))
    assert empty.status_code == 422 and "書籍の行がありません" in text(empty)
    missing = client.post("/ops/catalog/import", {}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "ファイルを選んでください" in text(missing)


def test_a_csv_in_shift_jis_imports(client, world, operator):
    client.login("ops")
    data = ("書籍コード,書名,著者,出版社,分類,掲載期限,ライブラリ\r\n"
            "C-1,ＣＳＶの本,著者,テスト書房,日本の小説,2027年3月31日,School e-Library\r\n")
    preview = upload(client, data.encode("cp932"), "catalog.csv")
    assert preview.status_code == 200, text(preview)
    client.post("/ops/catalog/import/confirm", {"upload_id": upload_id(preview)})
    book = db.session.scalar(select(Book).where(Book.code == "C-1"))
    assert book.listed_until == date(2027, 3, 31) and book.libraries[0].code == "school"


def test_an_older_preview_cannot_overwrite_a_newer_import(client, world, operator):
    client.login("ops")
    row = ["N-1", "本", "著者", "テスト書房", "日本の小説", "2027-01-31", "school", ""]
    older = upload_id(upload(client, xlsx([row])))
    newer = upload_id(upload(client, xlsx([row[:1] + ["新しい本"] + row[2:]])))
    client.post("/ops/catalog/import/confirm", {"upload_id": newer})
    stale = client.post("/ops/catalog/import/confirm", {"upload_id": older})
    assert stale.status_code == 409 and "別の一括登録が反映されています" in text(stale)
