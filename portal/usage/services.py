"""The rules of the usage reports: which months exist, building a report once, the email.

A report is built at most once per contract and month (a unique row, inserted with
ON CONFLICT DO NOTHING) and emailed at most once per coordinator (the outbox key
``usage-report:<contract>:<YYYY-MM>:<coordinator>``), whoever asks first: the month-start
tick, a second tick, or a coordinator downloading the month before the tick ran.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.dbutil import insert_ignoring_conflicts
from portal.extensions import db
from portal.models import Contract, UsageReport
from portal.outbox import queue_email
from portal.renewal.notices import coordinators
from portal.usage import figures, report
from portal.usage.months import Month, current
from portal.web import Refused

TEMPLATE = "usage_report_to_coordinator"
TOP_IN_EMAIL = 5


def contracts_of(organisation_id: int) -> list[Contract]:
    """The organisation's contracts, the latest first."""
    return db.session.scalars(
        select(Contract)
        .where(Contract.organisation_id == organisation_id)
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
    ).all()


def ensure_report(contract: Contract, month: Month) -> UsageReport:
    """The stored report of the month, built now if it does not exist yet."""
    existing = _stored(contract.id, month)
    if existing is not None:
        return existing
    data = report.gather(contract, month)
    built_at = clock.now()
    db.session.execute(insert_ignoring_conflicts(UsageReport, ["contract_id", "month"]).values(
        contract_id=contract.id, organisation_id=contract.organisation_id,
        month=month.first_day, filename=report.filename(contract, month),
        data=report.workbook(data, built_at), built_at=built_at,
    ))
    return _stored(contract.id, month)  # ours, or the one a concurrent run inserted first


def _stored(contract_id: int, month: Month) -> UsageReport | None:
    return db.session.scalar(select(UsageReport).where(
        UsageReport.contract_id == contract_id, UsageReport.month == month.first_day))


def notify(row: UsageReport) -> int:
    """Email the report to each coordinator of the organisation, once; how many new."""
    contract, month = row.contract, Month.of(row.month)
    data = report.gather(contract, month)
    sent = 0
    for coordinator in coordinators(contract.organisation_id):
        sent += queue_email(
            TEMPLATE, coordinator.email,
            f"usage-report:{contract.id}:{month.key}:{coordinator.id}",
            organisation_id=contract.organisation_id,
            attachments=[(row.filename, report.CONTENT_TYPE, row.data)],
            coordinator=coordinator, contract=contract, organisation=contract.organisation,
            month=month, figures=data, top=data.top(TOP_IN_EMAIL),
            figures_filename=row.filename,
        )
    if row.notified_at is None:
        row.notified_at = clock.now()
    return sent


def downloadable(contract: Contract, month: Month) -> UsageReport:
    """The report a person may download: a finished month the contract is reported for.

    A month outside the contract answers 404 (LookupError); this month, or a later one of
    the term, is refused with the date its report comes (its figures are still growing).
    """
    this_month = current()
    if month not in figures.contract_months(contract, max(month, this_month)):
        raise LookupError(month.key)
    if month < this_month:
        return ensure_report(contract, month)
    stored = _stored(contract.id, month)  # e.g. a tick run ahead with --date
    if stored is not None:
        return stored
    raise Refused(
        f"{month.label}はまだ終わっていないため、利用データを作成できません。",
        f"{month.next().label}1日に作成し、メールでお送りします。それまではこの画面で途中経過をご覧ください。",
        title="この月の利用データはまだありません",
    )
