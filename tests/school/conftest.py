"""Fixtures of the school tests: the school library, two distributors (Kanto, Kansai) and
the secretariat, a valid application, and a school with a contract and issued accounts.

Tests keep ids across requests (each request leaves the test's app context, which ends
its database session); ``World`` hands out fresh rows by id.
"""

from __future__ import annotations

from datetime import date

import pytest
from factories import PASSWORD

from portal import accounts, security
from portal.accounts import NewLearner
from portal.extensions import db
from portal.models import (
    Contract,
    Distributor,
    DistributorPrefecture,
    Library,
    Organisation,
    StaffUser,
)
from portal.models.contract import INITIAL

TODAY = "2026-06-10"
KANTO = range(8, 15)
KANSAI = range(25, 31)


class World:
    """Rows of the test's world, fetched by id on each use."""

    def __init__(self, **rows):
        self._ids = {name: (type(row), row.id) for name, row in rows.items()}

    def __getattr__(self, name):
        model, ident = self._ids[name]
        return db.session.get(model, ident)

    def id(self, name: str) -> int:
        return self._ids[name][1]


def staff(login_id, role, email, **fields) -> StaffUser:
    user = StaffUser(login_id=login_id, name=f"{login_id} 担当", email=email, role=role,
                     password_hash=security.hash_password(PASSWORD), **fields)
    db.session.add(user)
    return user


@pytest.fixture
def world(app):
    app.config["PORTAL_TODAY"] = TODAY
    library = Library(code="school", name="School e-Library", family="school", min_seats=41)
    kanto = Distributor(name="関東テスト供給", email="kanto@dist.example.jp")
    kanto.prefectures = [DistributorPrefecture(prefecture=p) for p in KANTO]
    kansai = Distributor(name="関西テスト供給", email="kansai@dist.example.jp")
    kansai.prefectures = [DistributorPrefecture(prefecture=p) for p in KANSAI]
    db.session.add_all([library, kanto, kansai])
    rows = {
        "library": library, "kanto": kanto, "kansai": kansai,
        "dist_kanto": staff("dist-k", "distributor", kanto.email, distributor=kanto),
        "dist_kansai": staff("dist-w", "distributor", kansai.email, distributor=kansai),
        "operator": staff("ops-s", "operator", "office@example.jp"),
    }
    db.session.commit()
    return World(**rows)


def application(**overrides) -> dict:
    """The fields of a valid public application (a Saitama school: Kanto's region)."""
    fields = {
        "school_name": "テスト市立みどり中学校", "prefecture": "11", "contact_name": "図書 花子",
        "contact_email": "tosho@midori.example.jp", "personal": "42", "shared": "10",
        "start_month": "2026-07", "first_term": "twelve", "submission_key": "form-1",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


@pytest.fixture
def school(app, world):
    """A school (Tokyo, Kanto) with a contract from 2026-09 to 2027-08 asking for the
    yearly rotation, 3 personal and 2 shared accounts issued on 2026-09-01, and its
    coordinator ``coord-s``. The clock is left at 2026-09-01."""
    app.config["PORTAL_TODAY"] = "2026-09-01"
    org = Organisation(code="S0900", name="テスト学園", kind="school", prefecture=13)
    contract = Contract.for_term(date(2026, 9, 1), date(2027, 8, 31), organisation=org,
                                 library=world.library, seats=46, personal_seats=3,
                                 shared_seats=2, yearly_rotation=True)
    coordinator = staff("coord-s", "coordinator", "coord@gakuen.example.jp", organisation=org)
    db.session.add_all([org, contract])
    db.session.flush()
    accounts.issue(org.id, contract.id,
                   [NewLearner("personal")] * 3 + [NewLearner("shared")] * 2, INITIAL)
    db.session.commit()
    return World(org=org, contract=contract, coordinator=coordinator)


def confirm_by_email(client) -> object:
    """Follow the link of the newest applicant receipt and press 「お申込みを確定する」,
    as the applicant would; the confirmation's answer."""
    import re

    from sqlalchemy import select

    from portal.models import OutboundEmail

    db.session.expire_all()
    body = db.session.scalar(
        select(OutboundEmail.body_text)
        .where(OutboundEmail.kind == "school_order_received_to_applicant")
        .order_by(OutboundEmail.id.desc()).limit(1))
    link = re.search(r"http://portal\.test(/apply/confirm/\S+)", body)[1]
    assert client.get(link).status_code == 303
    return client.post("/apply/confirm")
