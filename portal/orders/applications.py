"""The public application (/apply): a school's order, checked, quoted, stored and sent.

Reading the form never touches the database; ``submit`` stores the order and writes its
two emails (the receipt to the applicant, the order to the distributor of the school's
prefecture or to the secretariat) once the applicant followed the receipt's link
(portal/confirmations.py).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import addresses, clock, confirmations, deadlines, params, ratelimits, security
from portal.extensions import db
from portal.models import SchoolOrder
from portal.models.orders import TERM_LABELS, TO_FISCAL_END, TWELVE_MONTHS
from portal.orders import licences, notices, pricing
from portal.prefectures import PREFECTURES
from portal.web import jmonth

MONTHS_AHEAD = 12  # a school may apply up to a year before it starts
COUNT_LABELS = {"personal": "個人アカウント数", "shared": "共用アカウント数"}


@dataclass(frozen=True)
class Application:
    """A checked application, before it is an order."""

    school_name: str
    prefecture: int
    contact_name: str
    contact_email: str
    personal: int
    shared: int
    starts_on: date
    first_term: str
    yearly_rotation: bool
    message: str | None

    @property
    def quote(self) -> licences.Quote:
        return licences.quote(self.personal, self.shared)

    @property
    def ends_on(self) -> date:
        return term_end(self.starts_on, self.first_term)


def term_end(starts_on: date, first_term: str) -> date:
    """The last day of the first term: 12 months, or the next 31 March (seed 003)."""
    if first_term == TO_FISCAL_END:
        return deadlines.fiscal_first_term_end(starts_on)
    return deadlines.twelve_month_end(starts_on)


def start_months(today: date) -> list[tuple[str, str]]:
    """The start months offered: this month and the next twelve, as (YYYY-MM, label)."""
    months = [deadlines.add_months(today, n) for n in range(MONTHS_AHEAD + 1)]
    return [(f"{m:%Y-%m}", jmonth(m)) for m in months]


def _text(values: Mapping[str, str], name: str) -> str:
    return unicodedata.normalize("NFKC", values.get(name) or "").strip()


def parse_count(text: str | None, name: str) -> int:
    """A wanted number of accounts: a whole number, 0 when left empty."""
    label = COUNT_LABELS[name]
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace(",", "")
    if not cleaned:
        return 0
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise ValueError(f"{label}は0以上の整数(半角数字)で入力してください。「{cleaned[:20]}」は使えません。")
    number = params.whole(cleaned, high=licences.MAX_ACCOUNTS)
    if number is None:
        raise ValueError(f"{label}が多すぎます。1校あたり合計{licences.MAX_ACCOUNTS:,}までです。それ以上は事務局にご相談ください。")
    return number


def read_counts(values: Mapping[str, str]) -> tuple[int, int, dict[str, str]]:
    """The two wanted counts and the errors about them (field name → message)."""
    counts, errors = {}, {}
    for name in COUNT_LABELS:
        try:
            counts[name] = parse_count(values.get(name), name)
        except ValueError as exc:
            errors[name] = str(exc)
    if not errors:
        total = counts["personal"] + counts["shared"]
        if total == 0:
            errors["personal"] = "個人アカウント数と共用アカウント数の、少なくとも一方に1以上を入力してください。"
        elif total > licences.MAX_ACCOUNTS:
            errors["personal"] = f"合計が多すぎます({total:,})。1校あたり合計{licences.MAX_ACCOUNTS:,}までです。それ以上は事務局にご相談ください。"
    return counts.get("personal", 0), counts.get("shared", 0), errors


def read_term(values: Mapping[str, str], today: date) -> tuple[date | None, str, dict[str, str]]:
    """The start month and the first term chosen, and the errors about them.

    Left out altogether, they mean this month and 12 months (what the form preselects);
    a value that is there must be one the form offers.
    """
    errors = {}
    offered = dict(start_months(today))
    month = _text(values, "start_month") if "start_month" in values else f"{today:%Y-%m}"
    starts_on = date.fromisoformat(f"{month}-01") if month in offered else None
    if starts_on is None:
        errors["start_month"] = "利用開始月を一覧から選んでください(今月から12か月先まで)。"
    first_term = _text(values, "first_term") if "first_term" in values else TWELVE_MONTHS
    if first_term not in TERM_LABELS:
        errors["first_term"] = "初年度の契約期間を「12か月」か「翌年3月末まで」から選んでください。"
    return starts_on, first_term, errors


# Prefectures by name too, with or without 都/府/県 (北海道 is only ever written whole).
BY_NAME = {name: code for code, name in PREFECTURES.items()} | {
    name[:-1]: code for code, name in PREFECTURES.items() if name != "北海道"}


def parse_prefecture(text: str) -> int | None:
    """A prefecture by its JIS code (the form's value) or its name; None otherwise."""
    if text.isdigit():  # ፩ too: whole() reads ASCII only
        code = params.whole(text, low=1, high=47)
        return code if code in PREFECTURES else None
    return BY_NAME.get(text)


def _required(values, name, label, limit, errors) -> str:
    text = _text(values, name)
    if not text:
        errors[name] = f"{label}を入力してください。"
    elif len(text) > limit:
        errors[name] = f"{label}は{limit}文字以内で入力してください。"
    return text


def read(values: Mapping[str, str], today: date) -> tuple[Application | None, dict[str, str]]:
    """Check the whole form: the application, or None and every error by field name."""
    errors: dict[str, str] = {}
    school_name = _required(values, "school_name", "学校名", 200, errors)
    prefecture = parse_prefecture(_text(values, "prefecture"))
    if prefecture is None:
        errors["prefecture"] = "都道府県を一覧から選んでください。"
    contact_name = _required(values, "contact_name", "ご担当者名", 100, errors)
    email = ""
    try:  # as typed, not NFKC: a full-width ＠ is named to the applicant, not guessed
        email = addresses.check(values.get("contact_email"))
    except addresses.AddressProblem as exc:
        errors["contact_email"] = str(exc)
    personal, shared, count_errors = read_counts(values)
    starts_on, first_term, term_errors = read_term(values, today)
    message = _text(values, "message")
    if len(message) > 1000:
        errors["message"] = "連絡事項は1000文字以内で入力してください。"
    errors.update(count_errors)
    errors.update(term_errors)
    if errors:
        return None, errors
    return Application(
        school_name=school_name, prefecture=prefecture, contact_name=contact_name,
        contact_email=email, personal=personal, shared=shared, starts_on=starts_on,
        first_term=first_term, yearly_rotation=values.get("yearly_rotation") in ("1", "y", "on"),
        message=message or None,
    ), {}


def new_submission_key() -> str:
    """The one-time key a form carries, so that sending it twice makes one order."""
    return security.new_token()


def submit(application: Application, submission_key: str) -> tuple[SchoolOrder, bool]:
    """Store the order unconfirmed and queue its receipt (with the link that confirms it);
    (the order, False) if this form was sent before."""
    key = (submission_key or "")[:64] or new_submission_key()
    existing = _by_key(key)
    if existing is not None:
        return existing, False
    ratelimits.hit_destination("apply", application.contact_email)
    quote = application.quote
    order = SchoolOrder(
        submission_key=key, school_name=application.school_name,
        prefecture=application.prefecture, contact_name=application.contact_name,
        contact_email=application.contact_email, personal_count=application.personal,
        shared_count=application.shared, licences=quote.order.total,
        starts_on=application.starts_on, ends_on=application.ends_on,
        first_term=application.first_term, yearly_rotation=application.yearly_rotation,
        message=application.message,
        quoted_price=pricing.price_of(quote.order, pricing.in_effect(clock.today())),
        distributor=notices.distributor_for(application.prefecture),
    )
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError:  # the same form, sent twice at the same moment
        db.session.rollback()
        return _by_key(key), False
    token = confirmations.issue(order)
    notices.order_received(order, token)  # the receipt, with the link that confirms
    db.session.commit()
    return order, True


def find(token: str | None) -> SchoolOrder | None:
    """The application a confirmation link belongs to, pending or confirmed."""
    return confirmations.find(SchoolOrder, token)


def confirm(token: str | None) -> SchoolOrder | None:
    """The applicant confirmed: the order goes to the distributor (or the secretariat)
    now, and only now, once. None when the link is unknown or expired."""
    result = confirmations.confirm(SchoolOrder, token)
    if result is None:
        return None
    order, now = result
    if now:
        notices.order_to_distributor(order)
        db.session.commit()
    return order


def _by_key(key: str) -> SchoolOrder | None:
    return db.session.scalar(select(SchoolOrder).where(SchoolOrder.submission_key == key))
