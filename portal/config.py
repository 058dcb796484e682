"""Configuration read from the environment (names in DESIGN section 4)."""

from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET = "dev-only-secret-change-me"
MIN_SECRET_LENGTH = 32  # characters: `secrets.token_hex(32)` gives 64


class UnsafeConfiguration(RuntimeError):
    """The app refuses to start: a production setting is missing or unsafe."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_uri(url: str | None, instance_path: str) -> str:
    """Turn DATABASE_URL into a SQLAlchemy URI; SQLite under instance/ by default."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "portal.sqlite3")
    # psycopg 3 is the driver we ship; plain postgres URLs would pick psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: str) -> dict[str, object]:
    """Everything the app reads from the environment, with development defaults."""
    base_url = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    https = base_url.startswith("https://")
    development = _bool("PORTAL_DEVELOPMENT")
    return {
        # A development machine (`make run` sets PORTAL_DEVELOPMENT=1): a public key and
        # the development mailbox are allowed there and nowhere else.
        "DEVELOPMENT": development,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or (DEV_SECRET if development else None),
        "SQLALCHEMY_DATABASE_URI": database_uri(os.environ.get("DATABASE_URL"), instance_path),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "e-Library 事務局 <noreply@elibrary.example.jp>"
        ),
        "PORTAL_BASE_URL": base_url,
        # Orders of prefectures no distributor serves go here (seed 003).
        "SECRETARIAT_EMAIL": os.environ.get("SECRETARIAT_EMAIL", "office@elibrary.example.jp"),
        "PORTAL_TODAY": os.environ.get("PORTAL_TODAY") or None,
        "LEARNER_IDLE_MINUTES": int(os.environ.get("LEARNER_IDLE_MINUTES", "20")),
        # Staff are logged out after this much inactivity (and after 12 hours anyway).
        "STAFF_IDLE_MINUTES": int(os.environ.get("STAFF_IDLE_MINUTES", "60")),
        "SESSION_COOKIE_SECURE": https,
        # Tuning of the outbox (the fault drills shorten them to seconds).
        "OUTBOX_LEASE_SECONDS": int(os.environ.get("OUTBOX_LEASE_SECONDS", "120")),
        "OUTBOX_RETRY_DELAYS": [
            int(d) for d in os.environ.get("OUTBOX_RETRY_DELAYS", "30,120,600,1800,7200").split(",")
        ],
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        # Public forms (portal/ratelimits.py): "N per hour|day", as Flask-Limiter reads them.
        **{name: os.environ.get(name, default) for name, default in RATE_LIMITS.items()},
        # Behind a load balancer: how many proxies' X-Forwarded-For to trust (ProxyFix), so
        # that the per-client limits count visitors, not the balancer.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
    }


RATE_LIMITS = {
    "RATELIMIT_APPLY_PER_CLIENT": "10 per hour",
    "RATELIMIT_APPLY_GLOBAL": "300 per hour",
    "RATELIMIT_APPLY_PER_ADDRESS": "5 per day",
    "RATELIMIT_TITLE_REQUEST_PER_CLIENT": "10 per hour",
    "RATELIMIT_TITLE_REQUEST_GLOBAL": "200 per hour",
    "RATELIMIT_TITLE_REQUEST_PER_ADDRESS": "5 per day",
    # Failed logins from one address (portal/auth/throttle.py delays each account too).
    "RATELIMIT_LOGIN_FAILURES_PER_CLIENT": "100 per 10 minutes",
}


# Settings that are not read from the environment: they are part of the design.
FIXED = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_NAME": "portal_session",
    "SESSION_COOKIE_HTTPONLY": True,
    # Lax, not Strict: a coordinator following a link in one of our emails must arrive
    # logged in. Every state change is a POST, which Lax does not send cross-site and
    # which also needs a CSRF token.
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "STAFF_SESSION_HOURS": 12,
    # Login throttling (portal/auth/throttle.py): delays that grow, never a lock.
    "LOGIN_FREE_FAILURES": 5,  # checked at once; after the 5th the next waits
    "LOGIN_FIRST_DELAY_SECONDS": 10,  # then 20, 40, ... up to
    "LOGIN_MAX_DELAY_SECONDS": 900,
    "LOGIN_FORGET_HOURS": 24,  # failures older than this are forgotten (rows deleted)
    "OUTBOX_BATCH_SIZE": 200,
    "PASSWORD_LINK_HOURS": 72,
    # Days a public form's sender has to confirm the address (portal/confirmations.py).
    "PUBLIC_CONFIRM_DAYS": 3,
    "OPENING_LINK_DAYS": 14,  # learners often open the opening email days later
}


def check_safe(config: dict) -> None:
    """Refuse to run outside development with a key anyone can know (sessions could be
    forged, issued passwords read). Tests pass their own key."""
    if config.get("DEVELOPMENT"):
        return
    key = config.get("SECRET_KEY")
    if not key or not isinstance(key, str):
        raise UnsafeConfiguration(
            "SECRET_KEY is not set. Set it to a random value on every process, e.g. "
            "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
            "or set PORTAL_DEVELOPMENT=1 on a development machine (docs/DEPLOY.md)."
        )
    if key == DEV_SECRET or (len(key) < MIN_SECRET_LENGTH and not config.get("TESTING")):
        raise UnsafeConfiguration(
            f"SECRET_KEY is the development key or shorter than {MIN_SECRET_LENGTH} "
            "characters. Set it to a random value, e.g. "
            "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')."
        )
