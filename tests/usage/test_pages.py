"""The coordinator's usage pages and the operators' overview: who sees what, the charts
as accessible SVG, the exports."""

import codecs
import io
import re

import openpyxl
import pytest
from factories import PASSWORD

from .helpers import text


@pytest.fixture
def coord(client, may):
    client.login("coord-s", PASSWORD)
    return client


@pytest.fixture
def ops(client, may):
    client.login("ops-u", PASSWORD)
    return client


def test_the_contract_list_shows_last_month(coord, may):
    page = text(coord.get("/usage/"))
    assert f'href="/usage/{may.school_contract}"' in page
    assert "2026年5月の利用したID数" in page
    assert f"/usage/{may.company_contract}" not in page  # another organisation's


def test_the_page_draws_three_accessible_charts(coord, may):
    response = coord.get(f"/usage/{may.school_contract}")  # last month by default
    page = text(response)
    assert response.status_code == 200 and "<h2>2026年5月</h2>" in page
    svgs = re.findall(r"<svg [^>]*>.*?</svg>", page, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        labelled = re.search(r'aria-labelledby="([\w-]+) ([\w-]+)"', svg)
        assert 'role="img"' in svg
        assert f'<title id="{labelled[1]}">' in svg and f'<desc id="{labelled[2]}">' in svg
    assert "2026年5月 7回" in svgs[0]  # the desc reads the values out
    assert "1位 二の本(テスト書房): 4回" in svgs[2]
    assert "style=" not in page and "<script>" not in page  # CSP: no inline styles or scripts
    assert f'href="/usage/{may.school_contract}/2026-05.xlsx"' in page


def test_this_month_is_shown_as_under_way_without_a_download(coord, may):
    page = text(coord.get(f"/usage/{may.school_contract}?month=2026-06"))
    assert "<h2>2026年6月(途中経過)</h2>" in page
    assert "2026-06.xlsx" not in page and "2026年7月1日" in page


def test_an_unknown_month_falls_back_to_last_month(coord, may):
    page = text(coord.get(f"/usage/{may.school_contract}?month=1999-01"))
    assert "<h2>2026年5月</h2>" in page


def test_other_organisations_and_roles_are_kept_out(client, may):
    assert client.get("/usage/").status_code == 302  # to the login page
    client.login("coord-c", PASSWORD)
    assert client.get(f"/usage/{may.school_contract}").status_code == 404
    assert client.get(f"/usage/{may.school_contract}/2026-05.xlsx").status_code == 404
    assert client.get("/ops/usage/").status_code == 403
    client.login("ops-u", PASSWORD)
    assert client.get(f"/usage/{may.school_contract}").status_code == 403


def test_nav_entries(client, may):
    client.login("coord-s", PASSWORD)
    assert '<a href="/usage/"' in text(client.get("/renewals/"))
    client.login("ops-u", PASSWORD)
    assert '<a href="/ops/usage/"' in text(client.get("/ops/renewals"))


def test_the_overview_lists_every_contract(ops, may):
    page = text(ops.get("/ops/usage/?month=2026-05"))
    assert "テスト学園" in page and "テスト商事" in page
    assert len(re.findall(r"<svg ", page)) == 3
    assert "style=" not in page
    assert f'/ops/usage/contracts/{may.school_contract}/2026-05.xlsx' in page


def test_the_overview_exports(ops, may):
    csv = ops.get("/ops/usage/2026-05.csv")
    assert csv.status_code == 200 and csv.data.startswith(codecs.BOM_UTF8)
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("組織コード,組織名,種別,ライブラリ")
    assert lines[1] == "C0001,テスト商事,企業,goldライブラリ,2025/07 ～ 2026/06,1,1,1,1,1"
    assert lines[2] == "S0001,テスト学園,学校,schoolライブラリ,2026/04 ～ 2027/03,4,3,7,8,3"
    sjis = ops.get("/ops/usage/2026-05.csv?encoding=cp932")
    assert "テスト学園" in sjis.data.decode("cp932")
    book = openpyxl.load_workbook(io.BytesIO(ops.get("/ops/usage/2026-05.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[2] == ("S0001", "テスト学園", "学校", "schoolライブラリ", "2026/04 ～ 2027/03",
                       4, 3, 7, 8, 3)


def test_operators_download_any_contracts_report(ops, may):
    response = ops.get(f"/ops/usage/contracts/{may.company_contract}/2026-05.xlsx")
    assert response.status_code == 200
    assert ops.get("/ops/usage/contracts/999/2026-05.xlsx").status_code == 404
