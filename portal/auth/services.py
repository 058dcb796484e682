"""Staff authentication and server-side staff sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, flash, session
from flask_login import login_user, logout_user
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal import clock, security
from portal.auth import throttle
from portal.extensions import db, login_manager
from portal.learn import services as learner_sessions
from portal.models import Learner, LearnerSession, PasswordToken, StaffSession, StaffUser

REALM = "staff"
SESSION_KEY = "staff_sid"
IDLE = "idle"
# Activity is written at most this often: against an hour's idle limit the difference is
# nothing, and most requests then write nothing.
ACTIVITY_STEP = timedelta(minutes=1)


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None = None
    locked_until: datetime | None = None


def authenticate(login_id: str, password: str) -> LoginResult:
    """Check a staff login. Unknown ID and wrong password look and take the same."""
    attempt = throttle.begin(REALM, login_id)  # counted before the check
    if attempt.refused_until is not None:
        return LoginResult(locked_until=attempt.refused_until)  # no hash: costs nothing
    user = db.session.scalar(
        select(StaffUser).where(StaffUser.login_id == throttle.normalise(login_id))
    )
    ok = security.verify_password(user.password_hash if user else None, password)
    if not (ok and user and user.active):
        return LoginResult()
    throttle.succeeded(attempt)
    return LoginResult(user=user)


def log_in(user: StaffUser) -> None:
    """Start a server-side session for ``user`` and bind it to this browser."""
    token = security.new_token()
    hours = current_app.config["STAFF_SESSION_HOURS"]
    db.session.add(
        StaffSession(
            token_hash=security.token_hash(token),
            user_id=user.id,
            expires_at=clock.now() + timedelta(hours=hours),
        )
    )
    db.session.commit()
    session.clear()  # nothing from before the login survives it
    session[SESSION_KEY] = token
    login_user(user)


def log_out(reason: str = "logout") -> None:
    """End this browser's staff session, on the server too."""
    token = session.get(SESSION_KEY)
    if token:
        end_sessions(StaffSession.token_hash == security.token_hash(token), reason)
        db.session.commit()
    logout_user()
    session.pop(SESSION_KEY, None)


def end_sessions(condition, reason: str) -> None:
    """Mark the matching open sessions ended (the caller commits)."""
    db.session.execute(
        update(StaffSession)
        .where(condition, StaffSession.ended_at.is_(None))
        .values(ended_at=clock.now(), end_reason=reason)
    )


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """Flask-Login: the user only if this browser's server-side session is still open."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    # One query per request: the user, their organisation (the menu shows it) and the
    # proof that this browser's session is open.
    now = clock.now()
    found = db.session.execute(
        select(StaffUser, StaffSession.id, StaffSession.last_seen_at)
        .join(StaffSession, StaffSession.user_id == StaffUser.id)
        .where(
            StaffSession.token_hash == security.token_hash(token),
            StaffSession.ended_at.is_(None),
            StaffSession.expires_at > now,
        )
        .options(joinedload(StaffUser.organisation))
    ).first()
    if found is None:
        return None
    user, session_id, last_seen = found
    if str(user.id) != user_id or not user.active:
        return None
    if last_seen + idle_limit() <= now:
        end_sessions(StaffSession.id == session_id, IDLE)
        db.session.commit()
        session.pop(SESSION_KEY, None)
        minutes = current_app.config["STAFF_IDLE_MINUTES"]
        flash(f"{minutes}分間操作がなかったため、ログアウトしました。もう一度ログインしてください。",
              "info")
        return None
    if now - last_seen >= ACTIVITY_STEP:
        db.session.execute(update(StaffSession).where(StaffSession.id == session_id)
                           .values(last_seen_at=now))
        db.session.commit()
    return user


def idle_limit() -> timedelta:
    """How long a staff session lives without a request (STAFF_IDLE_MINUTES)."""
    return timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])


def issue_password_link(user: StaffUser) -> str:
    """A one-time token for ``user`` to set a password (only its hash is stored). Every
    earlier link of the account stops working: only the latest email's link is valid."""
    revoke_links(PasswordToken.staff_user_id == user.id)
    token = security.new_token()
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    db.session.add(
        PasswordToken(
            token_hash=security.token_hash(token),
            staff_user_id=user.id,
            expires_at=clock.now() + timedelta(hours=hours),
        )
    )
    return token


def revoke_links(owner) -> None:
    """Revoke the open links matching ``owner`` (a condition on PasswordToken)."""
    db.session.execute(
        update(PasswordToken)
        .where(owner, PasswordToken.used_at.is_(None), PasswordToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def _usable(token: str | None) -> PasswordToken | None:
    if not token:
        return None
    row = db.session.scalar(
        select(PasswordToken).where(PasswordToken.token_hash == security.token_hash(token))
    )
    if row is None or row.used_at or row.revoked_at or row.expires_at < clock.now():
        return None
    return row


def redeem_password_link(token: str, password: str) -> str | None:
    """Set the password of the link's owner: 'staff' or 'learner', or None if the link is
    unknown, used, revoked or expired. A learner's issued password is erased at the same
    time, and every other open link of the account is revoked."""
    row = _usable(token)
    if row is None:
        return None
    # Used once: of two submissions at once (a double click), only one sets the password.
    claimed = db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.id == row.id, PasswordToken.used_at.is_(None),
               PasswordToken.revoked_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return None
    if row.staff_user_id is not None:
        user = db.session.get(StaffUser, row.staff_user_id)
        user.password_hash = security.hash_password(password)
        end_sessions(StaffSession.user_id == user.id, "password")
        revoke_links(PasswordToken.staff_user_id == user.id)
        owner = "staff"
    else:
        learner = db.session.get(Learner, row.learner_id)
        learner.password_hash = security.hash_password(password)
        learner.card_password = None
        for open_session in db.session.scalars(select(LearnerSession).where(
                LearnerSession.learner_id == learner.id, LearnerSession.ended_at.is_(None))):
            learner_sessions.end(open_session, "password")
        revoke_links(PasswordToken.learner_id == learner.id)
        owner = "learner"
    db.session.commit()
    return owner


def link_is_usable(token: str | None) -> bool:
    """Whether a password link can still be used (the form is shown only then)."""
    return _usable(token) is not None
