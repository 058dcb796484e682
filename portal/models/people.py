"""Staff users, learners, their server-side sessions, password links and login throttles."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

OPERATOR = "operator"
COORDINATOR = "coordinator"
DISTRIBUTOR = "distributor"
ROLE_LABELS = {OPERATOR: "事務局", COORDINATOR: "教育担当者", DISTRIBUTOR: "販売会社"}


class StaffUser(UserMixin, db.Model):
    """スタッフ: an operator (事務局), a coordinator (教育担当者) or a distributor (販売会社)."""

    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('operator', 'coordinator', 'distributor')", name="role"),
        CheckConstraint(
            "(role = 'coordinator') = (organisation_id IS NOT NULL)", name="coordinator_org"
        ),
        CheckConstraint(
            "(role = 'distributor') = (distributor_id IS NOT NULL)", name="distributor_link"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(12))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    distributor_id: Mapped[int | None] = mapped_column(ForeignKey("distributors.id"))
    # The contract this login administers, when it was issued for one (利用開始案内).
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    # None until the user sets a password through a one-time link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation")
    distributor = relationship("Distributor")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


PERSONAL = "personal"
SHARED = "shared"
KIND_LABELS = {PERSONAL: "個人", SHARED: "共用"}

ACTIVE = "active"
DISABLED = "disabled"
EXPIRED = "expired"


class Learner(db.Model):
    """受講者: a learner ID. A school's IDs carry no name, gender or email (seed 003)."""

    __tablename__ = "learners"
    __table_args__ = (
        CheckConstraint("kind IN ('personal', 'shared')", name="kind"),
        CheckConstraint("status IN ('active', 'disabled', 'expired')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    login_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(10), default=PERSONAL)
    # Argon2 hash of a password the learner chose; None while only the issued one exists.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The issued password, encrypted (see docs/SECURITY.md): schools reprint account cards
    # and ID lists from it, and bulk issue stays fast. Cleared once the learner chooses a
    # password of their own.
    card_password: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    # A hard end regardless of contracts: yearly rotation and lost-card reissue set it.
    valid_until: Mapped[date | None] = mapped_column(Date)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation = relationship("Organisation")
    enrolments = relationship("Enrolment", back_populates="learner")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


class StaffSession(db.Model):
    """A staff login, server-side: a logged-out or replaced cookie finds it ended."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The last request (written at most once a minute): STAFF_IDLE_MINUTES after it, the
    # session ends, beside the absolute STAFF_SESSION_HOURS.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user = relationship("StaffUser")


class LearnerSession(db.Model):
    """A learner login. A newer login on the same ID ends this one (あと勝ち方式)."""

    __tablename__ = "learner_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))

    learner = relationship("Learner")


class PasswordToken(db.Model):
    """A one-time link to set a password; only its hash is stored."""

    __tablename__ = "password_tokens"
    __table_args__ = (
        CheckConstraint(
            "(staff_user_id IS NULL) != (learner_id IS NULL)", name="one_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Indexed: issuing a link revokes the account's earlier ones by these columns.
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a newer link was issued for the same account or a password was set: only
    # the latest link works, and none once the password is chosen.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(db.Model):
    """Failed logins per account (not per address: a whole school shares one IP), or per
    account and trusted browser (portal/auth/throttle.py). A row goes once its failures
    are forgotten (``LOGIN_FORGET_HOURS`` after the last one) or the login succeeds."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("realm", "login_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    realm: Mapped[str] = mapped_column(String(10))
    login_key: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)  # attempts counted, before each check
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The next attempt is not checked (and costs no password hash) before this moment.
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
