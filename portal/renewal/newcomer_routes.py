"""New IDs, course assignment, opening emails and account cards."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import clock
from portal.auth.access import owned_or_404
from portal.models import Contract
from portal.renewal import gates, newcomers, opening, roster
from portal.renewal.forms import ConfirmForm
from portal.renewal.routes import bp, coordinator_only
from portal.security import no_store
from portal.sheets import SheetError, xlsx_download
from portal.web import posted_id, render

FIELDS = ("name", "gender", "email", "kind", "course")


@bp.route("/<int:contract_id>/new-users", methods=["GET", "POST"])
@coordinator_only
def new_users(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    renewal = gates.new_users(contract, clock.today())
    if request.method == "POST":
        upload_file = request.files.get("file")
        if upload_file is not None and upload_file.filename:
            try:
                upload = newcomers.preview(contract, current_user, upload_file.filename,
                                           upload_file.read())
            except SheetError as exc:
                return _page(contract, renewal, upload_error=str(exc), status=422)
            return _preview(contract, renewal, upload)
        values = {f: request.form.get(f, "") for f in FIELDS}
        try:
            login_id = newcomers.add_one(contract, current_user, values)
        except newcomers.RowProblem as exc:
            return _page(contract, renewal, form_error=str(exc), values=values, status=422)
        flash(f"ユーザID {login_id} を登録しました。", "success")
        return redirect(url_for("renewal.new_users", contract_id=contract.id))
    return _page(contract, renewal)


@bp.get("/<int:contract_id>/new-users/uploads/<int:upload_id>")
@coordinator_only
def show_new_users_upload(contract_id: int, upload_id: int):
    contract = owned_or_404(Contract, contract_id)
    renewal = gates.new_users(contract, clock.today())
    try:
        upload = newcomers.find_upload(renewal, upload_id)
    except LookupError:
        abort(404)
    return _preview(contract, renewal, upload)


@bp.post("/<int:contract_id>/new-users/confirm")
@coordinator_only
def confirm_new_users(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    try:
        upload = newcomers.confirm(contract, current_user, posted_id("upload_id"))
    except LookupError:
        abort(404)
    flash(f"{upload.ok_count} 件のユーザIDを登録しました。", "success")
    return redirect(url_for("renewal.new_users", contract_id=contract.id))


@bp.get("/<int:contract_id>/new-users/template.xlsx")
@coordinator_only
def new_users_template(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    gates.registration(contract, clock.today())
    name = f"新規ユーザID登録_{contract.organisation.code}.xlsx"
    return xlsx_download(name, newcomers.template(contract))


@bp.route("/<int:contract_id>/courses", methods=["GET", "POST"])
@coordinator_only
def assign_courses(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    renewal = gates.registration(contract, clock.today())
    if request.method == "POST":
        try:
            newcomers.assign_course(renewal, request.form.get("learner_id", ""),
                                    request.form.get("course_id", ""))
        except LookupError:
            abort(404)
        except newcomers.RowProblem as exc:
            return f"<span class=\"bad\" role=\"alert\">{exc}</span>", 422
        if request.headers.get("HX-Request"):
            return "<span class=\"saved\" role=\"status\">保存しました</span>"
        flash("受講コースを保存しました。", "success")
        return redirect(url_for("renewal.assign_courses", contract_id=contract.id))
    return render("renewal/courses.html", contract=contract, renewal=renewal,
                  enrolments=roster.enrolments(renewal), courses=roster.courses(renewal),
                  form=ConfirmForm())


@bp.route("/<int:contract_id>/opening-emails", methods=["GET", "POST"])
@coordinator_only
def opening_emails(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    renewal = gates.opening_emails(contract, clock.today())
    if request.method == "POST":
        _, started = opening.start(contract, current_user)
        if not started:
            flash("開設メールを送信中です。終わるまでお待ちください。", "info")
        if request.headers.get("HX-Request"):
            return _opening_page(contract, renewal, fragment=True)
        return redirect(url_for("renewal.opening_emails", contract_id=contract.id))
    return _opening_page(contract, renewal, fragment=bool(request.headers.get("HX-Request")))


@bp.post("/<int:contract_id>/opening-emails/resend")
@coordinator_only
def resend_opening_emails(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    renewal = gates.opening_emails(contract, clock.today())
    count = opening.resend_failed(renewal.successor_id)
    if count:
        flash(f"送信に失敗した {count} 件を再送します。", "info")
    return redirect(url_for("renewal.opening_emails", contract_id=contract.id))


@bp.get("/<int:contract_id>/account-cards")
@coordinator_only
@no_store  # printed passwords
def account_cards(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    renewal = gates.registration(contract, clock.today())
    return render("renewal/account_cards.html", contract=contract, renewal=renewal,
                  cards=roster.account_cards(renewal))


def _page(contract, renewal, upload_error=None, form_error=None, values=None, status=200):
    return render("renewal/new_users.html", contract=contract, renewal=renewal,
                  remaining=newcomers.remaining(renewal), courses=roster.courses(renewal),
                  upload_error=upload_error, form_error=form_error, values=values or {},
                  form=ConfirmForm(), http_status=status)


def _preview(contract, renewal, upload):
    return render("renewal/new_users_preview.html", contract=contract, renewal=renewal,
                  upload=upload, rows=newcomers.preview_rows(upload),
                  remaining=newcomers.remaining(renewal),
                  form=ConfirmForm())


def _opening_page(contract, renewal, fragment: bool):
    template = "renewal/_opening_progress.html" if fragment else "renewal/opening.html"
    return render(template, contract=contract, renewal=renewal,
                  progress=opening.progress(renewal.successor_id),
                  waiting=opening.count_waiting(renewal.successor_id),
                  without_email=opening.count_without_email(renewal.successor_id),
                  form=ConfirmForm())
