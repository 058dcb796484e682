"""Learner logins: who may log in, and the server-side learner session.

Seed 003: every visit logs in; the last login on an ID wins (あと勝ち方式) and the earlier
session is told why it ended; 20 minutes without activity log out. A shared account's
reading traces are erased whenever its session ends, however it ends.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, session
from sqlalchemy import select, update

from portal import clock, security
from portal.auth import throttle
from portal.extensions import db
from portal.learn import reading, usage
from portal.models import Contract, Enrolment, Learner, LearnerSession
from portal.models.people import ACTIVE, DISABLED, SHARED
from portal.models.people import EXPIRED as STATUS_EXPIRED
from portal.web import jdate

REALM = "learner"
ACTIVITY_STEP = timedelta(seconds=10)
SESSION_KEY = "learner_sid"

# Why a session ended (LearnerSession.end_reason).
LOGOUT = "logout"
REPLACED = "replaced"  # a newer login on the same ID
IDLE = "idle"
CLOSED = "closed"  # the account or its contract stopped while logged in
EXPIRED = "expired"  # the renewal's daily step stopped an ID no contract covers any more


@dataclass(frozen=True)
class LoginResult:
    learner: Learner | None = None
    contract: Contract | None = None
    locked_until: datetime | None = None
    # The password was right, but this ID may not log in now: the reason, in Japanese.
    refusal: str | None = None


def find_learner(login_id: str) -> Learner | None:
    """The learner of a typed ID: full-width and case differences forgiven, index used."""
    typed = unicodedata.normalize("NFKC", login_id or "").strip()[:64]
    if not typed:
        return None
    rows = db.session.scalars(
        select(Learner).where(Learner.login_id.in_({typed, typed.upper(), typed.lower()}))
    ).all()
    exact = [row for row in rows if row.login_id == typed]
    return (exact or rows or [None])[0]


def authenticate(login_id: str, password: str) -> LoginResult:
    """Check a learner login. Unknown ID and wrong password look and take the same."""
    attempt = throttle.begin(REALM, login_id)  # counted before the check
    if attempt.refused_until is not None:
        return LoginResult(locked_until=attempt.refused_until)  # no hash: costs nothing
    learner = find_learner(login_id)
    if not _password_matches(learner, password):
        return LoginResult()
    throttle.succeeded(attempt)
    today = clock.today()
    refusal = account_refusal(learner, today)
    contract = None if refusal else contract_in_force(learner.id, today)
    if contract is None and refusal is None:
        refusal = _no_contract_refusal(learner.id, today)
    db.session.commit()
    return LoginResult(learner=learner, contract=contract, refusal=refusal)


def _password_matches(learner: Learner | None, password: str) -> bool:
    # Each branch costs exactly one argon2 verification, so timing tells nothing.
    if learner is None:
        security.spend_verify_time()
        return False
    if learner.password_hash:
        return security.verify_password(learner.password_hash, password)
    return security.matches_issued(learner.card_password, password)


def account_refusal(learner: Learner, today: date) -> str | None:
    """Why this account cannot be used on ``today`` (disabled, expired), or None."""
    if learner.status == DISABLED:
        return "このIDは利用停止になっています。アカウントカードを配った先生(ご担当者)にお問い合わせください。"
    if learner.status != ACTIVE or (learner.valid_until and today > learner.valid_until):
        ended = f"({jdate(learner.valid_until)}まで)" if learner.valid_until else ""
        return f"このIDは有効期限が切れています{ended}。新しいアカウントカードのIDでログインしてください。"
    return None


def contract_in_force(learner_id: int, today: date) -> Contract | None:
    """The latest contract of the learner whose learners may log in on ``today``.

    ``access_until`` already covers the grace month after the term and the rotation
    window, so one range check decides.
    """
    return db.session.scalar(
        select(Contract)
        .join(Enrolment, Enrolment.contract_id == Contract.id)
        .where(
            Enrolment.learner_id == learner_id,
            Contract.starts_on <= today,
            Contract.access_until >= today,
        )
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
        .limit(1)
    )


def _no_contract_refusal(learner_id: int, today: date) -> str:
    starts = db.session.scalar(
        select(Contract.starts_on)
        .join(Enrolment, Enrolment.contract_id == Contract.id)
        .where(Enrolment.learner_id == learner_id, Contract.starts_on > today)
        .order_by(Contract.starts_on)
        .limit(1)
    )
    if starts:
        return f"このIDのご利用は{jdate(starts)}からです。その日以降にログインしてください。"
    return "このIDのご契約の利用期間が終了しています。ご担当者にお問い合わせください。"


def log_in(learner: Learner, contract: Contract) -> None:
    """Start a session for ``learner`` in this browser; earlier sessions on the ID end."""
    # Lock the learner row, so that two logins at once still leave exactly one session.
    db.session.execute(select(Learner.id).where(Learner.id == learner.id).with_for_update())
    log_out(LOGOUT, commit=False)  # whoever was logged in in this browser before
    for row in _open_sessions(learner.id):
        end(row, REPLACED)
    if learner.kind == SHARED:
        # Sessions can also be ended in bulk elsewhere (the renewal's daily step) without
        # this erasure: a shared account's new session always starts clean.
        reading.erase_traces(learner.id)
    token = security.new_token()
    row = LearnerSession(
        token_hash=security.token_hash(token), learner_id=learner.id, contract_id=contract.id
    )
    db.session.add(row)
    db.session.flush()
    usage.record_login(row, contract.organisation_id)
    db.session.commit()
    session[SESSION_KEY] = token


def log_out(reason: str = LOGOUT, commit: bool = True) -> None:
    """End this browser's learner session, on the server too."""
    token = session.pop(SESSION_KEY, None)
    row = _session_of(token) if token else None
    if row is not None and row.ended_at is None:
        end(row, reason)
    if commit:
        db.session.commit()


def end(row: LearnerSession, reason: str) -> None:
    """Mark ``row`` ended; a shared account's traces go with it (the caller commits)."""
    row.ended_at = clock.now()
    row.end_reason = reason
    if row.learner.kind == SHARED:
        reading.erase_traces(row.learner_id)


def expire_learners(ids: list[int], reason: str) -> int:
    """Stop these learner IDs (status expired) and end their open sessions, in chunks; a
    shared account's traces go with its session. The caller commits."""
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        db.session.execute(
            update(Learner).where(Learner.id.in_(chunk)).values(status=STATUS_EXPIRED))
        for row in db.session.scalars(select(LearnerSession).where(
                LearnerSession.learner_id.in_(chunk), LearnerSession.ended_at.is_(None))):
            end(row, reason)
    return len(ids)


def current() -> tuple[LearnerSession | None, str]:
    """This browser's open session (its activity noted), or None and why it is gone."""
    token = session.get(SESSION_KEY)
    row = _session_of(token) if token else None
    if row is not None and row.ended_at is None:
        now = clock.now()
        reason = must_end(row, now)
        if reason is None:
            # Activity is written at most every ACTIVITY_STEP: against a 20-minute idle
            # limit the difference is nothing, and most requests then write nothing (a
            # commit would also expire everything the request has loaded).
            if now - row.last_seen_at >= ACTIVITY_STEP:
                row.last_seen_at = now
                db.session.commit()
            return row, ""
        end(row, reason)
        db.session.commit()
    session.pop(SESSION_KEY, None)
    if row is None:
        return None, ended_message(None)
    return None, ended_message(row.end_reason, shared=row.learner.kind == SHARED)


def must_end(row: LearnerSession, now: datetime) -> str | None:
    """Why an open session must end at ``now`` (idle, account or contract over), or None."""
    if row.last_seen_at + idle_limit() <= now:
        return IDLE
    today = clock.tokyo(now).date()
    contract = db.session.get(Contract, row.contract_id)
    if account_refusal(row.learner, today) or contract.access_until < today:
        return CLOSED
    return None


def idle_limit() -> timedelta:
    """How long a learner session lives without activity (LEARNER_IDLE_MINUTES)."""
    return timedelta(minutes=current_app.config["LEARNER_IDLE_MINUTES"])


def ended_message(reason: str | None, shared: bool = False) -> str:
    """What the login page tells a browser whose session ended for ``reason``."""
    minutes = current_app.config["LEARNER_IDLE_MINUTES"]
    text = {
        REPLACED: "同じIDで別の端末からログインがあったため、この端末はログアウトしました。"
        "続けて読むには、もう一度ログインしてください。",
        IDLE: f"{minutes}分間操作がなかったため、自動的にログアウトしました。もう一度ログインしてください。",
        CLOSED: "このIDのご利用期間が終わったため、ログアウトしました。",
        EXPIRED: "このIDのご利用期間が終わったため、ログアウトしました。",
    }.get(reason or "", "ログインしてください。")
    if shared and reason in (REPLACED, IDLE, CLOSED, EXPIRED):
        text += "共用アカウントのため、読書の記録としおりは消去しました。"
    return text


def _session_of(token: str) -> LearnerSession | None:
    return db.session.scalar(
        select(LearnerSession).where(LearnerSession.token_hash == security.token_hash(token))
    )


def _open_sessions(learner_id: int) -> list[LearnerSession]:
    return list(
        db.session.scalars(
            select(LearnerSession).where(
                LearnerSession.learner_id == learner_id, LearnerSession.ended_at.is_(None)
            )
        )
    )


def end_idle_sessions(now: datetime) -> int:
    """End every open session idle past the limit; how many. Then erase the traces of
    shared accounts left without a session, however their sessions ended."""
    stale = db.session.scalars(
        select(LearnerSession).where(
            LearnerSession.ended_at.is_(None), LearnerSession.last_seen_at <= now - idle_limit()
        )
    ).all()
    for row in stale:
        end(row, IDLE)
    reading.erase_shared_traces_without_session()
    return len(stale)
