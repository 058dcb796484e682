"""The demo's school side: licence prices and one new order from Kanto for dist-kanto.

The order is written as the public form would store it, but without its emails: the
demo's outbox stays what the person trying it sends.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal import clock, deadlines
from portal.extensions import db
from portal.models import PriceSetting, SchoolOrder
from portal.models.orders import TO_FISCAL_END
from portal.orders import applications, licences, pricing
from portal.renewal.notices import distributor_for

KEY = "demo-order-kanto"
SAITAMA = 11


def ensure() -> None:
    """Create the prices and the order unless they exist (the demo may run again)."""
    today = clock.today()
    if db.session.scalar(select(PriceSetting.id).limit(1)) is None:
        db.session.add(PriceSetting(effective_from=date(today.year - 1, 4, 1),
                                    basic_price=123_000, pack_a_price=15_000,
                                    pack_b_price=30_000))
        db.session.flush()
    if _order() is None:
        starts_on = deadlines.month_start(today)  # its IDs work as soon as they are issued
        quote = licences.quote(42, 10)
        db.session.add(SchoolOrder(
            submission_key=KEY, school_name="さくら市立さくら中学校", prefecture=SAITAMA,
            contact_name="図書担当 佐藤", contact_email="tosho@sakura-chu.example.jp",
            personal_count=42, shared_count=10, licences=quote.order.total,
            starts_on=starts_on, ends_on=applications.term_end(starts_on, TO_FISCAL_END),
            first_term=TO_FISCAL_END, yearly_rotation=True,
            message="1・2年生は個人アカウント、3年生は共用アカウントで使う予定です。",
            quoted_price=pricing.price_of(quote.order, pricing.in_effect(today)),
            distributor=distributor_for(SAITAMA), confirmed_at=clock.now(),
        ))
    db.session.commit()


def _order() -> SchoolOrder | None:
    return db.session.scalar(select(SchoolOrder).where(SchoolOrder.submission_key == KEY))


def describe() -> str:
    """The line `flask demo` prints about schools."""
    order = _order()
    waiting = f"; dist-kanto has order {order.reference} ({order.school_name}) at /orders/" \
        if order else ""
    return f"Schools apply at /apply{waiting}. Prices: /ops/school/prices (ops)."
