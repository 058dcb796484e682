"""The emails of a school's accounts: the yearly rotation and a lost card's reissue.

They go to every active coordinator of the school, keyed by the cause and the
coordinator, and never carry an ID list or a password: the coordinator prints them from
the portal.
"""

from __future__ import annotations

from portal.deadlines import Rotation
from portal.models import Contract, Learner, StaffUser
from portal.outbox import queue_email
from portal.renewal.notices import coordinators


def rotated(contract: Contract, rotation: Rotation, issued: int) -> int:
    """年度末のアカウント更新: new IDs are ready; the old ones work until 30 April."""
    sent = 0
    for coordinator in coordinators(contract.organisation_id):
        sent += queue_email(
            "school_rotation_to_coordinator", coordinator.email,
            f"school-rotation:{contract.id}:{rotation.issue_from.year}:{coordinator.id}",
            organisation_id=contract.organisation_id, coordinator=coordinator,
            organisation=contract.organisation, contract=contract, rotation=rotation,
            issued=issued,
        )
    return sent


def reissued(old: Learner, new: Learner | None, contract: Contract,
             actor: StaffUser | None) -> int:
    """A lost card's ID is disabled; the new account (if one was issued) is ready to print."""
    sent = 0
    for coordinator in coordinators(old.organisation_id):
        sent += queue_email(
            "school_reissue_to_coordinator", coordinator.email,
            f"school-reissue:{old.id}:{coordinator.id}",
            organisation_id=old.organisation_id, coordinator=coordinator,
            organisation=old.organisation, contract=contract, old=old, new=new, actor=actor,
        )
    return sent
