"""Rate limits of the public forms (Flask-Limiter; docs/SECURITY.md).

Three limits per form, each a setting: per client address and per hour (one visitor),
globally per hour (many addresses at once), and per destination address per day (how
often anyone can make the portal email one stranger). The first two are counted by
Flask-Limiter on every POST that would send (the calculator's recalculation is exempt);
the third is hit by the service once the form is valid, so typing mistakes cost nothing.
Every count is one atomic operation in the storage: Redis when ``REDIS_URL`` is set
(shared by every gunicorn worker and machine), in memory otherwise (development).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from portal.web import Refused

limiter = Limiter(key_func=get_remote_address, strategy="moving-window")
# Where the per-address counts go while the shared storage is unreachable (per process).
_fallback = MovingWindowRateLimiter(MemoryStorage())
log = logging.getLogger(__name__)

class Limited(Refused):
    """Too many sends: answered 429 with the Japanese refusal page."""

    status = 429


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on a 429
    # Redis away must not make a public form answer 500: count in this process meanwhile.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    # Only decorated views are limited, and a decorated view checks its own limits when it
    # runs. The limiter's check before every request (for app-wide limits, which the
    # portal has none of) cost every page about 0.1 ms (docs/PERFORMANCE.md): removed.
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _recalculating() -> bool:
    return request.form.get("action") == "quote"


def public_form(form: str):
    """The per-client and global hourly limits of a public form's POST."""
    upper = form.upper()

    def decorate(view):
        view = limiter.limit(_setting(f"RATELIMIT_{upper}_PER_CLIENT"), methods=["POST"],
                             exempt_when=_recalculating)(view)
        return limiter.shared_limit(_setting(f"RATELIMIT_{upper}_GLOBAL"),
                                    scope=f"{form}-global", key_func=lambda: "all",
                                    methods=["POST"], exempt_when=_recalculating)(view)

    return decorate


LOGIN_LIMITED = ("この端末(ネットワーク)からのログインの失敗が多すぎます。10分ほど待ってから、"
                 "もう一度お試しください。")


def login_form(view):
    """Failed logins per client address, on top of the per-account delays: one address
    guessing across many IDs. Only failures (401) count, so a whole school logging in
    through one address at 9:00 is never refused; a refused attempt costs no hash."""
    return limiter.limit(_setting("RATELIMIT_LOGIN_FAILURES_PER_CLIENT"), methods=["POST"],
                         deduct_when=lambda response: response.status_code == 401,
                         error_message=LOGIN_LIMITED)(view)


def hit_destination(form: str, address: str) -> None:
    """Count one email to ``address`` from ``form``; Limited once over the daily limit."""
    setting = current_app.config[f"RATELIMIT_{form.upper()}_PER_ADDRESS"]
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    keys = (prefix, f"{form}-address", address)
    try:
        allowed = limiter.limiter.hit(parse(setting), *keys)
    except Exception as exc:  # the storage (Redis) is unreachable: fall back, never a 500
        log.warning("rate limit storage unavailable, counting in memory: %s", exc)
        allowed = _fallback.hit(parse(setting), *keys)
    if not allowed:
        raise Limited(
            f"このメールアドレス宛てには、本日これ以上お送りできません({_japanese(setting)})。",
            "明日以降にもう一度お送りいただくか、事務局にご連絡ください。",
            title="送信の回数が上限に達しました",
        )


def _japanese(setting: str) -> str:
    item = parse(setting)
    unit = {"day": "1日", "hour": "1時間", "minute": "1分"}.get(item.GRANULARITY.name, "")
    return f"{unit}{item.amount}件まで"
