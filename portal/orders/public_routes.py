"""The public application (/apply): no login, a real form first, htmx for the calculator."""

from __future__ import annotations

from flask import redirect, request, session, url_for

from portal import clock, ratelimits, secret_urls
from portal.extensions import db
from portal.models import SchoolOrder
from portal.models.orders import TERM_LABELS, TWELVE_MONTHS
from portal.orders import applications, calculator
from portal.orders.routes import bp
from portal.prefectures import PREFECTURES
from portal.web import render

LAST_ORDER = "school_order_id"


@bp.route("/apply", methods=["GET", "POST"])
@ratelimits.public_form("apply")
def apply():
    today = clock.today()
    if request.method == "GET":
        values = {"submission_key": applications.new_submission_key(),
                  "start_month": f"{today:%Y-%m}", "first_term": TWELVE_MONTHS}
        return _page(values, {})
    values = request.form.to_dict()
    values.setdefault("submission_key", applications.new_submission_key())
    if request.form.get("action") == "quote":  # the calculator without JavaScript
        return _page(values, {})
    application, errors = applications.read(values, today)
    if errors:
        return _page(values, errors, status=422)
    order, _ = applications.submit(application, values["submission_key"])
    session[LAST_ORDER] = order.id
    return redirect(url_for("orders.applied"))


CONFIRM_KEY = "apply_confirmation"


@bp.get("/apply/confirm/<token>")
def open_confirmation(token: str):
    """The receipt's link: the token moves into the session (secret_urls.into_session)."""
    return secret_urls.into_session(CONFIRM_KEY, token, url_for("orders.confirmation"))


@bp.route("/apply/confirm", methods=["GET", "POST"])
def confirmation():
    """The application as sent, and the button that confirms it (a GET confirms nothing,
    so a mail scanner opening the link cannot)."""
    token = session.get(CONFIRM_KEY)
    if request.method == "POST":
        order = applications.confirm(token)
        session.pop(CONFIRM_KEY, None)
        if order is None:
            return _invalid()
        session[LAST_ORDER] = order.id
        return redirect(url_for("orders.confirmed"))
    order = applications.find(token)
    if order is None:
        return _invalid()
    if order.confirmed_at is not None:  # the link opened again after confirming
        session[LAST_ORDER] = order.id
        return redirect(url_for("orders.confirmed"))
    return secret_urls.page("orders/confirm.html", order=order)


def _invalid():
    return secret_urls.page("confirm_invalid.html", 410, what="お申込み",
                            again=url_for("orders.apply"))


@bp.get("/apply/confirmed")
def confirmed():
    order_id = session.get(LAST_ORDER)
    order = db.session.get(SchoolOrder, order_id) if order_id else None
    if order is None or order.confirmed_at is None:
        return redirect(url_for("orders.apply"))
    return render("orders/confirmed.html", order=order)


@bp.get("/apply/quote")
def quote():
    """htmx: the calculator fragment for the counts and term typed so far."""
    estimate = calculator.estimate(request.args, clock.today())
    return render("orders/_quote.html", estimate=estimate)


@bp.get("/apply/done")
def applied():
    order_id = session.get(LAST_ORDER)
    order = db.session.get(SchoolOrder, order_id) if order_id else None
    if order is None:
        return redirect(url_for("orders.apply"))
    return render("orders/applied.html", order=order)


def _page(values: dict, errors: dict, status: int = 200):
    today = clock.today()
    return render("orders/apply.html", values=values, errors=errors, http_status=status,
                  estimate=calculator.estimate(values, today), prefectures=PREFECTURES,
                  months=applications.start_months(today), terms=TERM_LABELS)
