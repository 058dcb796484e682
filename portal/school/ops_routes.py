"""The secretariat's school pages: licence prices, and the reissue of a lost card that a
school reported by phone or email (seed 003: 事務局にご連絡下さい)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from portal import clock
from portal.auth.access import role_required
from portal.orders import pricing
from portal.renewal.forms import ConfirmForm
from portal.school import reissue
from portal.web import render

bp = Blueprint("school_ops", __name__, url_prefix="/ops/school")
operator_only = role_required("operator")

PRICE_FIELDS = {"basic_price": "基本41ライセンスの料金", "pack_a_price": "A契約(5ライセンス)の料金",
                "pack_b_price": "B契約(10ライセンス)の料金"}


@bp.route("/prices", methods=["GET", "POST"])
@operator_only
def prices():
    today = clock.today()
    values = request.form.to_dict() if request.method == "POST" else _current_values(today)
    errors = {}
    if request.method == "POST":
        try:
            parsed = {k: pricing.parse_price(values.get(k), k, label)
                      for k, label in PRICE_FIELDS.items()}
            setting = pricing.save(_date(values.get("effective_from")), today, parsed,
                                   current_user)
        except pricing.Invalid as exc:
            errors[exc.field] = exc.message
        else:
            flash(f"{setting.effective_from:%Y年%m月%d日}からの料金を保存しました。", "success")
            return redirect(url_for("school_ops.prices"))
    return render("school/ops_prices.html", values=values, errors=errors,
                  fields=PRICE_FIELDS, history=pricing.history(),
                  current=pricing.in_effect(today), form=ConfirmForm(),
                  http_status=422 if errors else 200)


@bp.route("/reissue", methods=["GET", "POST"])
@operator_only
def reissue_card():
    """GET without an ID: the lookup form; with one: the confirmation; POST: reissue."""
    login_id = request.values.get("login_id", "")
    if request.method == "GET" and not login_id:
        return render("school/ops_reissue.html", login_id="", error=None)
    try:
        learner = reissue.find(login_id)
    except reissue.NotFound as exc:
        return render("school/ops_reissue.html", login_id=login_id, error=str(exc), http_status=404)
    if request.method == "GET":
        return render("school/reissue.html", learner=learner, contract=None, form=ConfirmForm(),
                      action=url_for("school_ops.reissue_card"),
                      back=url_for("school_ops.reissue_card"))
    done = reissue.reissue(learner.id, current_user)
    flash(*reissue.outcome(done))
    return redirect(url_for("school_ops.reissue_card"))


def _current_values(today: date) -> dict:
    setting = pricing.in_effect(today)
    values = {"effective_from": today.isoformat()}
    if setting:
        values.update({k: str(getattr(setting, k)) for k in PRICE_FIELDS})
    return values


def _date(text: str | None) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise pricing.Invalid("effective_from",
                              "適用開始日は 2027-04-01 のように YYYY-MM-DD の形で入力してください。") from None
