"""Factories for test data: small callables with sensible defaults."""

from __future__ import annotations

from datetime import date
from itertools import count

from sqlalchemy import select

from portal import security
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

PASSWORD = "test-pass-123"
_seq = count(1)


class Factory:
    """``make.organisation()``, ``make.contract(...)``: each returns a flushed row."""

    def library(self, code="gold", name=None, family="company", rank=2, **fields) -> Library:
        existing = db.session.scalar(select(Library).where(Library.code == code))
        if existing:
            return existing
        library = Library(code=code, name=name or f"{code}ライブラリ", family=family, rank=rank,
                          **fields)
        if family != "school":
            library.courses = [Course(code="c1", name="基礎", position=1),
                               Course(code="c2", name="応用", position=2)]
        return self._add(library)

    def organisation(self, kind="company", prefecture=13, code=None, name=None) -> Organisation:
        n = next(_seq)
        return self._add(Organisation(
            code=code or f"T{n:04d}", name=name or f"テスト組織{n}", kind=kind,
            prefecture=prefecture,
        ))

    def coordinator(self, organisation, login_id=None, email=None) -> StaffUser:
        n = next(_seq)
        return self._add(StaffUser(
            login_id=login_id or f"coord-{n}", name=f"担当者{n}",
            email=email or f"coord{n}@example.jp", role="coordinator",
            organisation=organisation, password_hash=security.hash_password(PASSWORD),
        ))

    def operator(self, login_id=None) -> StaffUser:
        n = next(_seq)
        return self._add(StaffUser(
            login_id=login_id or f"ops-{n}", name=f"事務局{n}", email=f"ops{n}@example.jp",
            role="operator", password_hash=security.hash_password(PASSWORD),
        ))

    def distributor(self, prefectures=(13,), email=None) -> Distributor:
        n = next(_seq)
        distributor = Distributor(name=f"販売会社{n}", email=email or f"dist{n}@example.jp")
        distributor.prefectures = [DistributorPrefecture(prefecture=p) for p in prefectures]
        return self._add(distributor)

    def contract(self, organisation=None, library=None, starts_on=date(2023, 1, 1),
                 ends_on=date(2023, 12, 31), seats=20, **fields) -> Contract:
        return self._add(Contract.for_term(
            starts_on, ends_on, organisation=organisation or self.organisation(),
            library=library or self.library(), seats=seats, **fields,
        ))

    def learner(self, contract, login_id=None, email=None, kind="personal", **fields) -> Learner:
        n = next(_seq)
        learner = Learner(
            organisation_id=contract.organisation_id,
            login_id=login_id or f"{contract.organisation.code}-{n:05d}",
            email=email, kind=kind, card_password=security.seal(PASSWORD), **fields,
        )
        db.session.add(learner)
        db.session.add(Enrolment(contract=contract, learner=learner, source="initial"))
        db.session.flush()
        return learner

    def _add(self, row):
        db.session.add(row)
        db.session.flush()
        return row
