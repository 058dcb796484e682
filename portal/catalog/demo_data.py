"""The demo catalog: 8 publishers, the 9 categories and a few dozen titles.

Every title, author and publisher here is invented, and every page is placeholder text
written for the demo: no real book is copied. Listed-until dates are laid out around the
clock's today, so that some titles leave within 30 days and one has already left.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Book, BookPage, Category, Library, Publisher

PUBLISHERS = [
    ("みなと書房", "request@minato-shobo.example.jp"),
    ("さくら出版", "catalog@sakura-pub.example.jp"),
    ("北斗社", "info@hokutosha.example.jp"),
    ("若葉書店", "elib@wakaba-shoten.example.jp"),
    ("星の森出版", "request@hoshinomori.example.jp"),
    ("風見社", "contact@kazamisha.example.jp"),
    ("あけぼの書院", "books@akebono-shoin.example.jp"),
    ("山河堂", "request@sangado.example.jp"),
]
CATEGORIES = [
    "日本の小説", "海外の小説", "詩・エッセイ", "伝記", "歴史",
    "自然科学", "社会", "芸術・スポーツ", "趣味・実用",
]
# title, author, publisher index, category index, days listed from today (negative: gone)
TITLES = [
    ("坂の上の図書室", "川村 遥", 0, 0, 320), ("夏の終わりの駅", "森田 湊", 1, 0, 12),
    ("灯台守の手紙", "水野 澄", 2, 0, 210), ("放課後の天文部", "高瀬 陽", 3, 0, 400),
    ("雨の日のパン屋", "小野寺 葵", 4, 0, 150), ("霧の港の探偵", "エマ・ホルト(佐伯 訳)", 5, 1, 260),
    ("北の森のオオカミ", "ミハイル・ソロキン(辻 訳)", 6, 1, 25), ("ガラスの時計塔", "ルーシー・ベル(野口 訳)", 7, 1, 330),
    ("砂漠を越える郵便", "アミール・ナセル(原 訳)", 0, 1, 180), ("ことばの散歩道", "石井 千夏", 1, 2, 95),
    ("台所の窓から", "松本 ゆかり", 2, 2, 365), ("小さな詩のノート", "宮原 蒼", 3, 2, 5),
    ("旅する鉛筆", "岡田 実", 4, 2, 240), ("地図をつくった人", "長谷川 誠", 5, 3, 300),
    ("光を追いかけた科学者", "西村 明子", 6, 3, 140), ("はじめて空を飛んだ兄弟", "坂口 隆", 7, 3, 28),
    ("城下町のくらし", "藤田 修", 0, 4, 280), ("縄文の村をたずねて", "大塚 里美", 1, 4, 420),
    ("シルクロードの商人たち", "金子 航", 2, 4, 190), ("江戸の水道", "増田 宏", 3, 4, -5),
    ("星座を見上げて", "桜井 星子", 4, 5, 350), ("川の生きもの図鑑", "平野 渓", 5, 5, 160),
    ("雲のかたちの理由", "上田 空", 6, 5, 230), ("元素のふしぎ", "村上 理", 7, 5, 18),
    ("微生物のいる世界", "中島 結", 0, 5, 380), ("お金のしくみ入門", "吉川 豊", 1, 6, 270),
    ("まちの仕事図鑑", "佐野 みのり", 2, 6, 200), ("ニュースを読む力", "久保 正人", 3, 6, 110),
    ("水と暮らしの未来", "安藤 泉", 4, 6, 345), ("はじめてのデッサン", "菅原 彩", 5, 7, 250),
    ("オーケストラの一日", "堀 響子", 6, 7, 130), ("走ることの科学", "杉山 駿", 7, 7, 310),
    ("将棋の考え方", "今井 歩", 0, 7, 220), ("はじめての料理ノート", "野村 菜々", 1, 8, 290),
    ("部屋の片づけ術", "丸山 整", 2, 8, 170), ("紙で作る模型", "工藤 匠", 3, 8, 360),
    ("家庭菜園の一年", "田村 耕", 4, 8, 120), ("折り紙あそび", "福田 鶴", 5, 8, 400),
]
# Titles only some libraries hold: the school library holds all but these two.
NOT_IN_SCHOOL = {"お金のしくみ入門", "ニュースを読む力"}
COMPANY_CATEGORIES = {"自然科学", "社会", "趣味・実用"}

THEMES = {
    "日本の小説": "主人公は、いつもの帰り道で小さな違和感に気づいた。", "海外の小説": "遠い国の石畳の通りに、朝の霧がゆっくりと流れていく。",
    "詩・エッセイ": "ことばは、目に見えない小さな灯りのようなものだと思う。", "伝記": "その人は、子どものころから「なぜ」を手放さなかった。",
    "歴史": "昔の人びとのくらしは、残された道具や記録から少しずつ見えてくる。", "自然科学": "身の回りの現象には、かならず理由がある。",
    "社会": "わたしたちの毎日は、たくさんの人の仕事に支えられている。", "芸術・スポーツ": "上達の近道は、よく見て、よく感じることだ。",
    "趣味・実用": "まずは道具をそろえすぎず、手もとにあるもので始めてみよう。",
}
SENTENCES = [
    "ここに書かれているのは、デモのために用意した仮の文章です。", "ページをめくると、話は少しずつ先へ進みます。",
    "気になったところには、しおりをはさんでおくと便利です。", "読み終えたら、同じ分類のほかの本も探してみてください。",
    "同じ景色でも、見る人が変われば意味も変わる。", "急がずに、一行ずつ味わうように読んでほしい。",
    "大切なのは、答えよりも問いを持ち続けることかもしれない。", "窓の外では、季節が静かに入れ替わろうとしていた。",
    "小さな発見が、次の小さな発見を連れてくる。", "わからないことは、わからないまま抱えていてもいい。",
    "その日の記録は、短いけれど確かな手ざわりを残した。", "話はここで、思いがけない方向へ曲がっていく。",
]


def ensure() -> bool:
    """Create the demo catalog unless there is one already; True if it was created."""
    if db.session.scalar(select(Publisher.id).limit(1)) is not None:
        return False
    publishers = [Publisher(name=n, contact_email=e) for n, e in PUBLISHERS]
    categories = [Category(name=n, position=i) for i, n in enumerate(CATEGORIES, 1)]
    db.session.add_all(publishers + categories)
    libraries = {lib.code: lib for lib in db.session.scalars(select(Library))}
    today = clock.today()
    for number, (title, author, pub, cat, days) in enumerate(TITLES, 1):
        book = Book(
            code=f"DEMO-{number:04d}", title=title, author=author,
            publisher=publishers[pub], category=categories[cat],
            listed_until=today + timedelta(days=days),
            description=f"{THEMES[CATEGORIES[cat]]}(デモ用の紹介文です)",
        )
        book.libraries = _libraries_for(title, CATEGORIES[cat], libraries)
        db.session.add(book)
        db.session.flush()
        db.session.add_all(
            BookPage(book_id=book.id, number=n, body=body)
            for n, body in enumerate(placeholder_pages(title, CATEGORIES[cat]), 1)
        )
    db.session.commit()
    return True


def _libraries_for(title: str, category: str, libraries: dict[str, Library]) -> list[Library]:
    codes = [] if title in NOT_IN_SCHOOL else ["school"]
    if category in COMPANY_CATEGORIES or title in NOT_IN_SCHOOL:
        codes += ["gold", "platinum"]
        if category == "社会":
            codes.append("silver")
    return [libraries[code] for code in codes if code in libraries]


def placeholder_pages(title: str, category: str) -> list[str]:
    """Pages of invented text for a demo title: the same every time for the same title."""
    rng = random.Random(title)
    pages = []
    for number in range(1, rng.randint(6, 12) + 1):
        paragraphs = [
            "".join(rng.sample(SENTENCES, 3)) for _ in range(rng.randint(3, 4))
        ]
        paragraphs[0] = THEMES[category] + paragraphs[0]
        if number == 1:
            paragraphs.insert(
                0, f"『{title}』の本文は、e-Library のデモのために書いた仮の文章です。実在の書籍の内容ではありません。"
            )
        pages.append("\n\n".join(paragraphs))
    return pages
