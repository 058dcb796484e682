"""Learner registration: download, continuing upload, confirm, finish, in every format;
bad input refused with the row named and nothing changed; steps closed when they are."""

import io
import threading

import openpyxl
import pytest
from conftest import PortalClient
from factories import PASSWORD
from renewal_helpers import on
from sheet_files import EXECUTABLE, entity_bomb, lying_dimension, shared_string_bomb, xlsx, zip_bomb
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Enrolment, Learner, Renewal


@pytest.fixture
def coord(app, approved):
    client = PortalClient(app)
    client.login("coord-x", PASSWORD)
    return client


def url(approved, path=""):
    return f"/renewals/{approved['contract_id']}{path}"


def upload(client, approved, data, filename="list.xlsx"):
    return client.post(url(approved, "/continuing"),
                       {"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def upload_id_of(response) -> str:
    import re

    return re.search(r'name="upload_id" value="(\d+)"', response.get_data(as_text=True)).group(1)


def continued(approved) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(
        select(Learner.login_id).join(Enrolment)
        .where(Enrolment.contract_id == approved["successor_id"], Enrolment.source == "continued")
    ))


def ids(approved, numbers):
    return [f"{approved['org_code']}-{n:03d}" for n in numbers]


# --- the round trip in three formats ----------------------------------------------------


def edit_xlsx(data: bytes, keep) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    for row in range(sheet.max_row, 1, -1):
        if sheet.cell(row, 1).value not in keep:
            sheet.delete_rows(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def edit_csv(data: bytes, keep, encoding) -> bytes:
    text = data.decode(encoding)
    lines = text.split("\r\n")
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] in keep]
    return "\r\n".join(kept).encode(encoding)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "cp932"])
def test_round_trip_download_delete_upload_confirm_finish(coord, approved, fmt):
    keep = ids(approved, [1, 2, 3, 5, 8])
    if fmt == "xlsx":
        download = coord.get(url(approved, "/users.xlsx"))
        edited, name = edit_xlsx(download.data, keep), "ユーザID一覧.xlsx"
    else:
        query = "?encoding=cp932" if fmt == "cp932" else ""
        download = coord.get(url(approved, f"/users.csv{query}"))
        encoding = "cp932" if fmt == "cp932" else "utf-8-sig"
        edited, name = edit_csv(download.data, keep, encoding), "ユーザID一覧.csv"
    assert download.status_code == 200
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]

    preview = upload(coord, approved, edited, name)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "継続する" in page and "<strong>5</strong> / 新しい契約 12" in page
    assert continued(approved) == []  # a preview changes nothing

    done = coord.post(url(approved, "/continuing/confirm"), {"upload_id": upload_id_of(preview)})
    assert done.status_code == 302
    assert continued(approved) == sorted(keep)

    assert "継続するユーザID</dt><dd><strong>5" in coord.get(url(approved, "/finalize")).get_data(
        as_text=True)
    assert coord.post(url(approved, "/finalize")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Renewal, approved["renewal_id"]).continuation_finished_at is not None


def test_downloaded_list_has_the_contract_columns(coord, approved):
    sheet = openpyxl.load_workbook(io.BytesIO(coord.get(url(approved, "/users.xlsx")).data)).active
    header = [c.value for c in sheet[1]]
    assert header == ["ユーザID", "氏名", "性別", "メールアドレス", "アカウント種別", "作成日", "更新日"]
    assert sheet.max_row == 11 and sheet["A2"].data_type == "s" and sheet["A2"].number_format == "@"


def test_formula_looking_names_are_defused_in_every_download(coord, approved):
    learner = db.session.scalar(select(Learner).where(Learner.login_id == ids(approved, [1])[0]))
    learner.name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    sheet = openpyxl.load_workbook(io.BytesIO(coord.get(url(approved, "/users.xlsx")).data)).active
    assert sheet["B2"].value.startswith("'=") and sheet["B2"].data_type == "s"
    assert "'=HYPERLINK" in coord.get(url(approved, "/users.csv")).data.decode("utf-8-sig")


def test_cp932_download_reports_characters_it_cannot_hold(coord, approved):
    learner = db.session.scalar(select(Learner).where(Learner.login_id == ids(approved, [3])[0]))
    learner.name = "𠮷田"
    db.session.commit()
    response = coord.get(url(approved, "/users.csv?encoding=cp932"))
    assert response.status_code == 409
    assert "「𠮷」" in response.get_data(as_text=True)
    assert coord.get(url(approved, "/users.csv")).status_code == 200  # UTF-8 holds it


def test_upload_again_replaces_and_shows_the_difference(coord, approved):
    first = upload(coord, approved, xlsx([[i] for i in ids(approved, [1, 2, 3])]))
    coord.post(url(approved, "/continuing/confirm"), {"upload_id": upload_id_of(first)})
    second = upload(coord, approved, xlsx([[i] for i in ids(approved, [2, 3, 4])]))
    page = second.get_data(as_text=True)
    assert "追加 1・削除 1" in page
    coord.post(url(approved, "/continuing/confirm"), {"upload_id": upload_id_of(second)})
    assert continued(approved) == ids(approved, [2, 3, 4])
    history = coord.get(url(approved, "/continuing")).get_data(as_text=True)
    assert "現在のリスト" in history and "以前のリスト" in history


def test_preview_tabs_page_and_list_dropped(coord, approved):
    preview = upload(coord, approved, xlsx([[i] for i in ids(approved, [1])]))
    uid = upload_id_of(preview)
    dropped = coord.get(url(approved, f"/continuing/uploads/{uid}?tab=dropped"),
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in dropped and ids(approved, [10])[0] in dropped
    assert ids(approved, [1])[0] not in dropped


# --- bad input ----------------------------------------------------------------------------


def test_row_errors_are_named_and_block_the_confirm(coord, approved, make):
    other = make.organisation(code="ZZ99")
    stranger = make.learner(make.contract(other), login_id="ZZ99-001")
    db.session.commit()
    rows = [[ids(approved, [1])[0]], ["NOPE-404"], [stranger.login_id], [ids(approved, [1])[0]],
            [""]]
    rows[4] = ["", "名前だけの行"]
    preview = upload(coord, approved, xlsx(rows, header=["ユーザID", "氏名"]))
    text = preview.get_data(as_text=True)  # a preview with errors opens on them
    assert "3行目: ユーザID「NOPE-404」はこの契約のユーザIDではありません。" in text
    # Another organisation's ID reads like an unknown one: its existence is not told.
    assert "4行目: ユーザID「ZZ99-001」はこの契約のユーザIDではありません。" in text
    assert f"5行目: ユーザID「{ids(approved, [1])[0]}」が重複しています(2行目と同じ)。" in text
    assert "6行目: ユーザIDが空です。" in text
    response = coord.post(url(approved, "/continuing/confirm"), {"upload_id": upload_id_of(preview)})
    assert response.status_code == 409
    assert continued(approved) == []


def test_more_ids_than_the_new_count(coord, approved, make):
    contract_org = approved["org_code"]
    from portal.models import Contract

    contract = db.session.get(Contract, approved["contract_id"])
    for n in range(11, 15):
        make.learner(contract, login_id=f"{contract_org}-{n:03d}")
    db.session.commit()
    preview = upload(coord, approved, xlsx([[i] for i in ids(approved, range(1, 15))]))
    errors = coord.get(url(approved, f"/continuing/uploads/{upload_id_of(preview)}?tab=errors"))
    assert "14行目: 新しい契約のユーザID数(12)を超えています。" in errors.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, name, message",
    [
        (xlsx([["x"]], header=["番号"]), "list.xlsx", "見出しがある行が見つかりません"),
        (EXECUTABLE, "list.xlsx", "実行ファイル"),
        (zip_bomb(50), "list.xlsx", "圧縮"),
        (entity_bomb(xlsx([["A"]])), "list.xlsx", "DTD"),
        (b"\x00\x00binary", "list.csv", "文字のファイルではありません"),
        (("ユーザID\r\nA-1\r\n" + "x" * 140_000 + "\r\n").encode(), "list.csv",
         "3行目: 1つのセルの文字が多すぎます"),
        (shared_string_bomb(20_000, 5_000), "list.xlsx", "文字の量が多すぎます"),
    ],
)
def test_files_refused_change_nothing(coord, approved, data, name, message):
    response = upload(coord, approved, data, name)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and "保存されているリストは変わっていません" in text
    assert continued(approved) == []


def test_content_not_name_tells_the_kind(coord, approved):
    data = ("ユーザID\r\n" + ids(approved, [1])[0] + "\r\n").encode("cp932")
    preview = upload(coord, approved, data, "really-a-csv.xlsx")
    assert preview.status_code == 200 and "CSV・Shift-JIS" in preview.get_data(as_text=True)


def test_lying_dimension_is_read_completely(coord, approved):
    data = lying_dimension(xlsx([[i, "x"] for i in ids(approved, range(1, 9))],
                                header=["ユーザID", "氏名"]))
    page = upload(coord, approved, data).get_data(as_text=True)
    assert "<strong>8</strong> / 新しい契約 12" in page


def test_oversized_upload_gets_413(coord, approved, app):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    assert upload(coord, approved, b"x" * 20_000, "big.csv").status_code == 413


# --- steps open and closed ------------------------------------------------------------------


def test_steps_refuse_before_approval(app, client, world):
    on(app, "2023-12-15")
    client.login("coord-x", PASSWORD)
    for path in ("/users.xlsx", "/users.csv", "/continuing", "/finalize", "/new-users",
                 "/opening-emails"):
        response = client.get(f"/renewals/{world['contract_id']}{path}")
        assert response.status_code == 409, path
        assert "承認" in response.get_data(as_text=True)


def test_steps_refuse_before_the_eleventh_of_m_minus_1(app, coord, approved):
    on(app, "2023-12-10")
    response = coord.get(url(approved, "/continuing"))
    assert response.status_code == 409 and "2023年12月11日" in response.get_data(as_text=True)
    on(app, "2023-12-11")
    assert coord.get(url(approved, "/continuing")).status_code == 200


def test_continuation_closes_after_the_last_day_of_m(app, coord, approved):
    on(app, "2024-01-31")
    coord.login("coord-x", PASSWORD)  # 47 days later: the staff session has expired
    assert coord.get(url(approved, "/continuing")).status_code == 200
    on(app, "2024-02-01")
    coord.login("coord-x", PASSWORD)
    response = upload(coord, approved, xlsx([[ids(approved, [1])[0]]]))
    assert response.status_code == 409 and "期限" in response.get_data(as_text=True)
    assert coord.post(url(approved, "/finalize")).status_code == 409
    assert continued(approved) == []


def test_after_finish_uploads_are_refused_and_finish_is_once(coord, approved):
    assert coord.post(url(approved, "/finalize")).status_code == 302
    again = coord.post(url(approved, "/finalize"), follow_redirects=True)
    assert "すでに終了" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "renewal.finish_continuation")) == 1
    response = upload(coord, approved, xlsx([[ids(approved, [1])[0]]]))
    assert response.status_code == 409 and "終了" in response.get_data(as_text=True)


def test_new_ids_wait_for_the_finish(coord, approved):
    response = coord.get(url(approved, "/new-users"))
    assert response.status_code == 409 and "継続処理終了" in response.get_data(as_text=True)
    assert coord.get(url(approved, "/opening-emails")).status_code == 409


def test_another_organisation_gets_404_on_every_step(app, client, approved, make):
    other = make.organisation()
    make.coordinator(other, login_id="coord-other")
    db.session.commit()
    client.login("coord-other", PASSWORD)
    base = url(approved)
    for path in ("/users.xlsx", "/users.csv", "/continuing", "/continuing/uploads/1",
                 "/finalize", "/new-users", "/new-users/template.xlsx", "/courses",
                 "/opening-emails", "/account-cards", "/new-users/uploads/1"):
        assert client.get(base + path).status_code == 404, path
    for path, data in [("/continuing/confirm", {"upload_id": "1"}), ("/finalize", {}),
                       ("/new-users/confirm", {"upload_id": "1"}), ("/opening-emails", {}),
                       ("/opening-emails/resend", {}), ("/courses", {"learner_id": "1"})]:
        assert client.post(base + path, data).status_code == 404, path
    assert continued(approved) == []


# --- two at once ----------------------------------------------------------------------------


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.postgres
def test_two_confirms_at_once_leave_one_whole_list(app, approved):
    a, b = PortalClient(app), PortalClient(app)
    for client in (a, b):
        client.login("coord-x", PASSWORD)
    first = upload_id_of(upload(a, approved, xlsx([[i] for i in ids(approved, [1, 2, 3])])))
    second = upload_id_of(upload(b, approved, xlsx([[i] for i in ids(approved, [4, 5])])))
    results = run_together(
        lambda: a.post(url(approved, "/continuing/confirm"), {"upload_id": first}),
        lambda: b.post(url(approved, "/continuing/confirm"), {"upload_id": second}),
    )
    assert [r.status_code for r in results] == [302, 302]
    assert continued(approved) in (ids(approved, [1, 2, 3]), ids(approved, [4, 5]))


@pytest.mark.postgres
def test_two_finishes_at_once_finish_once(app, approved):
    a, b = PortalClient(app), PortalClient(app)
    for client in (a, b):
        client.login("coord-x", PASSWORD)
        client.csrf_token()
    results = run_together(lambda: a.post(url(approved, "/finalize")),
                           lambda: b.post(url(approved, "/finalize")))
    assert [r.status_code for r in results] == [302, 302]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "renewal.finish_continuation")) == 1


def test_list_dates_are_tokyo_dates(coord, approved):
    from datetime import UTC, datetime

    learner = db.session.scalar(select(Learner).where(Learner.login_id == ids(approved, [1])[0]))
    learner.created_at = datetime(2023, 12, 31, 15, 30, tzinfo=UTC)  # 00:30 on 1 Jan in Tokyo
    db.session.commit()
    sheet = openpyxl.load_workbook(io.BytesIO(coord.get(url(approved, "/users.xlsx")).data)).active
    assert sheet["F2"].value == "2024/01/01"
