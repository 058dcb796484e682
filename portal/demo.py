"""Demo data laid out around the clock's today, so that every renewal step is open.

Company A's contract ends in the month before the opening month M, where M is chosen so
that today falls between the 11th of M-1 (registration opens) and the 10th of M (the
application deadline): the coordinator can apply now and register as soon as approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from portal import clock, deadlines, security
from portal.catalog import demo_data as demo_catalog
from portal.extensions import db
from portal.models import (
    Contract,
    Course,
    Distributor,
    DistributorPrefecture,
    Enrolment,
    Learner,
    Library,
    Organisation,
    StaffUser,
)
from portal.models.contract import INITIAL
from portal.models.people import PERSONAL, SHARED
from portal.orders import demo_data as demo_orders
from portal.usage import demo_data as demo_usage

PASSWORD = "demo-pass"
KANTO = range(8, 15)  # 茨城 … 神奈川

LIBRARIES = [
    # code, name, family, rank, courses
    ("silver", "銀ライブラリ", "company", 1, ["ビジネス基礎", "コンプライアンス"]),
    ("gold", "金ライブラリ", "company", 2, ["新入社員基礎", "中堅社員", "管理職"]),
    ("platinum", "プラチナライブラリ", "company", 3, ["新入社員基礎", "中堅社員", "管理職", "経営"]),
    ("english", "ビジネス英語ライブラリ", "english", 1, ["初級", "中級", "上級"]),
    ("school", "School e-Library", "school", 1, []),
]
A_LEARNERS = [
    ("山田 太郎", "男性"), ("佐藤 花子", "女性"), ("鈴木 一郎", "男性"), ("高橋 美咲", "女性"),
    ("田中 健", "男性"), ("伊藤 さくら", "女性"), ("渡辺 翔", "男性"), ("中村 葵", "女性"),
    ("小林 大輔", "男性"), ("加藤 結衣", "女性"),
]


@dataclass
class DemoLogins:
    personal: str
    shared: str
    a_contract: Contract
    b_contract: Contract


def opening_month_for(today: date) -> date:
    """The opening month M that puts ``today`` inside both the application window and
    the registration period."""
    if today.day >= deadlines.REGISTRATION_FIRST_DAY:
        return deadlines.add_months(today, 1)
    return deadlines.month_start(today)


def load(reset: bool = False) -> DemoLogins:
    """Create the demo data (or find it) and answer the logins to print."""
    if reset:
        erase_everything()
    existing = db.session.scalar(select(Organisation).where(Organisation.code == "A0001"))
    if existing is None:
        _create()
        db.session.commit()
    demo_catalog.ensure()  # on its own: a demo laid out before the catalog existed gets it too
    demo_orders.ensure()  # likewise for the school prices and the Kanto order
    demo_usage.ensure()  # after the catalog: the events open its titles
    return _logins()


def erase_everything() -> None:
    """Delete every row of every table (the demo's --reset)."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    db.session.commit()


def _create() -> None:
    libraries = {code: _library(code, name, family, rank, courses)
                 for code, name, family, rank, courses in LIBRARIES}
    kanto = Distributor(name="関東教科書供給株式会社", email="orders@kanto-kyokasho.example.jp")
    kanto.prefectures = [DistributorPrefecture(prefecture=p) for p in KANTO]
    db.session.add(kanto)
    _staff("ops", "事務局 太田", "office@elibrary.example.jp", "operator")
    _staff("dist-kanto", "関東教科書供給 受注係", kanto.email, "distributor", distributor=kanto)

    company = _organisation("A0001", "A株式会社", "company", 13)
    company.learner_seq = len(A_LEARNERS)
    _staff("coord-a", "A社 教育担当 青木", "aoki@a-corp.example.jp", "coordinator", company)
    opening = opening_month_for(clock.today())
    a_contract = Contract.for_term(
        deadlines.add_months(opening, -12), deadlines.add_months(opening, -1),
        organisation=company, library=libraries["gold"], seats=20,
    )
    db.session.add(a_contract)
    for number, (name, gender) in enumerate(A_LEARNERS, start=1):
        login = f"{company.code}-{number:03d}"
        _enrol(a_contract, Learner(
            organisation=company, login_id=login, name=name, gender=gender,
            email=f"{login.lower()}@a-corp.example.jp", kind=PERSONAL,
        ))

    school = _organisation("B0001", "B学園中学校・高等学校", "school", 14)
    school.learner_seq = 41
    _staff("coord-b", "B学園 図書担当 木村", "kimura@b-gakuen.example.jp", "coordinator", school)
    fiscal_start = date(clock.today().year - (clock.today().month < 4), 4, 1)
    b_contract = Contract.for_term(
        fiscal_start, deadlines.fiscal_first_term_end(fiscal_start),
        organisation=school, library=libraries["school"], seats=41,
        personal_seats=30, shared_seats=11, yearly_rotation=True,
    )
    db.session.add(b_contract)
    for number in range(1, 42):
        kind = PERSONAL if number <= 30 else SHARED
        _enrol(b_contract, Learner(
            organisation=school, login_id=f"{school.code}-{number:03d}", kind=kind,
        ))
    db.session.flush()


def _library(code, name, family, rank, courses) -> Library:
    library = Library(code=code, name=name, family=family, rank=rank,
                      min_seats=41 if family == "school" else 1)
    library.courses = [Course(code=f"c{i}", name=c, position=i) for i, c in enumerate(courses, 1)]
    db.session.add(library)
    return library


def _organisation(code, name, kind, prefecture) -> Organisation:
    org = Organisation(code=code, name=name, kind=kind, prefecture=prefecture)
    db.session.add(org)
    return org


def _staff(login_id, name, email, role, organisation=None, distributor=None) -> StaffUser:
    user = StaffUser(
        login_id=login_id, name=name, email=email, role=role, organisation=organisation,
        distributor=distributor, password_hash=security.hash_password(PASSWORD),
    )
    db.session.add(user)
    return user


def _enrol(contract: Contract, learner: Learner) -> None:
    learner.card_password = security.seal(PASSWORD)
    db.session.add(learner)
    db.session.add(Enrolment(contract=contract, learner=learner, source=INITIAL))


def _logins() -> DemoLogins:
    school = db.session.scalar(select(Organisation).where(Organisation.code == "B0001"))
    company = db.session.scalar(select(Organisation).where(Organisation.code == "A0001"))

    def first(kind: str) -> str:
        return db.session.scalar(
            select(Learner.login_id)
            .where(Learner.organisation_id == school.id, Learner.kind == kind)
            .order_by(Learner.login_id)
        )

    return DemoLogins(
        personal=first(PERSONAL),
        shared=first(SHARED),
        a_contract=company.contracts[0],
        b_contract=school.contracts[0],
    )


def describe(logins: DemoLogins) -> str:
    """The text `flask demo` prints."""
    a, b = logins.a_contract, logins.b_contract
    cal = a.calendar
    return "\n".join([
        f"Demo data around {clock.today():%Y-%m-%d} (Asia/Tokyo). Password for every login: {PASSWORD}",
        "  operator     ops",
        f"  coordinator  coord-a     A株式会社, {a.library.name}, {a.seats} IDs, "
        f"contract {a.term_label}; renewal window {cal.apply_opens} to {cal.apply_closes}, "
        f"registration from {cal.registration_opens}",
        f"  coordinator  coord-b     B学園 (school), personal {b.personal_seats} + shared "
        f"{b.shared_seats} accounts, contract {b.term_label}",
        "  distributor  dist-kanto  関東教科書供給 (prefectures 8-14)",
        f"learner personal: {logins.personal} / {PASSWORD}",
        f"learner shared: {logins.shared} / {PASSWORD}",
        demo_orders.describe(),
        "Staff log in at /login, learners at /learn/login.",
    ])
