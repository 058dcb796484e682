"""The user-ID list (ユーザID一覧) of a contract, as the coordinator downloads it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Contract, Enrolment, Learner
from portal.models.people import KIND_LABELS
from portal.sheets import Sheet

# The public contract (DESIGN §5): ユーザID first, then these, in this order.
HEADER = ["ユーザID", "氏名", "性別", "メールアドレス", "アカウント種別", "作成日", "更新日"]
WIDTHS = [18, 16, 6, 32, 12, 12, 12]
TOKYO_OFFSET = timedelta(hours=9)


def rows(contract: Contract) -> Iterator[tuple]:
    """The contract's learners as list rows, streamed from the database in batches."""
    query = (
        select(Learner.login_id, Learner.name, Learner.gender, Learner.email, Learner.kind,
               Learner.created_at, Learner.updated_at)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.contract_id == contract.id)
        .order_by(Learner.login_id)
        .execution_options(yield_per=2000)
    )
    for login_id, name, gender, email, kind, created, updated in db.session.execute(query):
        yield (login_id, name, gender, email, KIND_LABELS[kind],
               _day(created), _day(updated))


def _day(moment) -> str:
    # Japan has no daylight saving: a fixed +9 hours is Tokyo time, and much cheaper than
    # a zone conversion done 200,000 times for a large list.
    local = moment + TOKYO_OFFSET
    return f"{local.year}/{local.month:02d}/{local.day:02d}"


def sheet(contract: Contract) -> Sheet:
    return Sheet("ユーザID一覧", HEADER, rows(contract), text_columns=(0,), widths=WIDTHS)


def filename(contract: Contract, extension: str, today: date) -> str:
    """ユーザID一覧_A0001_20261127.xlsx"""
    return f"ユーザID一覧_{contract.organisation.code}_{today:%Y%m%d}.{extension}"
