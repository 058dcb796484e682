"""A school coordinator's view of its accounts, and issuing the licences left over.

An order buys the smallest 41 + 5a + 10b covering the wanted accounts, so some licences
may be left; the coordinator issues them when pupils arrive, never beyond the contract.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal import accounts, audit, clock, params
from portal.accounts import NewLearner
from portal.dbutil import lock_row
from portal.extensions import db
from portal.models import Contract, Enrolment, Learner, StaffUser
from portal.models.contract import NEW
from portal.models.people import ACTIVE, KIND_LABELS
from portal.school import idlist
from portal.web import Refused

PAGE_SIZE = 100
# What the account list can show: the accounts in use, or every ID the contract had.
VIEWS = {"current": "使用中", "all": "すべて(旧ID・無効を含む)"}


def contracts_of(organisation_id: int) -> list[Contract]:
    """The school's contracts, the latest first."""
    return db.session.scalars(
        select(Contract).where(Contract.organisation_id == organisation_id)
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
    ).all()


@dataclass(frozen=True)
class AccountPage:
    rows: list[tuple[Learner, str | None]]  # each learner and the ID that replaced it
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def account_page(contract_id: int, view: str, search: str, page: int) -> AccountPage:
    """One page of the contract's IDs, in ID order; ``search`` matches part of an ID."""
    newer = aliased(Learner)
    query = (
        select(Learner, newer.login_id)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .outerjoin(newer, newer.id == Learner.replaced_by_id)
        .where(Enrolment.contract_id == contract_id)
    )
    if view != "all":
        query = query.where(Learner.status == ACTIVE, Learner.replaced_by_id.is_(None))
    typed = unicodedata.normalize("NFKC", search or "").strip()[:64]
    if typed:
        query = query.where(func.upper(Learner.login_id).contains(typed.upper(), autoescape=True))
    total = db.session.scalar(query.with_only_columns(func.count()).order_by(None))
    page = min(max(1, page), max(1, -(-total // PAGE_SIZE)))
    rows = db.session.execute(
        query.order_by(Learner.login_id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return AccountPage([(learner, newer_id) for learner, newer_id in rows], total, page)


def parse_spare_request(kind: str | None, count: str | None) -> tuple[str, int]:
    """The kind and number of accounts asked for, or ValueError in Japanese."""
    if kind not in KIND_LABELS:
        raise ValueError("アカウント種別を「個人」か「共用」から選んでください。")
    cleaned = unicodedata.normalize("NFKC", count or "").strip()
    number = params.whole(cleaned, low=1, high=10_000)
    if number is None:
        raise ValueError("発行する数は1以上の整数(半角数字、10,000まで)で入力してください。")
    return kind, number


def issue_spare(contract: Contract, kind: str, count: int, actor: StaffUser) -> list[int]:
    """Issue ``count`` more accounts of ``kind`` within the licences left; their ids."""
    if contract.access_until < clock.today():
        raise Refused("このご契約は終了しています。", title="発行できません")
    lock_row(Contract, contract.id)  # two tabs at once cannot both take the last licences
    left = contract.seats - accounts.enrolled_count(contract.id)
    if count > left:
        raise Refused(
            f"残りのライセンスは {max(left, 0)} です。{count} 件は発行できません。",
            "ライセンスを追加する場合は、販売会社または事務局にご相談ください。",
            title="ライセンスが足りません",
        )
    ids = accounts.issue(contract.organisation_id, contract.id,
                         [NewLearner(kind=kind)] * count, NEW)
    audit.record("school.issue_accounts", contract, actor, contract.organisation_id,
                 kind=kind, count=count)
    db.session.commit()
    return ids


def counts(contract: Contract) -> idlist.Counts:
    """The contract's account counts."""
    return idlist.counts(contract.id)
