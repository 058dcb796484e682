"""Title requests (掲載リクエスト): forwarded to the publisher, acknowledged to the requester.

Seed 003: only titles the rights holders allow are listed, so a request is passed on to
the publisher without any promise. The publisher gets the wish, not the requester's
address: answering is the secretariat's business, and schools hand out no personal data.
"""

from __future__ import annotations

from flask import current_app

from portal import confirmations, ratelimits
from portal.extensions import db
from portal.models import Publisher, TitleRequest
from portal.outbox import queue_email
from portal.web import Refused


def submit(publisher_id: int | None, **fields) -> TitleRequest:
    """Record a request unconfirmed and queue the requester's receipt with the link that
    confirms it; the publisher hears of it only then (portal/confirmations.py).

    Refused for an unknown publisher; Limited when the address is over its daily limit.
    """
    publisher = db.session.get(Publisher, publisher_id) if publisher_id else None
    if publisher is None:
        raise Refused("出版社を選んでください。")
    ratelimits.hit_destination("title_request", fields["requester_email"])
    wish = TitleRequest(publisher=publisher, **fields)
    db.session.add(wish)
    db.session.flush()
    token = confirmations.issue(wish)
    queue_email(
        "title_request_to_requester",
        wish.requester_email,
        f"title-request:{wish.id}:requester",
        wish=wish,
        publisher=publisher,
        link=f"{current_app.config['PORTAL_BASE_URL']}/catalog/request/confirm/{token}",
    )
    db.session.commit()
    return wish


def find(token: str | None) -> TitleRequest | None:
    """The request a confirmation link belongs to, pending or confirmed."""
    return confirmations.find(TitleRequest, token)


def confirm(token: str | None) -> TitleRequest | None:
    """The requester confirmed: the wish goes to the publisher now, once. None when the
    link is unknown or expired."""
    result = confirmations.confirm(TitleRequest, token)
    if result is None:
        return None
    wish, now = result
    if now:
        queue_email(
            "title_request_to_publisher",
            wish.publisher.contact_email,
            f"title-request:{wish.id}:publisher",
            wish=wish,
            publisher=wish.publisher,
        )
        db.session.commit()
    return wish
