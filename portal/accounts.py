"""Issuing learner accounts: IDs as the organisation's code and a sequence number, an
initial password each, enrolled in a contract. Used by new-ID registration, school
orders and the yearly rotation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select, update

from portal import clock, security
from portal.extensions import db
from portal.models import Enrolment, Learner, Organisation


@dataclass(frozen=True)
class NewLearner:
    """What is known of a learner before the ID exists."""

    kind: str = "personal"
    name: str | None = None
    gender: str | None = None
    email: str | None = None
    course_id: int | None = None


def next_login_ids(organisation_id: int, count: int) -> list[str]:
    """Reserve ``count`` new login IDs for the organisation, e.g. A0001-011, A0001-012.

    One UPDATE … RETURNING moves the organisation's counter, so two registrations at once
    never get the same numbers.
    """
    if count <= 0:
        return []
    last, code = db.session.execute(
        update(Organisation)
        .where(Organisation.id == organisation_id)
        .values(learner_seq=Organisation.learner_seq + count)
        .returning(Organisation.learner_seq, Organisation.code)
    ).one()
    return [f"{code}-{n:03d}" for n in range(last - count + 1, last + 1)]


def issue(organisation_id: int, contract_id: int, people: list[NewLearner],
          source: str) -> list[int]:
    """Create the learners with issued passwords and enrol them; their ids, in order."""
    logins = next_login_ids(organisation_id, len(people))
    now = clock.now()
    rows = [
        {
            "organisation_id": organisation_id, "login_id": login, "kind": person.kind,
            "name": person.name, "gender": person.gender, "email": person.email,
            "card_password": security.seal(security.issue_password()), "status": "active",
            "created_at": now, "updated_at": now,
        }
        for login, person in zip(logins, people, strict=True)
    ]
    ids: list[int] = []
    for start in range(0, len(rows), 5000):
        ids += db.session.scalars(
            insert(Learner).returning(Learner.id, sort_by_parameter_order=True),
            rows[start:start + 5000],
        ).all()
    db.session.execute(insert(Enrolment), [
        {"contract_id": contract_id, "learner_id": learner_id, "source": source,
         "course_id": person.course_id, "created_at": now}
        for learner_id, person in zip(ids, people, strict=True)
    ])
    return ids


def enrolled_count(contract_id: int) -> int:
    """How many learner IDs count against the contract now.

    A replaced ID (yearly rotation, lost card) gives its seat to its replacement: during
    March and April a school's old and new IDs both work, for one licence each pair.
    """
    return db.session.scalar(
        select(func.count()).select_from(Enrolment)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(Enrolment.contract_id == contract_id, Learner.replaced_by_id.is_(None))
    )
