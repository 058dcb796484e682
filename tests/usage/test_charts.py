"""The SVG charts: round axes, escaped text, labels that fit, an empty state."""

import re
import xml.etree.ElementTree as ET

from portal.usage.charts import Bar, bar_list_chart, column_chart, fit, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def test_nice_ticks():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(826) == [0, 500, 1000]
    assert nice_ticks(40) == [0, 10, 20, 30, 40]
    assert nice_ticks(1_000_000)[-1] >= 1_000_000


def test_a_column_chart_is_well_formed_and_escapes_text():
    svg = column_chart("t1", "利用回数 <b>", [Bar("5月", 12, "2026年5月", strong=True),
                                          Bar("<6月>", 0)], "回")
    root = ET.fromstring(str(svg))  # well-formed XML, so no markup slipped through
    assert root.get("role") == "img" and root.get("aria-labelledby") == "t1-title t1-desc"
    assert root.find(f"{SVG}title").text == "利用回数 <b>"
    assert root.find(f"{SVG}desc").text == "2026年5月 12回、<6月> 0回。"
    assert [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect")] == [
        "2026年5月: 12回", "<6月>: 0回"]
    assert "style=" not in str(svg)


def test_an_empty_chart_says_so():
    svg = str(column_chart("t2", "利用回数", [Bar("5月", 0), Bar("6月", 0)], "回"))
    assert "この期間の利用はまだありません" in svg
    assert "この月に開かれた本はありません" in str(bar_list_chart("t3", "本", [], "回"))


def test_long_titles_are_cut_on_the_axis_but_whole_in_the_tooltip():
    title = "とても長い書名の本はここで切られて省略記号が付きます"
    svg = str(bar_list_chart("t4", "よく読まれた本", [Bar(title, 9, f"1位 {title}")], "回"))
    shown = re.findall(r'text-anchor="end"[^>]*>([^<]+)<', svg)
    assert shown == [fit(title, 19)] and shown[0].endswith("…")
    assert f"<title>1位 {title}: 9回</title>" in svg
    assert fit("short", 19) == "short"
