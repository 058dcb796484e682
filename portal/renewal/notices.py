"""The emails of the renewal application, one small function per event.

Each writes outbox rows in the caller's transaction. The idempotency key names the cause
(and the renewal's revision where a change deserves a new email), so that a retried
request or a second tick never sends the same email twice.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contract, Distributor, DistributorPrefecture, Renewal, StaffUser
from portal.models.people import COORDINATOR
from portal.outbox import queue_email
from portal.prefectures import name as prefecture_name


def coordinators(organisation_id: int) -> list[StaffUser]:
    """The organisation's active coordinators (教育担当者), who get its renewal emails."""
    return db.session.scalars(
        select(StaffUser)
        .where(
            StaffUser.organisation_id == organisation_id,
            StaffUser.role == COORDINATOR,
            StaffUser.active.is_(True),
        )
        .order_by(StaffUser.id)
    ).all()


def _to_coordinators(template: str, key: str, contract: Contract, **context) -> int:
    sent = 0
    for coordinator in coordinators(contract.organisation_id):
        sent += queue_email(
            template,
            coordinator.email,
            f"{key}:{coordinator.id}",
            organisation_id=contract.organisation_id,
            coordinator=coordinator,
            contract=contract,
            organisation=contract.organisation,
            cal=contract.calendar,
            **context,
        )
    return sent


def invitation(contract: Contract) -> int:
    """継続契約ご案内メール, on the 1st of M-3: once per contract and coordinator."""
    return _to_coordinators(
        "renewal_invitation_to_coordinator", f"renewal-invitation:{contract.id}", contract
    )


def reminder(contract: Contract, on: date) -> int:
    """A reminder before the application deadline, to those not (fully) applied."""
    return _to_coordinators(
        "renewal_reminder_to_coordinator",
        f"renewal-reminder:{contract.id}:{on.isoformat()}",
        contract,
        renewal=contract.renewal,
    )


def application_received(renewal: Renewal) -> int:
    """The receipt of an application or of its change."""
    return _to_coordinators(
        "renewal_received_to_coordinator",
        f"renewal-received:{renewal.id}:{renewal.revision}",
        renewal.contract,
        renewal=renewal,
    )


def application_cancelled(renewal: Renewal) -> int:
    return _to_coordinators(
        "renewal_cancelled_to_coordinator",
        f"renewal-cancelled:{renewal.id}:{renewal.revision}",
        renewal.contract,
        renewal=renewal,
    )


def confirmed(renewal: Renewal, relation: str) -> int:
    """お申込み確定のメール, on approval."""
    return _to_coordinators(
        "renewal_confirmed_to_coordinator",
        f"renewal-confirmed:{renewal.id}",
        renewal.contract,
        renewal=renewal,
        successor=renewal.successor,
        relation=relation,
    )


def rejected(renewal: Renewal) -> int:
    return _to_coordinators(
        "renewal_rejected_to_coordinator",
        f"renewal-rejected:{renewal.id}:{renewal.revision}",
        renewal.contract,
        renewal=renewal,
    )


def lapsed(renewal: Renewal) -> int:
    return _to_coordinators(
        "renewal_lapsed_to_coordinator", f"renewal-lapsed:{renewal.id}", renewal.contract,
        renewal=renewal,
    )


def usage_start(renewal: Renewal, admin: StaffUser, token: str) -> bool:
    """利用開始案内メール: the new contract's own admin login and a one-time link."""
    contract = renewal.contract
    return queue_email(
        "usage_start_to_coordinator",
        admin.email,
        f"usage-start:{renewal.id}",
        organisation_id=contract.organisation_id,
        admin=admin,
        renewal=renewal,
        successor=renewal.successor,
        organisation=contract.organisation,
        link=f"{current_app.config['PORTAL_BASE_URL']}/password/{token}",
        hours=current_app.config["PASSWORD_LINK_HOURS"],
    )


def distributor_for(prefecture: int) -> Distributor | None:
    """The distributor serving ``prefecture``, if any."""
    return db.session.scalar(
        select(Distributor)
        .join(DistributorPrefecture)
        .where(DistributorPrefecture.prefecture == prefecture)
    )


def order(renewal: Renewal) -> bool:
    """The order email: to the distributor of the organisation's prefecture, or to the
    secretariat where none serves it."""
    organisation = renewal.contract.organisation
    distributor = distributor_for(organisation.prefecture)
    to = distributor.email if distributor else current_app.config["SECRETARIAT_EMAIL"]
    return queue_email(
        "renewal_order_to_distributor",
        to,
        f"renewal-order:{renewal.id}",
        organisation_id=organisation.id,
        renewal=renewal,
        successor=renewal.successor,
        organisation=organisation,
        prefecture=prefecture_name(organisation.prefecture),
        distributor=distributor,
        applicant=db.session.get(StaffUser, renewal.applied_by_id) if renewal.applied_by_id else None,
    )
