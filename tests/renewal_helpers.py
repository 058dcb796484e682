"""Shared set-up of the renewal tests: a company contract ending 2023-12-31."""

from datetime import date

import pytest
from factories import PASSWORD
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboundEmail, Renewal

# The contract ends 2023-12-31: M is January 2024, the window 2023-10-01 to 2024-01-10.
ENDS = date(2023, 12, 31)


@pytest.fixture
def world(app, make):
    for code, family, rank in [("silver", "company", 1), ("gold", "company", 2),
                               ("platinum", "company", 3), ("english", "english", 1)]:
        make.library(code, family=family, rank=rank)
    make.library("school", family="school", rank=1, min_seats=41)
    make.library("retired", rank=4, offered=False)
    org = make.organisation()
    coordinator = make.coordinator(org, login_id="coord-x")
    contract = make.contract(org, make.library("gold"), date(2023, 1, 1), ENDS, seats=20)
    make.operator(login_id="ops-x")
    make.distributor(prefectures=(13,), email="orders@dist.example.jp")
    db.session.commit()
    return {"org_id": org.id, "coordinator_id": coordinator.id, "contract_id": contract.id}


@pytest.fixture
def coord(client, world):
    client.login("coord-x", PASSWORD)
    return client


def on(app, day: str):
    app.config["PORTAL_TODAY"] = day


def apply(client, contract_id, **fields):
    data = {"library": "gold", "seats": "20", **fields}
    return client.post(f"/renewals/{contract_id}/apply", data)


def renewal_of(contract_id):
    db.session.expire_all()
    return db.session.scalar(select(Renewal).where(Renewal.contract_id == contract_id))


def emails(kind=None):
    query = select(OutboundEmail).order_by(OutboundEmail.id)
    if kind:
        query = query.where(OutboundEmail.kind == kind)
    db.session.expire_all()
    return db.session.scalars(query).all()


# --- an approved renewal, registration open ------------------------------------------------

REGISTRATION_DAY = "2023-12-15"  # after the 11th of M-1, before the 10th of M


@pytest.fixture
def approved(app, world, make):
    """The world's contract with 10 learners (emails on the even ones), renewed for 12 IDs
    of the same library and approved; the clock inside the registration period."""
    from portal.models import Contract, StaffUser
    from portal.ops.services import approve
    from portal.renewal.services import apply as apply_for

    on(app, REGISTRATION_DAY)
    contract = db.session.get(Contract, world["contract_id"])
    for n in range(1, 11):
        make.learner(contract, login_id=f"{contract.organisation.code}-{n:03d}",
                     name=f"受講者{n}", email=f"learner{n}@example.jp" if n % 2 == 0 else None)
    contract.organisation.learner_seq = 10
    coordinator = db.session.get(StaffUser, world["coordinator_id"])
    renewal = apply_for(contract, coordinator, "gold", "12", False)
    operator = db.session.scalar(select(StaffUser).where(StaffUser.login_id == "ops-x"))
    approve(renewal.id, operator)
    return {**world, "renewal_id": renewal.id, "successor_id": renewal.successor_id,
            "org_code": contract.organisation.code}
