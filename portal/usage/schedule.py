"""The usage data's part of the daily tick: last month's reports, built and emailed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, select

from portal.daily import step
from portal.extensions import db
from portal.models import Contract, UsageReport
from portal.usage import figures, services
from portal.usage.months import Month


@step
def send_monthly_usage_reports(day: date) -> int:
    """月次利用データ: on the 1st, last month's report of every contract to its coordinators.

    Any later day of the month catches up with the contracts not yet done (a skipped tick,
    a failure half-way), so the step looks for what is missing rather than at the date.
    Each contract commits on its own: a long month-start run keeps what it has built.
    """
    month = Month.of(day).prev()
    done = 0
    for contract_id in due_contracts(month):
        contract = db.session.get(Contract, contract_id)
        row = services.ensure_report(contract, month)
        services.notify(row)
        db.session.commit()
        done += 1
    return done


def due_contracts(month: Month) -> list[int]:
    """Contracts reported for ``month`` whose report has not been emailed yet."""
    notified = (
        select(UsageReport.id)
        .where(and_(UsageReport.contract_id == Contract.id,
                    UsageReport.month == month.first_day,
                    UsageReport.notified_at.is_not(None)))
        .exists()
    )
    return db.session.scalars(
        select(Contract.id).where(figures.reported(month), ~notified).order_by(Contract.id)
    ).all()
