"""The emails of a school order, one small function per event.

Each writes an outbox row in the caller's transaction, keyed by the order and the event,
so a retried request or a second click never sends the same email twice.
"""

from __future__ import annotations

from flask import current_app

from portal import security
from portal.models import SchoolOrder, StaffUser
from portal.orders.licences import fewest_packs
from portal.outbox import queue_email
from portal.prefectures import name as prefecture_name
from portal.renewal.notices import distributor_for

__all__ = [
    "accounts_issued", "distributor_for", "login_link_again", "order_received",
    "order_to_distributor",
]


def _context(order: SchoolOrder) -> dict:
    return {
        "order": order,
        "prefecture": prefecture_name(order.prefecture),
        "packs": fewest_packs(order.licences),
    }


def order_received(order: SchoolOrder, token: str) -> bool:
    """The receipt to the applicant: what was ordered, and the link that confirms it (the
    order reaches nobody else before)."""
    return queue_email(
        "school_order_received_to_applicant", order.contact_email,
        f"school-order-received:{order.id}", distributor=order.distributor,
        link=f"{current_app.config['PORTAL_BASE_URL']}/apply/confirm/{token}",
        days=current_app.config["PUBLIC_CONFIRM_DAYS"], **_context(order),
    )


def order_to_distributor(order: SchoolOrder) -> bool:
    """The order: to the distributor of the school's prefecture, or to the secretariat
    where none serves it (seed 003)."""
    distributor = order.distributor
    to = distributor.email if distributor else current_app.config["SECRETARIAT_EMAIL"]
    return queue_email(
        "school_order_to_distributor", to, f"school-order:{order.id}",
        distributor=distributor, **_context(order),
    )


def accounts_issued(order: SchoolOrder, coordinator: StaffUser, token: str) -> bool:
    """The school's coordinator login and a one-time link; the ID list stays in the portal
    (never an attachment), and no password is ever in an email."""
    return queue_email(
        "school_accounts_to_coordinator", coordinator.email, f"school-accounts:{order.id}",
        organisation_id=order.organisation_id, coordinator=coordinator,
        link=f"{current_app.config['PORTAL_BASE_URL']}/password/{token}",
        hours=current_app.config["PASSWORD_LINK_HOURS"], **_context(order),
    )


def login_link_again(order: SchoolOrder, coordinator: StaffUser, token: str) -> bool:
    """A fresh one-time link, asked for by the distributor or the secretariat; keyed by
    the token, since each request is a cause of its own."""
    return queue_email(
        "school_login_link_to_coordinator", coordinator.email,
        f"school-login-link:{order.id}:{security.token_hash(token)[:16]}",
        organisation_id=order.organisation_id, coordinator=coordinator,
        link=f"{current_app.config['PORTAL_BASE_URL']}/password/{token}",
        hours=current_app.config["PASSWORD_LINK_HOURS"], **_context(order),
    )
