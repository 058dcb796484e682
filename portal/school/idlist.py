"""A school contract's ID/password list (ID・パスワード一覧) and account cards.

Both show the accounts in use: active and not replaced. After a March rotation that is the
new IDs; after a reissue, the new account instead of the lost one. The passwords are the
issued ones (docs/SECURITY.md), read back for printing; nothing of this goes by email.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal import clock, security
from portal.extensions import db
from portal.models import Contract, Enrolment, Learner
from portal.models.people import ACTIVE, KIND_LABELS, PERSONAL, SHARED
from portal.sheets import Sheet

HEADER = ["ユーザID", "パスワード", "アカウント種別", "発行日", "備考"]
WIDTHS = [16, 14, 12, 12, 28]
OWN_PASSWORD = "(本人が設定済み)"
UNREADABLE = "(再発行が必要です)"  # SECRET_KEY changed since issue: see docs/SECURITY.md


def in_use(contract_id: int):
    """The contract's accounts in use, as a query of Learner rows by ID."""
    return (
        select(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.contract_id == contract_id, Learner.status == ACTIVE,
               Learner.replaced_by_id.is_(None))
        .order_by(Learner.login_id)
    )


def password_of(learner: Learner) -> str:
    """The issued password to print, or why there is none."""
    if learner.card_password:
        return security.unseal(learner.card_password) or UNREADABLE
    return OWN_PASSWORD if learner.password_hash else UNREADABLE


def rows(contract: Contract) -> Iterator[tuple]:
    """The list's rows, streamed; a replacement names the ID it replaced."""
    old = aliased(Learner)
    query = (
        in_use(contract.id)
        .outerjoin(old, old.replaced_by_id == Learner.id)
        .add_columns(old.login_id, old.status)
        .execution_options(yield_per=2000)
    )
    for learner, old_login, old_status in db.session.execute(query):
        note = ""
        if old_login:
            note = (f"{old_login} の再発行" if old_status != ACTIVE
                    else f"{old_login} の年度更新")
        yield (learner.login_id, password_of(learner), KIND_LABELS[learner.kind],
               clock.tokyo(learner.created_at).strftime("%Y/%m/%d"), note)


def sheet(contract: Contract) -> Sheet:
    """The list as one worksheet for ``portal.sheets``."""
    return Sheet("ID・パスワード一覧", HEADER, rows(contract), text_columns=(0, 1),
                 widths=WIDTHS)


def filename(contract: Contract, today: date) -> str:
    """ID・パスワード一覧_S0012_20270301.xlsx"""
    return f"ID・パスワード一覧_{contract.organisation.code}_{today:%Y%m%d}.xlsx"


def cards(contract: Contract, kind: str | None = None,
          learner_ids: list[int] | None = None) -> list[tuple[Learner, str]]:
    """Account cards to print: every account in use, one kind, or the ones named."""
    query = in_use(contract.id)
    if kind in (PERSONAL, SHARED):
        query = query.where(Learner.kind == kind)
    if learner_ids:
        query = query.where(Learner.id.in_(learner_ids))
    return [(learner, password_of(learner)) for learner in db.session.scalars(query)]


@dataclass(frozen=True)
class Counts:
    """Accounts of a contract: in use by kind, licences left, and old IDs still working."""

    seats: int
    personal: int
    shared: int
    rotated_old: int  # replaced in a rotation, still working until their date

    @property
    def in_use(self) -> int:
        return self.personal + self.shared

    @property
    def spare(self) -> int:
        return max(0, self.seats - self.in_use)


def counts(contract_id: int) -> Counts:
    """The contract's account counts (one query per figure, all indexed)."""
    contract = db.session.get(Contract, contract_id)
    by_kind = dict(db.session.execute(
        in_use(contract_id).with_only_columns(Learner.kind, func.count())
        .group_by(Learner.kind).order_by(None)
    ).all())
    rotated = db.session.scalar(
        select(func.count()).select_from(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.contract_id == contract_id, Learner.status == ACTIVE,
               Learner.replaced_by_id.is_not(None), Learner.valid_until >= clock.today())
    )
    return Counts(contract.seats, by_kind.get(PERSONAL, 0), by_kind.get(SHARED, 0), rotated)
