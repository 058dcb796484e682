"""Licence prices: the operator's settings, never constants in the code.

A setting gives the yearly prices (yen, tax excluded) of the basic 41 licences and of
packs A and B from a date on; the one in effect on a day is the latest that started by
then. An order keeps the price quoted when it was made.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy import select

from portal import audit, params
from portal.extensions import db
from portal.models import PriceSetting, StaffUser
from portal.orders.licences import Packs

MAX_PRICE = 100_000_000  # a typo guard: no school licence costs a hundred million yen


class Invalid(ValueError):
    """A value the operator typed is not acceptable; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def in_effect(day: date) -> PriceSetting | None:
    """The prices that apply on ``day``, or None before any were set."""
    return db.session.scalar(
        select(PriceSetting)
        .where(PriceSetting.effective_from <= day)
        .order_by(PriceSetting.effective_from.desc())
        .limit(1)
    )


def price_of(packs: Packs, setting: PriceSetting | None) -> int | None:
    """The yearly price of a purchase, or None when no prices are set."""
    if setting is None:
        return None
    return (setting.basic_price + packs.a * setting.pack_a_price
            + packs.b * setting.pack_b_price)


def history() -> list[PriceSetting]:
    """Every setting, the latest first (future ones included)."""
    return db.session.scalars(
        select(PriceSetting).order_by(PriceSetting.effective_from.desc())
    ).all()


def parse_price(text: str | None, field: str, label: str) -> int:
    """A price typed as yen: full-width digits, commas and a ¥ sign forgiven."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    cleaned = cleaned.replace(",", "").replace("¥", "").replace("円", "").strip()
    if not cleaned:
        raise Invalid(field, f"{label}を入力してください。")
    price = params.whole(cleaned, high=MAX_PRICE)
    if price is None:
        raise Invalid(field, f"{label}は0以上{MAX_PRICE:,}以下の整数(円)で入力してください。")
    return price


def save(effective_from: date, today: date, prices: dict[str, int],
         operator: StaffUser) -> PriceSetting:
    """Set the prices from ``effective_from`` on; the same date again replaces them.

    Dates before today are refused: quotes already made stay explainable by the history.
    """
    if effective_from < today:
        raise Invalid("effective_from", "適用開始日は今日以降の日付にしてください(過去の料金は変更できません)。")
    setting = db.session.scalar(
        select(PriceSetting).where(PriceSetting.effective_from == effective_from)
    )
    before = None
    if setting is None:
        setting = PriceSetting(effective_from=effective_from, created_by_id=operator.id)
        db.session.add(setting)
    else:
        before = {k: getattr(setting, k) for k in prices}
    for key, value in prices.items():
        setattr(setting, key, value)
    db.session.flush()
    audit.record("school.prices", setting, operator, None,
                 effective_from=effective_from.isoformat(), before=before, after=prices)
    db.session.commit()
    return setting
