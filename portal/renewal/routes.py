"""The coordinator's renewal pages: the contract list, the step page and the application."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from portal import clock
from portal.auth.access import owned_or_404, role_required
from portal.models import Contract
from portal.renewal import progress, services
from portal.renewal.forms import ApplyForm, ConfirmForm
from portal.web import render

bp = Blueprint("renewal", __name__, url_prefix="/renewals")
coordinator_only = role_required("coordinator")


@bp.get("/")
@coordinator_only
def index():
    today = clock.today()
    rows = [
        (contract, progress.standing(contract, contract.renewal, today))
        for contract in services.contracts_of(current_user.organisation_id)
    ]
    return render("renewal/index.html", rows=rows, day=today)


@bp.get("/<int:contract_id>")
@coordinator_only
def show(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    today = clock.today()
    steps = progress.steps_for(contract, contract.renewal, today)
    return render("renewal/show.html", contract=contract, renewal=contract.renewal,
                  steps=steps, hrefs=_hrefs(contract, steps), day=today,
                  standing=progress.standing(contract, contract.renewal, today),
                  can_cancel=services.can_cancel(contract.renewal), cancel_form=ConfirmForm())


@bp.route("/<int:contract_id>/apply", methods=["GET", "POST"])
@coordinator_only
def apply(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    services.ensure_application_open(contract, clock.today())
    form = ApplyForm(data=_current_choice(contract))
    if form.validate_on_submit():
        try:
            services.apply(contract, current_user, form.library.data, form.seats.data,
                           form.seats_undetermined.data)
        except services.Invalid as exc:
            form[exc.field].errors.append(exc.message)
            return _apply_page(contract, form, status=422)
        flash("継続申込を受け付けました。確認のメールをお送りしました。", "success")
        return redirect(url_for("renewal.show", contract_id=contract.id))
    return _apply_page(contract, form)


@bp.get("/<int:contract_id>/apply/check")
@coordinator_only
def check_application(contract_id: int):
    """htmx: the live check of the chosen library and count, with what approval locks."""
    contract = owned_or_404(Contract, contract_id)
    check = services.preview(contract, request.args.get("library"), request.args.get("seats"),
                             request.args.get("seats_undetermined") in ("1", "y", "on"))
    return render("renewal/_apply_check.html", check=check, contract=contract)


@bp.post("/<int:contract_id>/cancel")
@coordinator_only
def cancel(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    services.cancel(contract, current_user)
    flash("継続申込を取り消しました。受付期間中は再度お申し込みいただけます。", "info")
    return redirect(url_for("renewal.show", contract_id=contract.id))


def _apply_page(contract: Contract, form: ApplyForm, status: int = 200):
    check = services.preview(contract, form.library.data, form.seats.data,
                             form.seats_undetermined.data)
    return render("renewal/apply.html", contract=contract, form=form, check=check,
                  choices=services.library_choices(contract), http_status=status)


def _current_choice(contract: Contract) -> dict:
    renewal = contract.renewal
    if renewal is not None and renewal.status in ("applied", "provisional"):
        return {"library": renewal.library.code, "seats": str(renewal.seats or ""),
                "seats_undetermined": renewal.seats is None}
    return {"library": contract.library.code, "seats": str(contract.seats)}


def _hrefs(contract: Contract, steps) -> dict[str, str]:
    """Links of the steps whose pages exist."""
    return {
        step.key: url_for(step.endpoint, contract_id=contract.id)
        for step in steps
        if step.endpoint and step.endpoint in current_app.view_functions
    }
