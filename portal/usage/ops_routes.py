"""The operators' usage overview across organisations, its exports, and any report."""

from __future__ import annotations

from flask import Blueprint, abort, request
from sqlalchemy import select

from portal.auth.access import role_required
from portal.extensions import db
from portal.models import Contract
from portal.sheets import Sheet, SheetError, csv_download, xlsx_download
from portal.usage import overview, pages
from portal.usage.months import Month
from portal.usage.routes import send_report
from portal.web import Refused, render

bp = Blueprint("ops_usage", __name__, url_prefix="/ops/usage")
operator_only = role_required("operator")


@bp.get("/")
@operator_only
def index():
    return render("usage/overview.html", page=pages.overview_page(request.args.get("month")))


@bp.get("/<month_key>.xlsx")
@operator_only
def export_xlsx(month_key: str):
    month = Month.parse(month_key) or abort(404)
    rows = [r.cells() for r in overview.by_contract(month)]
    return xlsx_download(f"利用状況_{month.key}.xlsx", [
        Sheet(month.key, overview.HEADER, rows, widths=(12, 30, 6, 22, 18, 10, 12, 10, 14, 14)),
    ])


@bp.get("/<month_key>.csv")
@operator_only
def export_csv(month_key: str):
    month = Month.parse(month_key) or abort(404)
    rows = [r.cells() for r in overview.by_contract(month)]
    try:
        return csv_download(f"利用状況_{month.key}.csv", overview.HEADER, rows,
                            encoding=request.args.get("encoding", "utf-8"))
    except SheetError as exc:
        raise Refused(str(exc), "UTF-8 の CSV か Excel 形式をお使いください。") from exc


@bp.get("/contracts/<int:contract_id>/<month_key>.xlsx")
@operator_only
def download(contract_id: int, month_key: str):
    contract = db.session.scalar(select(Contract).where(Contract.id == contract_id))
    if contract is None:
        abort(404)
    return send_report(contract, month_key)
