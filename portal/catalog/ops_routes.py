"""Operators (事務局) manage the catalog: titles, publishers, categories, imports.

Under /ops/catalog/ in a blueprint of its own, so that it stays apart from the renewal
operations in portal/ops/.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import clock, sheets
from portal.catalog import exports, importer, manage
from portal.catalog import services as catalog
from portal.catalog.forms import (
    BookForm,
    CategoryForm,
    ConfirmImportForm,
    ImportForm,
    PublisherForm,
)
from portal.extensions import db, login_manager
from portal.models import Book, CatalogImport, Category, Library, Publisher
from portal.models.people import OPERATOR
from portal.web import Refused, render

bp = Blueprint("ops_catalog", __name__, url_prefix="/ops/catalog")

BOOK_FIELDS = ("code", "title", "author", "listed_until", "description")


@bp.before_request
def operators_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != OPERATOR:
        abort(403)
    return None


@bp.get("/")
def books():
    form, filters = catalog.read_filters(request.args)
    results = catalog.paginate(catalog.everything(filters), form.page.data or 1, per_page=50)
    return render(
        "catalog/ops/books.html", "catalog/ops/_books.html",
        form=form, results=results, filter_args=catalog.filter_args(request.args),
    )


@bp.get("/books.xlsx")
def export():
    """Every title in the columns of the import: the template for the next upload."""
    return exports.full_list(catalog.read_filters(request.args)[1], clock.today())


@bp.route("/import", methods=["GET", "POST"])
def import_catalog():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("catalog/ops/import.html", form=form), 422 if form.errors else 200
    upload = form.file.data
    try:
        preview = importer.preview(upload.read(), upload.filename or "", current_user)
    except sheets.SheetError as exc:
        form.file.errors.append(str(exc))
        return render_template("catalog/ops/import.html", form=form), 422
    return render_template(
        "catalog/ops/import_preview.html", preview=preview, form=ConfirmImportForm(upload_id=preview.id),
        names=_names(),
    ), 422 if preview.errors else 200


@bp.post("/import/confirm")
def confirm_import():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    upload = db.get_or_404(CatalogImport, form.upload_id.data)
    counts = importer.confirm(upload, current_user)
    flash(f"一括登録を反映しました(追加 {counts['added']} 件・更新 {counts['updated']} 件)。", "success")
    return redirect(url_for("ops_catalog.books"))


def _names() -> dict[str, dict[int, str]]:
    """Names of publishers, categories and libraries by id, for the preview table."""
    return {
        "publisher": {p.id: p.name for p in catalog.publishers()},
        "category": {c.id: c.name for c in catalog.categories()},
        "library": {x.id: x.code for x in db.session.scalars(select(Library))},
    }


@bp.route("/books/new", methods=["GET", "POST"])
def create_book():
    return _edit_book(Book(), BookForm())


@bp.route("/books/<int:book_id>", methods=["GET", "POST"])
def edit_book(book_id: int):
    book = db.get_or_404(Book, book_id)
    form = BookForm(obj=book)
    if request.method == "GET":
        form.publisher.data, form.category.data = book.publisher_id, book.category_id
        form.libraries.data = [library.id for library in book.libraries]
        form.body.data = manage.joined_pages(book)
    return _edit_book(book, form)


def _edit_book(book: Book, form: BookForm):
    form.publisher.choices = [("", "選んでください")] + [(p.id, p.name) for p in catalog.publishers()]
    form.category.choices = [("", "選んでください")] + [(c.id, c.name) for c in catalog.categories()]
    libraries = db.session.scalars(select(Library).order_by(Library.id))
    form.libraries.choices = [(x.id, x.name) for x in libraries]
    if form.validate_on_submit():
        fields = {name: _stripped(form[name].data) for name in BOOK_FIELDS}
        fields.update(publisher_id=form.publisher.data, category_id=form.category.data)
        try:
            manage.save_book(book, fields, form.libraries.data, form.body.data)
        except Refused as exc:
            form.form_errors.append(exc.why)
        else:
            flash(f"「{book.title}」を保存しました。", "success")
            return redirect(url_for("ops_catalog.books"))
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/ops/book_form.html", form=form, book=book), status


def _stripped(value):
    """Text without surrounding blanks, and None for nothing; other values as they are."""
    return (value.strip() or None) if isinstance(value, str) else value


@bp.get("/publishers")
def publishers():
    return render_template("catalog/ops/publishers.html", publishers=catalog.publishers())


@bp.route("/publishers/new", methods=["GET", "POST"])
@bp.route("/publishers/<int:publisher_id>", methods=["GET", "POST"])
def edit_publisher(publisher_id: int | None = None):
    publisher = db.get_or_404(Publisher, publisher_id) if publisher_id else Publisher()
    form = PublisherForm(obj=publisher)
    if form.validate_on_submit():
        try:
            manage.save_publisher(publisher, form.name.data.strip(), form.contact_email.data.strip())
        except Refused as exc:
            form.form_errors.append(exc.why)
        else:
            flash(f"出版社「{publisher.name}」を保存しました。", "success")
            return redirect(url_for("ops_catalog.publishers"))
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/ops/publisher_form.html", form=form, publisher=publisher), status


@bp.get("/categories")
def categories():
    return render_template("catalog/ops/categories.html", categories=catalog.categories())


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def edit_category(category_id: int | None = None):
    category = db.get_or_404(Category, category_id) if category_id else Category()
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            manage.save_category(category, form.name.data.strip(), form.position.data)
        except Refused as exc:
            form.form_errors.append(exc.why)
        else:
            flash(f"分類「{category.name}」を保存しました。", "success")
            return redirect(url_for("ops_catalog.categories"))
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/ops/category_form.html", form=form, category=category), status
