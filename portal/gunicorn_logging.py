"""gunicorn's logger, with one-time tokens redacted from the access log (secret_urls)."""

from __future__ import annotations

from gunicorn.glogging import Logger

from portal.secret_urls import SECRET_PATH, redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom: the request line, path, query, Referer and raw environ values alike.
        for name, value in atoms.items():
            if isinstance(value, str) and SECRET_PATH.search(value):
                atoms[name] = redact(value)
        return atoms
