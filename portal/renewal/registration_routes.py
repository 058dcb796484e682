"""The learner-registration steps (管理者サイト): list download, continuing upload and
confirm, finish continuation. New IDs and opening emails are in their own modules."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import clock, params
from portal.auth.access import owned_or_404
from portal.models import Contract
from portal.renewal import continuation, gates, preview, userlist
from portal.renewal.forms import ConfirmForm
from portal.renewal.routes import bp, coordinator_only
from portal.sheets import SheetError, csv_download, xlsx_download
from portal.web import Refused, posted_id, render


@bp.get("/<int:contract_id>/users.xlsx")
@coordinator_only
def download_users(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    gates.continuation(contract, clock.today())
    name = userlist.filename(contract, "xlsx", clock.today())
    return xlsx_download(name, [userlist.sheet(contract)])


@bp.get("/<int:contract_id>/users.csv")
@coordinator_only
def download_users_csv(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    gates.continuation(contract, clock.today())
    encoding = "cp932" if request.args.get("encoding", "").lower() in ("cp932", "sjis") else "utf-8"
    name = userlist.filename(contract, "csv", clock.today())
    try:
        return csv_download(name, userlist.HEADER, userlist.rows(contract), encoding)
    except SheetError as exc:
        raise Refused(exc.message, title="Shift-JIS では出力できません") from exc


@bp.route("/<int:contract_id>/continuing", methods=["GET", "POST"])
@coordinator_only
def upload_continuing(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    renewal = gates.continuation(contract, clock.today())
    if request.method == "POST":
        upload_file = request.files.get("file")
        if upload_file is None or not upload_file.filename:
            return _continuing_page(contract, renewal, "ファイルを選んでください。", 422)
        try:
            upload = continuation.preview(contract, current_user, upload_file.filename,
                                          upload_file.read())
        except SheetError as exc:
            return _continuing_page(contract, renewal, str(exc), 422)
        return _preview_page(contract, renewal, upload)
    return _continuing_page(contract, renewal)


@bp.get("/<int:contract_id>/continuing/uploads/<int:upload_id>")
@coordinator_only
def show_continuing_upload(contract_id: int, upload_id: int):
    contract = owned_or_404(Contract, contract_id)
    renewal = gates.registration(contract, clock.today())
    try:
        upload = continuation.find_upload(renewal, upload_id)
    except LookupError:
        abort(404)
    return _preview_page(contract, renewal, upload)


@bp.post("/<int:contract_id>/continuing/confirm")
@coordinator_only
def confirm_continuing(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    try:
        upload = continuation.confirm(contract, current_user, posted_id("upload_id"))
    except LookupError:
        abort(404)
    flash(f"継続ユーザIDのリストを保存しました({upload.ok_count} 件)。確認できたら「継続処理終了」を押してください。",
          "success")
    return redirect(url_for("renewal.upload_continuing", contract_id=contract.id))


@bp.route("/<int:contract_id>/finalize", methods=["GET", "POST"])
@coordinator_only
def finalize(contract_id: int):
    contract = owned_or_404(Contract, contract_id)
    if request.method == "POST":
        if continuation.finish(contract, current_user):
            flash("継続処理を終了しました。新規ユーザIDの登録に進めます。", "success")
        else:
            flash("継続処理はすでに終了しています。", "info")
        return redirect(url_for("renewal.show", contract_id=contract.id))
    renewal = gates.continuation(contract, clock.today())
    return render("renewal/finalize.html", contract=contract, renewal=renewal,
                  counts=continuation.counts(contract, renewal), form=ConfirmForm())


def _continuing_page(contract, renewal, error: str | None = None, status: int = 200):
    return render("renewal/continuing.html", contract=contract, renewal=renewal, error=error,
                  counts=continuation.counts(contract, renewal),
                  versions=continuation.versions(renewal), form=ConfirmForm(), http_status=status)


def _preview_page(contract, renewal, upload):
    tab = params.choice(request.args.get("tab"), preview.TABS) or (
        "errors" if upload.error_count else "kept")
    page = params.whole(request.args.get("page"), low=1, high=100_000) or 1
    return render(
        "renewal/continuing_preview.html", "renewal/_preview_lines.html",
        contract=contract, renewal=renewal, upload=upload, tab=tab, page=page,
        tabs=preview.TABS, counts=preview.counts(upload),
        lines=preview.lines(upload, contract, renewal, tab, page),
        page_size=preview.PAGE_SIZE, has_saved=preview.difference_is_current(upload, renewal),
        form=ConfirmForm(),
    )
