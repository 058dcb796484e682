"""Stored addresses that no longer pass ``portal.addresses.check``.

Rows written before the portal used one definition of an address (or typed in by hand
in the database) are not silently skipped: ``flask check-addresses`` lists them for the
operators, who correct them with the customer. The sending worker fails such a row with
its reason rather than stalling the outbox (workers/emails.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from portal import addresses
from portal.extensions import db
from portal.models import (
    Distributor,
    Learner,
    OutboundEmail,
    Publisher,
    SchoolOrder,
    StaffUser,
    TitleRequest,
)
from portal.models.outbox import QUEUED

# (what the operators call it, the model, its key column, its address column)
SOURCES = [
    ("教育担当者・事務局・販売会社のログイン", StaffUser, StaffUser.login_id, StaffUser.email),
    ("販売会社", Distributor, Distributor.name, Distributor.email),
    ("出版社", Publisher, Publisher.name, Publisher.contact_email),
    ("受講者", Learner, Learner.login_id, Learner.email),
    ("学校のお申込み", SchoolOrder, SchoolOrder.id, SchoolOrder.contact_email),
    ("書籍リクエスト", TitleRequest, TitleRequest.id, TitleRequest.requester_email),
    ("送信待ちのメール", OutboundEmail, OutboundEmail.id, OutboundEmail.recipient),
]


@dataclass(frozen=True)
class BadAddress:
    source: str
    key: str
    address: str
    problem: str


def bad_addresses(chunk: int = 5000) -> Iterator[BadAddress]:
    """Every stored address the forms would refuse today, streamed source by source."""
    for label, model, key, column in SOURCES:
        query = select(key, column).where(column.is_not(None)).order_by(key)
        if model is OutboundEmail:
            query = query.where(OutboundEmail.status == QUEUED)
        for row_key, value in db.session.execute(query.execution_options(yield_per=chunk)):
            try:
                addresses.check(value)
            except addresses.AddressProblem as exc:
                yield BadAddress(label, str(row_key), value, str(exc))
