"""What the usage pages show, assembled from the figures: months, charts and tables.

The coordinator's page and the operators' overview draw the same three charts; only the
scope of the query differs (one contract, or all).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contract, UsageReport
from portal.usage import charts, figures, overview, report
from portal.usage.months import Month, current, span

TOP_ON_PAGE = 10
OVERVIEW_MONTHS = 12  # the operators' charts show this many months
MONTH_CHOICES = 24


@dataclass
class Charts:
    logins: Markup
    titles: Markup
    top: Markup


@dataclass
class ContractPage:
    """The coordinator's usage page of one contract and one month."""

    contract: Contract
    months: list[Month]
    month: Month | None
    series: dict[Month, figures.Point] = field(default_factory=dict)
    figures: report.MonthlyFigures | None = None
    charts: Charts | None = None
    reports: dict[Month, UsageReport] = field(default_factory=dict)
    this_month: Month = field(default_factory=current)

    def finished(self, month: Month) -> bool:
        """Whether the month is over, so that its report can be downloaded."""
        return month < self.this_month or month in self.reports


def pick(text: str | None, months: list[Month], default: Month | None) -> Month | None:
    """The month asked for if it is one of ``months``, else ``default``."""
    asked = Month.parse(text)
    return asked if asked in months else default


def contract_page(contract: Contract, asked: str | None) -> ContractPage:
    """The page data: every reported month of the contract, one of them in detail."""
    this_month = current()
    months = figures.contract_months(contract, this_month)
    finished = [m for m in months if m < this_month]
    month = pick(asked, months, finished[-1] if finished else (months[-1] if months else None))
    page = ContractPage(contract, months, month, this_month=this_month)
    if month is None:
        return page
    page.series = figures.series(months, contract.id)
    page.figures = report.gather(contract, month)
    page.charts = draw(f"c{contract.id}", page.series, month, page.figures.top(TOP_ON_PAGE))
    page.reports = {
        Month.of(r.month): r for r in db.session.scalars(
            select(UsageReport).where(UsageReport.contract_id == contract.id))
    }
    return page


@dataclass
class OverviewPage:
    """The operators' page: all contracts, one month, and the months around it."""

    month: Month
    choices: list[Month]
    series: dict[Month, figures.Point]
    point: figures.Point
    rows: list[overview.ContractRow]
    top: list[figures.TitleRow]
    charts: Charts


def overview_page(asked: str | None) -> OverviewPage:
    """The overview of the month asked for (last month by default)."""
    this_month = current()
    choices = span(this_month.shift(1 - MONTH_CHOICES), this_month)
    month = pick(asked, choices, this_month.prev())
    # The twelve months up to this one, or from the chosen one when it is older.
    first = min(month, this_month.shift(1 - OVERVIEW_MONTHS))
    months = span(first, first.shift(OVERVIEW_MONTHS - 1))
    series = figures.series(months)
    top = figures.top_titles(month, limit=TOP_ON_PAGE)
    return OverviewPage(month, choices[::-1], series, series[month],
                        overview.by_contract(month), top, draw("all", series, month, top))


def draw(prefix: str, series: dict[Month, figures.Point], month: Month,
         top: list[figures.TitleRow]) -> Charts:
    """The three charts: logins per month, titles read per month, the top titles."""
    first, last = min(series), max(series)
    period = f"{first.label}から{last.label}まで"

    def monthly(attr: str) -> list[charts.Bar]:
        return [charts.Bar(m.short_label, getattr(p, attr), m.label, m == month)
                for m, p in series.items()]

    return Charts(
        logins=charts.column_chart(f"{prefix}-logins", f"月別の利用回数({period})",
                                   monthly("logins"), "回"),
        titles=charts.column_chart(f"{prefix}-titles", f"月別の読まれた本の数({period})",
                                   monthly("titles_read"), "冊"),
        top=charts.bar_list_chart(
            f"{prefix}-top", f"{month.label}によく読まれた本(開かれた回数)",
            [charts.Bar(t.title, t.opens, f"{t.rank}位 {t.title}({t.publisher})")
             for t in top], "回"),
    )
