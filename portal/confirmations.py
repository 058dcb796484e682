"""The sender of a public form confirms the address before anything is forwarded.

An application (/apply) or a title request (/catalog/request) is stored unconfirmed and
only a receipt goes out, to the address typed, with a one-time link. Following it shows
the row with a button; pressing it confirms (a compare-and-set, so a double click or two
tabs confirm once) and only then is the distributor, the secretariat or the publisher
emailed. A link is only a GET to a page: mail scanners that open links confirm nothing.
An unconfirmed row is deleted by the daily tick once its link has expired: it was never
shown to anyone but its sender.

The link's token moves into the session on first use, as a password link's does
(portal/auth/routes.py), and is redacted from access logs (portal/secret_urls.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from portal import clock, daily, security
from portal.extensions import db
from portal.models.base import SenderConfirmed


def issue(row) -> str:
    """Give an unconfirmed ``row`` its link; the token, to be emailed (only its hash is
    stored)."""
    token = security.new_token()
    row.confirm_token_hash = security.token_hash(token)
    row.confirm_expires_at = clock.now() + timedelta(days=days())
    row.confirmed_at = None
    return token


def days() -> int:
    return current_app.config["PUBLIC_CONFIRM_DAYS"]


def find(model, token: str | None):
    """The token's row, pending or confirmed; None for an unknown link, or one that
    expired unconfirmed. Whether it is confirmed is ``row.confirmed_at``."""
    if not token:
        return None
    row = db.session.scalar(
        select(model).where(model.confirm_token_hash == security.token_hash(token)))
    if row is None or (row.confirmed_at is None and row.confirm_expires_at < clock.now()):
        return None
    return row


def confirm(model, token: str | None) -> tuple[object, bool] | None:
    """Confirm the token's row once: (row, True) if this call confirmed it, (row, False)
    if it was confirmed before (a double click, a second tab: the caller sends nothing
    again), None for an unknown or expired link. The caller queues the forwarding email
    in the same transaction and commits."""
    if not token:
        return None
    confirmed_id = db.session.scalar(
        update(model)
        .where(model.confirm_token_hash == security.token_hash(token),
               model.confirmed_at.is_(None), model.confirm_expires_at >= clock.now())
        .values(confirmed_at=clock.now())
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    if confirmed_id is not None:
        return db.session.get(model, confirmed_id), True
    row = find(model, token)
    return (row, False) if row is not None and row.confirmed_at is not None else None


@daily.step
def purge_unconfirmed_public_forms(day: date) -> int:
    """The tick: delete the rows of every public form (each model with
    ``SenderConfirmed``'s columns) whose sender never confirmed before the link expired,
    by the clock's now: nobody but the sender ever saw them; how many."""
    now = clock.now()
    return sum(
        db.session.execute(
            delete(model)
            .where(model.confirmed_at.is_(None), model.confirm_expires_at < now)
            .execution_options(synchronize_session=False)
        ).rowcount
        for model in SenderConfirmed.__subclasses__()
    )
