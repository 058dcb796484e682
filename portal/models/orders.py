"""School orders from the public application, and the operator's licence prices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import SenderConfirmed, UTCDateTime, utcnow

# Order states, in the order a distributor (or the secretariat) moves them.
NEW = "new"  # 申込: arrived from the public form, not looked at yet
ACCEPTED = "accepted"  # 受付
ISSUED = "issued"  # アカウント発行: organisation, contract, coordinator and IDs exist
SHIPPED = "shipped"  # カード発送
INVOICED = "invoiced"  # 請求
CANCELLED = "cancelled"  # 取消 (before issuance only)
FLOW = (NEW, ACCEPTED, ISSUED, SHIPPED, INVOICED)
STATUS_LABELS = {
    NEW: "申込", ACCEPTED: "受付", ISSUED: "アカウント発行", SHIPPED: "カード発送",
    INVOICED: "請求", CANCELLED: "取消",
}

TWELVE_MONTHS = "twelve"
TO_FISCAL_END = "fiscal"  # the first term may end on the next 31 March (seed 003)
TERM_LABELS = {TWELVE_MONTHS: "12か月", TO_FISCAL_END: "翌年3月末(年度末)まで"}


class SchoolOrder(SenderConfirmed, db.Model):
    """学校の申込: a school's order from the public site, handled by the distributor of its
    prefecture (or the secretariat) through 受付 → アカウント発行 → カード発送 → 請求."""

    __tablename__ = "school_orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('new', 'accepted', 'issued', 'shipped', 'invoiced', 'cancelled')",
            name="status",
        ),
        CheckConstraint("prefecture BETWEEN 1 AND 47", name="prefecture"),
        CheckConstraint(
            "personal_count >= 0 AND shared_count >= 0 AND personal_count + shared_count > 0",
            name="counts",
        ),
        CheckConstraint("licences >= personal_count + shared_count AND licences >= 41",
                        name="licences"),
        CheckConstraint("first_term IN ('twelve', 'fiscal')", name="first_term"),
        CheckConstraint("starts_on <= ends_on", name="term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The form's one-time key: the same form sent twice (double click, reload) is one order.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=NEW, index=True)
    school_name: Mapped[str] = mapped_column(String(200))
    prefecture: Mapped[int]
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(254), index=True)
    personal_count: Mapped[int]
    shared_count: Mapped[int]
    # The licences ordered: the smallest 41 + 5a + 10b covering both counts.
    licences: Mapped[int]
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    first_term: Mapped[str] = mapped_column(String(10))
    yearly_rotation: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str | None] = mapped_column(Text)
    # The yearly price quoted when the order was made (yen, tax excluded); None when the
    # operator had set no prices yet. Later price changes never touch it.
    quoted_price: Mapped[int | None]
    # Who the order was sent to; None means the secretariat (no distributor serves the
    # prefecture). Fixed at submission, so a later change of regions moves no orders.
    distributor_id: Mapped[int | None] = mapped_column(ForeignKey("distributors.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    distributor = relationship("Distributor")
    organisation = relationship("Organisation")
    contract = relationship("Contract")
    coordinator = relationship("StaffUser")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def term_label(self) -> str:
        return TERM_LABELS[self.first_term]

    @property
    def reference(self) -> str:
        """The number quoted in emails and on the phone: S-00012."""
        return f"S-{self.id:05d}"


class PriceSetting(db.Model):
    """料金設定: the yearly prices of school licences (yen, tax excluded) from a date on."""

    __tablename__ = "price_settings"
    __table_args__ = (
        CheckConstraint(
            "basic_price >= 0 AND pack_a_price >= 0 AND pack_b_price >= 0", name="prices"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    basic_price: Mapped[int]  # 基本41ライセンス
    pack_a_price: Mapped[int]  # A契約 (5)
    pack_b_price: Mapped[int]  # B契約 (10)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("StaffUser")
