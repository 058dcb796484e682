"""Title requests (掲載リクエスト): forwarded to the publisher, acknowledged to the requester.

Seed 003: only titles the rights holders allow are listed, so a request is passed on to
the publisher without any promise. The publisher gets the wish, not the requester's
address: answering is the secretariat's business, and schools hand out no personal data.
"""

from __future__ import annotations

from portal import ratelimits
from portal.extensions import db
from portal.models import Publisher, TitleRequest
from portal.outbox import queue_email
from portal.web import Refused


def submit(publisher_id: int | None, **fields) -> TitleRequest:
    """Record a request and queue its two emails, in one transaction.

    Refused for an unknown publisher; Limited when the address is over its daily limit.
    """
    publisher = db.session.get(Publisher, publisher_id) if publisher_id else None
    if publisher is None:
        raise Refused("出版社を選んでください。")
    ratelimits.hit_destination("title_request", fields["requester_email"])
    wish = TitleRequest(publisher=publisher, **fields)
    db.session.add(wish)
    db.session.flush()
    queue_email(
        "title_request_to_publisher",
        publisher.contact_email,
        f"title-request:{wish.id}:publisher",
        wish=wish,
        publisher=publisher,
    )
    queue_email(
        "title_request_to_requester",
        wish.requester_email,
        f"title-request:{wish.id}:requester",
        wish=wish,
        publisher=publisher,
    )
    db.session.commit()
    return wish
