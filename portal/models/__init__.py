"""The domain model, in the domain's words."""

from portal.models.audit import AuditEntry
from portal.models.contract import Contract, Enrolment, Renewal
from portal.models.library import Course, Library
from portal.models.organisation import Distributor, DistributorPrefecture, Organisation
from portal.models.outbox import EmailAttachment, EmailBatch, OutboundEmail
from portal.models.people import (
    Learner,
    LearnerSession,
    LoginThrottle,
    PasswordToken,
    StaffSession,
    StaffUser,
)
from portal.models.registration import ListUpload, UploadRow

__all__ = [
    "AuditEntry",
    "Contract",
    "Course",
    "Distributor",
    "DistributorPrefecture",
    "EmailAttachment",
    "EmailBatch",
    "Enrolment",
    "Learner",
    "LearnerSession",
    "Library",
    "ListUpload",
    "LoginThrottle",
    "Organisation",
    "OutboundEmail",
    "PasswordToken",
    "Renewal",
    "StaffSession",
    "StaffUser",
    "UploadRow",
]
