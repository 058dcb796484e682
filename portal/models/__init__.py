"""The domain model, in the domain's words."""

from portal.models.audit import AuditEntry
from portal.models.catalog import (
    Book,
    BookPage,
    CatalogImport,
    Category,
    Publisher,
    TitleRequest,
    library_books,
)
from portal.models.contract import Contract, Enrolment, Renewal
from portal.models.library import Course, Library
from portal.models.orders import PriceSetting, SchoolOrder
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
from portal.models.reading import Bookmark, ReadingPosition
from portal.models.registration import ListUpload, UploadRow
from portal.models.rotation import AccountRotation
from portal.models.usage import UsageEvent
from portal.models.usage_report import UsageReport

__all__ = [
    "AccountRotation",
    "AuditEntry",
    "Book",
    "BookPage",
    "Bookmark",
    "CatalogImport",
    "Category",
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
    "PriceSetting",
    "Publisher",
    "ReadingPosition",
    "Renewal",
    "SchoolOrder",
    "StaffSession",
    "StaffUser",
    "TitleRequest",
    "UploadRow",
    "UsageEvent",
    "UsageReport",
    "library_books",
]
