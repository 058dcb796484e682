"""Login throttling, shared by staff and learner logins (OWASP's guidance): delays that
grow, never a lock.

Counted per account: the login ID as typed (normalised), not the address, because a
whole school comes from one IP address; an unknown ID is counted exactly like a real one.
Each attempt is counted *before* its password is checked, by one conditional UPDATE that
also sets when the next attempt may be checked: parallel attempts cannot slip between a
check and a count, and an attempt that comes too early is refused without a password
hash (so refused attempts cost the machine nothing).

The first ``LOGIN_FREE_FAILURES`` failures cost nothing; then each waits twice as long as
the one before, from ``LOGIN_FIRST_DELAY_SECONDS`` to ``LOGIN_MAX_DELAY_SECONDS``. Failures
are forgotten ``LOGIN_FORGET_HOURS`` after the last one (the tick deletes the rows) or
when the login succeeds.

A browser that has logged in to an account before carries a signed device cookie; its
attempts on that account are counted on a counter of their own, so failures from
elsewhere (someone guessing, or trying to keep the account out on a deadline day) never
delay it.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, delete, or_, select, update

from portal import clock, daily
from portal.dbutil import insert_ignoring_conflicts
from portal.extensions import db
from portal.models import LoginThrottle

DEVICE_COOKIE = "portal_device"
DEVICE_DAYS = 365
DEVICE_LOGINS = 30  # accounts a browser is trusted for (a shared school PC: the latest 30)


def normalise(login_id: str) -> str:
    """The form of a login ID we compare and store: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", login_id or "").strip().lower()[:64]


@dataclass(frozen=True)
class Attempt:
    """One login attempt, already counted: ``refused_until`` is set when it came too early
    and must not be checked."""

    realm: str
    login_key: str
    counter: str  # the row it was counted on: the account's, or this browser's for it
    refused_until: datetime | None = None


def delay(failures: int) -> timedelta:
    """How long to wait after ``failures`` failures before the next attempt is checked."""
    config = current_app.config
    over = failures - config["LOGIN_FREE_FAILURES"]
    if over < 0:
        return timedelta(0)
    seconds = config["LOGIN_FIRST_DELAY_SECONDS"] * 2 ** min(over, 30)
    return timedelta(seconds=min(seconds, config["LOGIN_MAX_DELAY_SECONDS"]))


def begin(realm: str, login_id: str) -> Attempt:
    """Count an attempt on ``login_id`` before its password is checked (committed)."""
    login_key = normalise(login_id)
    device = _trusted_device(realm, login_key)
    counter = _device_counter(device, realm, login_key) if device else login_key
    now = clock.now()
    for _ in range(2):  # the second time, after creating the row
        if _charge(realm, counter, now):
            db.session.commit()
            return Attempt(realm, login_key, counter)
        created = db.session.execute(
            insert_ignoring_conflicts(LoginThrottle, ["realm", "login_key"]).values(
                realm=realm, login_key=counter, failures=0, last_failure_at=now, retry_at=None)
        ).rowcount
        if not created:
            break
    until = db.session.scalar(select(LoginThrottle.retry_at).where(
        LoginThrottle.realm == realm, LoginThrottle.login_key == counter))
    db.session.commit()
    return Attempt(realm, login_key, counter, refused_until=until or now)


def _charge(realm: str, counter: str, now: datetime) -> bool:
    """One UPDATE: count a failure and set the next allowed moment, unless it is not yet
    time; whether it counted. The delay is a CASE over the new count, with each step's
    moment computed here, so no database date arithmetic is needed."""
    config = current_app.config
    forgotten = now - timedelta(hours=config["LOGIN_FORGET_HOURS"])
    failures = case((LoginThrottle.last_failure_at < forgotten, 1),
                    else_=LoginThrottle.failures + 1)
    longest = timedelta(seconds=config["LOGIN_MAX_DELAY_SECONDS"])
    steps, n = [], config["LOGIN_FREE_FAILURES"]
    while delay(n) < longest:  # 10 s, 20 s, … : one WHEN per step below the ceiling
        steps.append((failures == n, now + delay(n)))
        n += 1
    retry_at = case(*steps, (failures >= n, now + longest), else_=None)
    counted = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.realm == realm, LoginThrottle.login_key == counter,
               or_(LoginThrottle.retry_at.is_(None), LoginThrottle.retry_at <= now))
        .values(failures=failures, last_failure_at=now, retry_at=retry_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(counted)


def refusal(until: datetime) -> str:
    """What a person is told when an attempt came too early (the same for any ID)."""
    seconds = max(1, round((until - clock.now()).total_seconds()))
    wait = f"{seconds}秒" if seconds < 120 else f"{-(-seconds // 60)}分"
    return (f"ログインの失敗が続いたため、このIDはあと{wait}ログインできません"
            f"({clock.tokyo(until):%H:%M:%S} から再びログインできます)。パスワードを忘れた場合は、"
            "パスワードの再設定を依頼してください。")


def succeeded(attempt: Attempt) -> None:
    """The password was right: forget the failures, and trust this browser for the
    account from now on (the caller commits)."""
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.realm == attempt.realm, LoginThrottle.login_key == attempt.counter))
    _remember_device(attempt.realm, attempt.login_key)


@daily.step
def purge_forgotten_login_failures(day: date) -> int:
    """The tick: delete the rows whose failures are forgotten and whose delay is over, by
    the clock's now. A row was made for every ID anyone typed, unknown ones included."""
    now = clock.now()
    forgotten = now - timedelta(hours=current_app.config["LOGIN_FORGET_HOURS"])
    result = db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < forgotten,
        or_(LoginThrottle.retry_at.is_(None), LoginThrottle.retry_at < now)))
    return result.rowcount or 0


# --- the device cookie ----------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="login-device")


def _device() -> tuple[str, list[str]]:
    """This browser's device id and the accounts it logged in to; a new id if none."""
    try:
        value = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
        if isinstance(value, dict) and isinstance(value.get("id"), str) \
                and isinstance(value.get("logins"), list):
            return value["id"], [str(login) for login in value["logins"]][-DEVICE_LOGINS:]
    except BadSignature:
        pass
    return secrets.token_urlsafe(16), []


def _trusted_device(realm: str, login_key: str) -> str | None:
    if DEVICE_COOKIE not in request.cookies:
        return None
    device, logins = _device()
    return device if f"{realm}:{login_key}" in logins else None


def _device_counter(device: str, realm: str, login_key: str) -> str:
    digest = hashlib.sha256(f"{device}\0{realm}\0{login_key}".encode()).hexdigest()
    return f"device:{digest[:48]}"


def _remember_device(realm: str, login_key: str) -> None:
    device, logins = _device()
    entry = f"{realm}:{login_key}"
    logins = [login for login in logins if login != entry][-(DEVICE_LOGINS - 1):] + [entry]
    value = _serializer().dumps({"id": device, "logins": logins})

    @after_this_request
    def set_cookie(response):
        config = current_app.config
        response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, httponly=True,
                            secure=config["SESSION_COOKIE_SECURE"], samesite="Lax")
        return response
