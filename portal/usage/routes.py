"""The coordinator's usage pages: the contracts, one contract's months with charts, and
the monthly report download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from portal.auth.access import owned_or_404, role_required
from portal.extensions import db
from portal.models import Contract, UsageReport
from portal.sheets.writer import content_disposition
from portal.usage import figures, pages, report, services
from portal.usage.months import Month, current
from portal.web import render

bp = Blueprint("usage", __name__, url_prefix="/usage")
coordinator_only = role_required("coordinator")


@bp.app_template_filter("num")
def num(value: int) -> str:
    """12,345."""
    return f"{value:,}"


@bp.get("/")
@coordinator_only
def index():
    last = current().prev()
    rows = [(c, figures.month_point(last, c.id))
            for c in services.contracts_of(current_user.organisation_id)]
    return render("usage/index.html", rows=rows, last=last)


@bp.get("/<int:contract_id>")
@coordinator_only
def show(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    return render("usage/show.html", page=pages.contract_page(contract, request.args.get("month")))


@bp.get("/<int:contract_id>/<month_key>.xlsx")
@coordinator_only
def download(contract_id: int, month_key: str):
    contract = owned_or_404(Contract, contract_id)
    return send_report(contract, month_key)


def send_report(contract: Contract, month_key: str) -> Response:
    """The stored report of the month as a download (built now if it is the first ask)."""
    month = Month.parse(month_key) or abort(404)
    try:
        row = services.downloadable(contract, month)
    except LookupError:
        abort(404)
    db.session.commit()  # a report built on this request is kept: later downloads match it
    return report_response(row)


def report_response(row: UsageReport) -> Response:
    """The stored xlsx bytes, as they were emailed."""
    response = Response(row.data, mimetype=report.CONTENT_TYPE)
    response.headers["Content-Disposition"] = content_disposition(row.filename)
    response.headers["Cache-Control"] = "no-store"
    return response
