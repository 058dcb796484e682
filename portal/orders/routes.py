"""Orders for distributors (their region's) and the secretariat (all of them).

``orders.index`` is a distributor's home page. Another region's order answers 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import clock, params
from portal.auth.access import role_required
from portal.models.orders import STATUS_LABELS
from portal.orders import issuance, workflow
from portal.prefectures import name as prefecture_name
from portal.school import idlist
from portal.security import no_store
from portal.sheets import xlsx_download
from portal.web import render

bp = Blueprint("orders", __name__)
handlers_only = role_required("distributor", "operator")

DONE_MESSAGES = {
    "accepted": "受付にしました。",
    "issued": "アカウントを発行しました。学校のご担当者にログイン案内のメールを送りました。",
    "shipped": "カード発送済みにしました。",
    "invoiced": "請求済みにしました。",
}


@bp.get("/orders/")
@handlers_only
def index():
    status = params.choice(request.args.get("status"), STATUS_LABELS)
    return render("orders/index.html", orders=workflow.orders_for(current_user, status),
                  counts=workflow.counts_for(current_user), status=status,
                  labels=STATUS_LABELS, prefecture_name=prefecture_name)


@bp.get("/orders/<int:order_id>")
@handlers_only
def show(order_id: int):
    order = _order_or_404(order_id)
    return render("orders/show.html", order=order, next_status=workflow.next_status(order),
                  labels=STATUS_LABELS, history=workflow.history(order),
                  prefecture=prefecture_name(order.prefecture),
                  counts=idlist.counts(order.contract_id) if order.contract_id else None)


@bp.post("/orders/<int:order_id>/advance")
@handlers_only
def advance(order_id: int):
    try:
        move = workflow.advance(order_id, current_user, request.form.get("to", ""))
    except LookupError:
        abort(404)
    if move.changed:
        flash(f"注文 {move.order.reference} を{DONE_MESSAGES[move.order.status]}", "success")
    else:
        flash(f"注文 {move.order.reference} はすでに「{move.order.status_label}」です。", "info")
    return redirect(url_for("orders.show", order_id=order_id))


@bp.post("/orders/<int:order_id>/cancel")
@handlers_only
def cancel(order_id: int):
    try:
        move = workflow.cancel(order_id, current_user, request.form.get("reason", ""))
    except LookupError:
        abort(404)
    flash(f"注文 {move.order.reference} を取り消しました。", "info")
    return redirect(url_for("orders.show", order_id=order_id))


@bp.post("/orders/<int:order_id>/login-link")
@handlers_only
def resend_login_link(order_id: int):
    coordinator = issuance.resend_login_link(_order_or_404(order_id), current_user)
    flash(f"{coordinator.email} にログイン案内(パスワード設定リンク)を送りました。", "success")
    return redirect(url_for("orders.show", order_id=order_id))


@bp.get("/orders/<int:order_id>/accounts.xlsx")
@handlers_only
def accounts_xlsx(order_id: int):
    """The ID/password list, for the distributor who prints and ships the cards."""
    contract = _issued_contract(order_id)
    return xlsx_download(idlist.filename(contract, clock.today()), [idlist.sheet(contract)])


@bp.get("/orders/<int:order_id>/cards")
@handlers_only
@no_store  # printed passwords
def cards(order_id: int):
    contract = _issued_contract(order_id)
    return render("school/cards.html", contract=contract, cards=idlist.cards(contract),
                  back=url_for("orders.show", order_id=order_id))


def _order_or_404(order_id: int):
    try:
        return workflow.find(current_user, order_id)
    except LookupError:
        abort(404)


def _issued_contract(order_id: int):
    order = _order_or_404(order_id)
    if order.contract is None:
        abort(404)
    return order.contract
