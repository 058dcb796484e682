"""Operator pages: renewal applications to approve, and the outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import params
from portal.auth.access import role_required
from portal.extensions import db
from portal.models.outbox import STATUSES as OUTBOX_STATUSES
from portal.ops import services
from portal.outbox import recent, resend
from portal.renewal.forms import ConfirmForm
from portal.web import render

bp = Blueprint("ops", __name__, url_prefix="/ops")
operator_only = role_required("operator")


@bp.get("/renewals")
@operator_only
def renewals():
    filters = {key: request.args.get(key) or None for key in ("opening_month", "organisation")}
    filters["status"] = params.choice(request.args.get("status"), services.STATUS_LABELS)
    return render("ops/renewals.html", "ops/_renewal_rows.html",
                  renewals=services.applications(**filters), filters=filters,
                  counts=services.counts_by_status(), labels=services.STATUS_LABELS,
                  form=ConfirmForm())


@bp.post("/renewals/<int:renewal_id>/approve")
@operator_only
def approve(renewal_id: int):
    try:
        decision = services.approve(renewal_id, current_user, _revision())
    except LookupError:
        abort(404)
    if decision.changed:
        flash(f"{decision.renewal.contract.organisation.name} の継続申込を承認しました。", "success")
    else:
        flash("この申込はすでに承認済みです。", "info")
    return redirect(url_for("ops.renewals", **_kept_filters()))


@bp.post("/renewals/<int:renewal_id>/reject")
@operator_only
def reject(renewal_id: int):
    try:
        decision = services.reject(renewal_id, current_user, request.form.get("reason", ""),
                                   _revision())
    except LookupError:
        abort(404)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("ops.renewals", **_kept_filters()))
    flash(f"{decision.renewal.contract.organisation.name} の継続申込を却下しました。", "info")
    return redirect(url_for("ops.renewals", **_kept_filters()))


@bp.get("/outbox")
@operator_only
def outbox():
    status = params.choice(request.args.get("status"), OUTBOX_STATUSES)
    return render("ops/outbox.html", emails=recent(status), status=status,
                  form=ConfirmForm())


@bp.post("/outbox/resend")
@operator_only
def resend_failed():
    ids = params.ids(request.form.getlist("email_id"))
    count = resend(ids)
    db.session.commit()
    flash(f"{count} 件のメールを再送キューに入れました。", "success")
    return redirect(url_for("ops.outbox", status="failed"))


def _revision() -> int | None:
    return params.whole(request.form.get("revision"))


def _kept_filters() -> dict:
    return {k: v for k in ("status", "opening_month", "organisation")
            if (v := request.form.get(f"keep_{k}"))}
