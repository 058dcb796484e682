"""URLs that carry a secret (a one-time link's token), and their redaction in logs.

The token is in the URL of the email's link only: the first request moves it into the
session and redirects to a URL without it (portal/auth/routes.py). That first request
still reaches the access log, so the log line is redacted by gunicorn's logger class
(gunicorn.conf.py) and by a filter on the development server's log.
"""

from __future__ import annotations

import logging
import re

# /password/<token> and /confirm/<token> (a public form's confirmation link).
SECRET_PATH = re.compile(r"(/(?:password|confirm)/)[A-Za-z0-9_\-.%]+")


MAX_TOKEN = 64  # ours are 43 characters (security.new_token)


def redact(text: str) -> str:
    return SECRET_PATH.sub(r"\1…", text)


class RedactFilter(logging.Filter):
    """Redacts tokens in a log record's message (werkzeug's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if SECRET_PATH.search(message):
            record.msg, record.args = redact(message), ()
        return True


def install_dev_server_filter() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactFilter) for f in logger.filters):
        logger.addFilter(RedactFilter())


def no_referrer(response):
    """Pages that carry a link's secret send no Referer anywhere and are never cached."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def page(template: str, status: int = 200, **context):
    """A page that may hold a link's secret: rendered, with ``no_referrer``'s headers."""
    from flask import make_response, render_template

    return no_referrer(make_response(render_template(template, **context), status))


def into_session(key: str, token: str, target: str):
    """The first request of an emailed link: keep its token in the session under ``key``
    and send the browser on to ``target``, a URL without it."""
    from flask import redirect, session

    if len(token) <= MAX_TOKEN:
        session[key] = token
    else:  # not one of ours: a huge value would make a cookie browsers drop
        session.pop(key, None)
    return no_referrer(redirect(target, 303))
