"""Account issuance (アカウント発行): what an accepted school order becomes.

The school's organisation, its contract for the first term, a coordinator login for the
contact (no password: a one-time link by email), and the learner IDs with issued
passwords, personal first, then shared. Called once, by the move that claimed the order.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import accounts, audit
from portal.accounts import NewLearner
from portal.auth.services import issue_password_link
from portal.extensions import db
from portal.models import Contract, Library, Organisation, SchoolOrder, StaffUser
from portal.models.contract import INITIAL
from portal.models.organisation import SCHOOL
from portal.models.people import COORDINATOR, PERSONAL, SHARED
from portal.orders import notices
from portal.web import Refused

SCHOOL_LIBRARY = "school"


def issue(order: SchoolOrder, actor: StaffUser) -> None:
    """Create everything the order asked for and email the coordinator (caller commits)."""
    library = db.session.scalar(select(Library).where(Library.code == SCHOOL_LIBRARY))
    if library is None:
        raise Refused("学校向けライブラリ(コード school)が登録されていません。",
                      "事務局でライブラリを登録してから、もう一度操作してください。",
                      title="アカウントを発行できません")
    organisation = Organisation(code=organisation_code(order), name=order.school_name,
                                kind=SCHOOL, prefecture=order.prefecture)
    contract = Contract.for_term(
        order.starts_on, order.ends_on, organisation=organisation, library=library,
        seats=order.licences, personal_seats=order.personal_count,
        shared_seats=order.shared_count, yearly_rotation=order.yearly_rotation,
    )
    coordinator = StaffUser(
        login_id=f"{organisation.code.lower()}-admin", name=order.contact_name,
        email=order.contact_email, role=COORDINATOR, organisation=organisation,
    )
    db.session.add_all([organisation, contract, coordinator])
    db.session.flush()
    people = ([NewLearner(kind=PERSONAL)] * order.personal_count
              + [NewLearner(kind=SHARED)] * order.shared_count)
    accounts.issue(organisation.id, contract.id, people, INITIAL)
    order.organisation_id = organisation.id
    order.contract_id = contract.id
    order.coordinator_id = coordinator.id
    notices.accounts_issued(order, coordinator, issue_password_link(coordinator))


def organisation_code(order: SchoolOrder) -> str:
    """S and the order's number (S0012): unique by construction, with a letter added in
    the unlikely case that someone created that code by hand."""
    base = f"S{order.id:04d}"
    taken = set(db.session.scalars(
        select(Organisation.code).where(Organisation.code.like(f"{base}%"))
    ))
    for suffix in ["", *"ABCDEFGHJKLMNPQRSTUVWXYZ"]:
        if base + suffix not in taken:
            return base + suffix
    raise RuntimeError(f"no free organisation code for {base}")


def resend_login_link(order: SchoolOrder, actor: StaffUser) -> StaffUser:
    """A new one-time link for the school's coordinator, e.g. when the first expired."""
    if order.coordinator_id is None:
        raise Refused("この注文はまだアカウントを発行していません。", title="ログイン案内を送れません")
    coordinator = db.session.get(StaffUser, order.coordinator_id)
    token = issue_password_link(coordinator)
    notices.login_link_again(order, coordinator, token)
    audit.record("school_order.login_link", order, actor, order.organisation_id,
                 coordinator=coordinator.login_id)
    db.session.commit()
    return coordinator
