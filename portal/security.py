"""Passwords, one-time tokens, issued-password encryption and response headers."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import string

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, has_app_context, make_response
from flask_login import current_user

# RFC 9106's low-memory profile in production; the test suite may ask for argon2-cffi's
# cheapest parameters (PASSWORD_HASH_PROFILE=test), which keep the same code paths.
_HASHERS = {
    "default": PasswordHasher(),
    "test": PasswordHasher.from_parameters(profiles.CHEAPEST),
}


@functools.cache
def _dummy_hash(profile: str) -> str:
    """Verified against when the account does not exist, so that both answers take as long.
    Made on first use: argon2 needs 64 MiB to make it, which no import should pay."""
    return _HASHERS[profile].hash("no-such-account")


def _profile() -> str:
    return current_app.config.get("PASSWORD_HASH_PROFILE", "default") if has_app_context() \
        else "default"

# Issued passwords avoid characters that are confused on a printed card (0/O, 1/l/I).
_CARD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHERS[_profile()].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; spends the same time when there is no hash."""
    profile = _profile()
    try:
        return (_HASHERS[profile].verify(password_hash or _dummy_hash(profile), password)
                and bool(password_hash))
    except (VerificationError, InvalidHashError):
        return False


def spend_verify_time() -> None:
    """Burn one hash verification, for answers that must not be faster than a real check."""
    verify_password(None, "x")


def new_token() -> str:
    """A random URL-safe token for cookies and one-time links."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What we store of a token: its SHA-256, so a database leak opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password(length: int = 10) -> str:
    """An initial password for an account card."""
    return "".join(secrets.choice(_CARD_ALPHABET) for _ in range(length))


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"].encode()
    key = hashlib.sha256(b"issued-password\0" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str) -> str:
    """Encrypt an issued password for storage."""
    return _fernet().encrypt(text.encode()).decode()


def unseal(sealed: str) -> str | None:
    """Decrypt an issued password; None if it cannot be read (e.g. SECRET_KEY changed)."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def matches_issued(sealed: str | None, password: str) -> bool:
    """Whether ``password`` is the issued one; as slow as a hash check, on purpose."""
    spend_verify_time()
    issued = unseal(sealed) if sealed else None
    return issued is not None and hmac.compare_digest(issued.encode(), password.encode())


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response):
    """after_request hook: the headers every answer carries."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if "Cache-Control" not in headers and _logged_in():
        headers["Cache-Control"] = "private"  # a staff page: never in a shared cache
    return response


def _logged_in() -> bool:
    return bool(current_user and current_user.is_authenticated)


def no_store(view):
    """For a page that shows a password or a token: no browser keeps a copy of it (the
    cache of a shared school PC, the back button after logout)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped
