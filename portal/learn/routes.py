"""The learner area: login, the catalog of the contract's library, the reader, bookmarks."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from portal import clock, params, ratelimits
from portal.auth import throttle
from portal.catalog import services as catalog
from portal.catalog.forms import CatalogFilterForm
from portal.extensions import db
from portal.learn import reading, services
from portal.learn.forms import BookmarkForm, LearnerLoginForm, RemoveBookmarkForm
from portal.models import Contract
from portal.models.people import SHARED
from portal.web import is_htmx, render

bp = Blueprint("learn", __name__, url_prefix="/learn")

OPEN_ENDPOINTS = {"learn.login"}
BAD_LOGIN = "IDまたはパスワードが正しくありません。アカウントカードのとおりに入力してください。"


@bp.before_request
def require_learner():
    """Every page but the login needs an open learner session; it also counts as activity."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    row, why = services.current()
    if row is not None:
        g.learner_session = row
        g.contract = db.session.get(Contract, row.contract_id)
        return None
    flash(why, "warning")
    if request.endpoint == "learn.keepalive":
        return "", 401
    if is_htmx():  # a fragment request must move the whole page, not swap the login in
        return "", 204, {"HX-Redirect": url_for("learn.login")}
    return redirect(url_for("learn.login"))


@bp.after_request
def no_store(response):
    """Nothing of a learner's pages stays in a (shared) browser's cache or history."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def learner_context():
    row = g.get("learner_session")
    limit = int(services.idle_limit().total_seconds())
    return {"learner": row.learner if row else None, "idle_seconds": limit, "shared": SHARED}


@bp.errorhandler(404)
def not_found(exc):
    return render_template("learn/not_found.html"), 404


@bp.route("/login", methods=["GET", "POST"])
@ratelimits.login_form
def login():
    form = LearnerLoginForm()
    if not form.validate_on_submit():
        return render_template("learn/login.html", form=form)
    result = services.authenticate(form.login_id.data, form.password.data)
    if result.contract is not None:
        services.log_in(result.learner, result.contract)
        return redirect(url_for("learn.index"))
    if result.locked_until:
        form.form_errors.append(throttle.refusal(result.locked_until))
    else:
        form.form_errors.append(result.refusal or BAD_LOGIN)
    return render_template("learn/login.html", form=form), 403 if result.refusal else 401


@bp.post("/logout")
def logout():
    shared = g.learner_session.learner.kind == SHARED
    services.log_out()
    note = "読書の記録としおりは消去しました。" if shared else ""
    flash("ログアウトしました。" + note, "info")
    return redirect(url_for("learn.login"))


@bp.post("/keepalive")
def keepalive():
    """The idle warning's 「読み続ける」: the guard above already noted the activity."""
    return "", 204


@bp.get("/")
def index():
    form = CatalogFilterForm(request.args)
    form.fill_choices(catalog.publishers(), catalog.categories())
    filters = catalog.Filters(
        q=form.q.data or "",
        publisher_id=form.publisher.data,
        category_id=form.category.data,
        library_id=g.contract.library_id,
    )
    today = clock.today()
    results = catalog.paginate(catalog.listed(filters, today), form.page.data or 1)
    context = {"form": form, "results": results, "filter_args": catalog.filter_args(request.args)}
    if not is_htmx():
        context["positions"] = reading.recent_positions(
            g.learner_session.learner_id, g.contract.library_id, today
        )
        context["marks"] = reading.bookmarks(
            g.learner_session.learner_id, g.contract.library_id, today
        )
    return render("learn/catalog.html", "learn/_results.html", **context)


@bp.get("/books/<book_id>")  # not <int:>: a routing 404 would miss this area's 404 page
def read(book_id: str):
    book = _readable_or_404(book_id)
    asked = request.args.get("page")
    count = reading.page_count(book.id)
    wanted = params.whole(asked, low=1, high=100_000)
    number = reading.clamp(wanted, count)
    if asked is not None and asked != str(number):
        flash(_page_notice(wanted, count), "info")
        return redirect(url_for("learn.read", book_id=book.id, page=number))
    row = g.learner_session
    before = reading.open_page(
        row, g.contract.organisation_id, book.id, number, chosen=asked is not None
    )
    marks = reading.bookmarks(row.learner_id, g.contract.library_id, clock.today(), book.id)
    return render_template(
        "learn/reader.html",
        spread=reading.spread(book, number),
        resume=before if asked is None and before and before > 1 else None,
        marks=marks,
    )


@bp.post("/books/<book_id>/bookmarks")
def add_bookmark(book_id: str):
    book = _readable_or_404(book_id)
    form = BookmarkForm()
    number = reading.clamp(form.page.data if form.validate_on_submit() else 1,
                           reading.page_count(book.id))
    reading.add_bookmark(g.learner_session.learner_id, book.id, number)
    db.session.commit()
    flash(f"{number}ページにしおりをはさみました。", "success")
    return redirect(url_for("learn.read", book_id=book.id, page=number))


@bp.post("/bookmarks/<int:bookmark_id>/delete")
def remove_bookmark(bookmark_id: int):
    form = RemoveBookmarkForm()
    if not form.validate_on_submit():
        abort(400)
    mark = reading.remove_bookmark(g.learner_session.learner_id, bookmark_id)
    db.session.commit()
    if mark is None:  # gone, or someone else's: the same answer for both
        abort(404)
    flash(f"{mark.page}ページのしおりを外しました。", "success")
    if back := params.whole(form.back_to_page.data, low=1):
        return redirect(url_for("learn.read", book_id=mark.book_id, page=back))
    return redirect(url_for("learn.index"))


def _readable_or_404(book_id: str):
    """The title if this learner's contract may read it today; 404 for anything else."""
    number = params.whole(book_id, low=1)
    book = number and catalog.readable(number, g.contract.library_id, clock.today())
    if book is None:
        abort(404)
    return book


def _page_notice(asked: int | None, count: int) -> str:
    if count == 0:
        return "この本の本文は準備中です。"
    if asked is not None and asked > count:
        return f"この本は全{count}ページです。最後のページを表示しています。"
    return "ページ番号が正しくないため、最初のページを表示しています。"
