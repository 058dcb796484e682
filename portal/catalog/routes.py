"""The public catalog (no login): the printable list, its spreadsheet, title requests."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from portal import clock, ratelimits, secret_urls
from portal.catalog import exports, title_requests
from portal.catalog import services as catalog
from portal.catalog.forms import TitleRequestForm
from portal.extensions import db
from portal.web import Refused, render

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

REQUEST_FIELDS = (
    "title", "author", "message", "requester_name", "requester_email", "organisation_name",
)


@bp.app_template_filter("until")
def until(day) -> str:
    """「3月31日まで」 for a listed-until date."""
    return catalog.until_label(day, clock.today())


@bp.app_template_global("leaving_soon")
def leaving_soon(book) -> bool:
    return catalog.leaving_soon(book, clock.today())


@bp.get("/")
def index():
    form, filters = catalog.read_filters(request.args)
    books = db.session.scalars(catalog.listed(filters, clock.today())).all()
    page, status = render(
        "catalog/index.html", "catalog/_list.html",
        form=form, books=books, filter_args=catalog.filter_args(request.args),
    )
    return page, status, {"Vary": "HX-Request"}


@bp.get("/books.xlsx")
def export():
    """The listed titles (with the list's filters) as an Excel file."""
    _, filters = catalog.read_filters(request.args)
    return exports.public_list(filters, clock.today())


@bp.route("/request", methods=["GET", "POST"])
@ratelimits.public_form("title_request")
def request_title():
    form = TitleRequestForm()
    form.publisher.choices = [("", "選んでください")] + [
        (p.id, p.name) for p in catalog.publishers()
    ]
    if form.validate_on_submit():
        fields = {name: (form[name].data or "").strip() or None for name in REQUEST_FIELDS}
        try:
            title_requests.submit(form.publisher.data, **fields)
        except ratelimits.Limited:
            raise  # the 429 page, not a field error
        except Refused as exc:
            form.form_errors.append(exc.why)
        else:
            flash("確認のメールをお送りしました。メールのリンクを開いて「リクエストを送る」を押すと、出版社にお伝えします。", "success")
            return redirect(url_for("catalog.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/request.html", form=form), status


CONFIRM_KEY = "title_request_confirmation"


@bp.get("/request/confirm/<token>")
def open_request_confirmation(token: str):
    """The receipt's link: the token moves into the session (secret_urls.into_session)."""
    return secret_urls.into_session(CONFIRM_KEY, token, url_for("catalog.request_confirmation"))


@bp.route("/request/confirm", methods=["GET", "POST"])
def request_confirmation():
    """The request as sent and the button that forwards it (a GET forwards nothing)."""
    token = session.get(CONFIRM_KEY)
    if request.method == "POST":
        wish = title_requests.confirm(token)
        session.pop(CONFIRM_KEY, None)
        if wish is None:
            return _invalid()
        flash(f"リクエストを{wish.publisher.name}にお伝えしました。", "success")
        return redirect(url_for("catalog.index"))
    wish = title_requests.find(token)
    if wish is None:
        return _invalid()
    if wish.confirmed_at is not None:  # the link opened again after sending
        flash(f"このリクエストは{wish.publisher.name}にお伝え済みです。", "info")
        return redirect(url_for("catalog.index"))
    return secret_urls.page("catalog/request_confirm.html", wish=wish)


def _invalid():
    return secret_urls.page("confirm_invalid.html", 410, what="リクエスト",
                            again=url_for("catalog.request_title"))
