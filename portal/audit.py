"""Writing the audit log: decisions that cannot be undone, with who made them."""

from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEntry, StaffUser


def record(
    action: str,
    subject,
    actor: StaffUser | None,
    organisation_id: int | None = None,
    **detail,
) -> AuditEntry:
    """Add an audit entry for ``action`` on ``subject`` (the caller commits)."""
    entry = AuditEntry(
        action=action,
        subject_type=type(subject).__name__,
        subject_id=subject.id,
        actor_id=actor.id if actor else None,
        actor_label=f"{actor.login_id} ({actor.name})" if actor else "system",
        organisation_id=organisation_id,
        detail=detail,
    )
    db.session.add(entry)
    return entry
