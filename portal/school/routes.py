"""The school coordinator's account pages: contracts, the ID list, cards, lost cards.

Every query carries the coordinator's organisation (``owned_or_404``); a company's
coordinator, or another school's contract, gets 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import clock, deadlines, params
from portal.auth.access import owned_or_404, role_required
from portal.models import Contract
from portal.renewal.forms import ConfirmForm
from portal.school import idlist, reissue, services
from portal.security import no_store
from portal.sheets import xlsx_download
from portal.web import render

bp = Blueprint("school", __name__, url_prefix="/school")
coordinator_only = role_required("coordinator")


def school_contract(contract_id: int) -> Contract:
    """The coordinator's own school contract, or 404."""
    contract = owned_or_404(Contract, contract_id)
    if not contract.organisation.is_school:
        abort(404)
    return contract


@bp.get("/")
@coordinator_only
def index():
    if not current_user.organisation.is_school:
        abort(404)
    rows = [(c, services.counts(c)) for c in services.contracts_of(current_user.organisation_id)]
    return render("school/index.html", rows=rows)


@bp.get("/contracts/<int:contract_id>")
@coordinator_only
def contract(contract_id: int):
    contract = school_contract(contract_id)
    view = params.choice(request.args.get("view"), services.VIEWS) or "current"
    search = request.args.get("q", "")
    page = params.whole(request.args.get("page"), low=1, high=100_000) or 1
    accounts = services.account_page(contract.id, view, search, page)
    return render("school/contract.html", "school/_accounts.html", contract=contract,
                  counts=services.counts(contract), accounts=accounts, view=view,
                  views=services.VIEWS, search=search, form=ConfirmForm(),
                  rotation=deadlines.rotation_for(clock.today().year))


@bp.get("/contracts/<int:contract_id>/accounts.xlsx")
@coordinator_only
def accounts_xlsx(contract_id: int):
    contract = school_contract(contract_id)
    return xlsx_download(idlist.filename(contract, clock.today()), [idlist.sheet(contract)])


@bp.get("/contracts/<int:contract_id>/cards")
@coordinator_only
@no_store  # printed passwords
def cards(contract_id: int):
    contract = school_contract(contract_id)
    chosen = params.ids(request.args.getlist("learner"))
    return render("school/cards.html", contract=contract,
                  cards=idlist.cards(contract, request.args.get("kind"), chosen),
                  back=url_for("school.contract", contract_id=contract.id))


@bp.route("/contracts/<int:contract_id>/reissue", methods=["GET", "POST"])
@coordinator_only
def reissue_card(contract_id: int):
    """GET asks to confirm (the ID typed or clicked); POST disables it and issues anew."""
    contract = school_contract(contract_id)
    login_id = request.values.get("login_id", "")
    try:
        learner = reissue.find(login_id, current_user.organisation_id, contract.id)
    except reissue.NotFound as exc:
        flash(str(exc), "error")
        return redirect(url_for("school.contract", contract_id=contract.id))
    if request.method == "GET":
        return render("school/reissue.html", learner=learner, contract=contract,
                      form=ConfirmForm(), action=url_for("school.reissue_card",
                                                         contract_id=contract.id),
                      back=url_for("school.contract", contract_id=contract.id))
    done = reissue.reissue(learner.id, current_user)
    flash(*reissue.outcome(done))
    return redirect(url_for("school.contract", contract_id=contract.id,
                            reissued=done.new.id if done.new else None))


@bp.post("/contracts/<int:contract_id>/accounts")
@coordinator_only
def issue_accounts(contract_id: int):
    """Issue licences left over (an order buys 41 + 5a + 10b, at least the wanted count)."""
    contract = school_contract(contract_id)
    try:
        kind, count = services.parse_spare_request(request.form.get("kind"),
                                                   request.form.get("count"))
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("school.contract", contract_id=contract.id))
    ids = services.issue_spare(contract, kind, count, current_user)
    flash(f"{len(ids)} 件のアカウントを発行しました。アカウントカードを印刷して配布してください。", "success")
    return redirect(url_for("school.cards", contract_id=contract.id, learner=ids))

