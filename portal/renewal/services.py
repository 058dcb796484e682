"""The renewal application (ライブラリアシスト): apply, change and cancel before approval.

Every function checks the calendar rule first and raises ``Refused`` (409) when the step
is not open, closed or locked; bad values raise ``Invalid`` (shown in the form, 422).
Each commits its change together with its emails and audit entry.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal import audit, clock, params
from portal.dbutil import lock_row
from portal.extensions import db
from portal.models import Contract, Library, Renewal, StaffUser
from portal.models.contract import APPLIED, APPROVED, CANCELLED, LAPSED, OPEN_STATES, PROVISIONAL
from portal.renewal import notices
from portal.web import Refused, jdate

SCHOOL_BASE_LICENCES = 41
SCHOOL_PACK_STEP = 5  # packs A (5) and B (10): any total 41 + 5k is reachable
RELATION_LABELS = {"same": "現在のライブラリ", "upgrade": "アップグレード", "change": "ライブラリ変更"}


class Invalid(ValueError):
    """A value the coordinator typed is not acceptable; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LibraryChoice:
    library: Library
    relation: str

    @property
    def relation_label(self) -> str:
        return RELATION_LABELS[self.relation]


def library_choices(contract: Contract) -> list[LibraryChoice]:
    """The libraries this contract may renew into: the current one first, then upgrades,
    then changes. Schools stay with school libraries, companies with company ones."""
    school = contract.organisation.is_school
    offered = db.session.scalars(
        select(Library).where(Library.offered.is_(True)).order_by(Library.family, Library.rank)
    ).all()
    choices = [
        LibraryChoice(lib, contract.library.relation_to(lib))
        for lib in offered
        if (lib.family == "school") == school
    ]
    order = {"same": 0, "upgrade": 1, "change": 2}
    return sorted(choices, key=lambda c: (order[c.relation], c.library.rank))


def parse_seats(text: str | int | None) -> int:
    """The number of user IDs typed in the form (full-width digits and commas allowed)."""
    cleaned = unicodedata.normalize("NFKC", str(text or "")).strip().replace(",", "")
    if not cleaned:
        raise Invalid("seats", "ユーザID数を入力するか、「ID数未確定」を選んでください。")
    seats = params.whole(cleaned, low=1, high=9_999_999)
    if seats is None:
        raise Invalid("seats", "ユーザID数は1以上の整数(半角数字)で入力してください。")
    return seats


def check_seats(library: Library, seats: int) -> None:
    """The library's rules on the number of IDs (school licences: 41 + 5a + 10b)."""
    if seats < library.min_seats:
        raise Invalid("seats", f"{library.name}のユーザID数は{library.min_seats}以上です。")
    if seats > library.max_seats:
        raise Invalid("seats", f"{library.name}のユーザID数は{library.max_seats:,}以下です。")
    if library.family == "school" and (seats - SCHOOL_BASE_LICENCES) % SCHOOL_PACK_STEP:
        below = seats - (seats - SCHOOL_BASE_LICENCES) % SCHOOL_PACK_STEP
        raise Invalid(
            "seats",
            "学校の契約は基本41ライセンスに、A契約(5)・B契約(10)を組み合わせて追加します。"
            f"{below} または {below + SCHOOL_PACK_STEP} をお選びください。",
        )


def choose_library(contract: Contract, code: str | None) -> LibraryChoice:
    """The library the form named, if this contract may renew into it."""
    for choice in library_choices(contract):
        if choice.library.code == code:
            return choice
    raise Invalid("library", "ライブラリを一覧から選んでください。")


def ensure_application_open(contract: Contract, today: date) -> None:
    """Refuse unless the application window is open and the renewal is not decided."""
    cal = contract.calendar
    renewal = contract.renewal
    if renewal and renewal.status == APPROVED:
        raise Refused(
            "このお申込みは事務局が承認済みのため、ライブラリ種別・ユーザID数の変更や取消はできません。",
            "受講者の登録は継続手続きの画面から進めてください。",
            title="承認済みのため変更できません",
        )
    if renewal and renewal.status == LAPSED:
        raise Refused(
            "ID数が期限までに確定されなかったため、この継続申込は失効しました。",
            "新規契約としてお申し込みください。事務局がご案内します。",
            title="継続申込は失効しました",
        )
    if today < cal.apply_opens:
        raise Refused(
            f"継続申込の受付は{jdate(cal.apply_opens, weekday=True)}から始まります。",
            "受付開始日に継続契約のご案内メールをお送りします。",
            title="まだ受付前です",
        )
    if today > cal.apply_closes:
        raise Refused(
            f"継続申込の期限({jdate(cal.apply_closes, weekday=True)})を過ぎたため、"
            "継続でのお申込みはできません。",
            "新規契約としてお申し込みください。事務局または販売会社がご案内します。",
            title="継続の受付は終了しました",
        )


def apply(contract: Contract, user: StaffUser, library_code: str | None,
          seats_text: str | None, undetermined: bool) -> Renewal:
    """Apply for renewal, or change the application before approval."""
    today = clock.today()
    ensure_application_open(contract, today)
    choice = choose_library(contract, library_code)
    seats = None if undetermined else parse_seats(seats_text)
    if seats is not None:
        check_seats(choice.library, seats)
    lock_row(Contract, contract.id)
    db.session.refresh(contract)
    ensure_application_open(contract, today)  # again, now that no one else can change it
    renewal = contract.renewal
    if renewal is None:
        renewal = Renewal(contract=contract, organisation_id=contract.organisation_id, revision=0)
        db.session.add(renewal)
    renewal.library = choice.library
    renewal.seats = seats
    renewal.status = PROVISIONAL if seats is None else APPLIED
    renewal.revision += 1
    renewal.applied_at = clock.now()
    renewal.applied_by_id = user.id
    renewal.decided_at = renewal.decided_by_id = renewal.reject_reason = None
    db.session.flush()
    audit.record("renewal.apply", renewal, user, contract.organisation_id,
                 library=choice.library.code, seats=seats, revision=renewal.revision)
    notices.application_received(renewal)
    db.session.commit()
    return renewal


def cancel(contract: Contract, user: StaffUser) -> Renewal:
    """Withdraw an application that the operator has not approved yet."""
    ensure_application_open(contract, clock.today())
    lock_row(Contract, contract.id)
    db.session.refresh(contract)
    renewal = contract.renewal
    if renewal is None or renewal.status not in OPEN_STATES:
        raise Refused("取り消せる継続申込がありません。", title="取消できません")
    renewal.status = CANCELLED
    renewal.revision += 1
    audit.record("renewal.cancel", renewal, user, contract.organisation_id,
                 revision=renewal.revision)
    notices.application_cancelled(renewal)
    db.session.commit()
    return renewal


def can_cancel(renewal: Renewal | None) -> bool:
    return bool(renewal and renewal.status in (APPLIED, PROVISIONAL))


def contracts_of(organisation_id: int) -> list[Contract]:
    """The organisation's contracts, the ones ending soonest first."""
    return db.session.scalars(
        select(Contract)
        .where(Contract.organisation_id == organisation_id)
        .order_by(Contract.ends_on, Contract.id)
    ).all()




@dataclass(frozen=True)
class Check:
    """The live check of an application: its problems, or what approval will lock."""

    choice: LibraryChoice | None
    seats: int | None
    undetermined: bool
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def preview(contract: Contract, library_code: str | None, seats_text: str | None,
            undetermined: bool) -> Check:
    """Check an application without saving it (the form's live check and confirmation)."""
    errors: dict[str, str] = {}
    choice = seats = None
    try:
        choice = choose_library(contract, library_code)
    except Invalid as exc:
        errors[exc.field] = exc.message
    if not undetermined:
        try:
            seats = parse_seats(seats_text)
            if choice:
                check_seats(choice.library, seats)
        except Invalid as exc:
            errors[exc.field] = exc.message
    return Check(choice, seats, undetermined, errors)
