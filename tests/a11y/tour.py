"""The tour of the portal that the validity and accessibility tests share.

Every main page, as each role sees it and in its main states, in an order that moves the
demo along: company A's renewal before applying, with the apply form's errors, applied,
approved, the continuing upload with errors, finished, new IDs and the opening emails; the
school's order before and after its accounts are issued; the learners' catalog and reader.

The tour is a generator of ``Visit``s. Between two visits it changes the state through a
staff ``PortalClient`` (a session of its own), so that a driver only has to show each
visit: the Flask test client for the HTML validator, Chromium for axe-core. A visit with
``form`` is the answer to that POST (after its redirect, if any).

``SKIPPED`` lists the GET endpoints of the URL map that the tour leaves out on purpose;
``test_the_tour_reaches_every_page`` fails when an endpoint is neither visited nor skipped, so a
new page cannot be forgotten.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from conftest import PortalClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Book,
    Category,
    EmailBatch,
    Library,
    OutboundEmail,
    Publisher,
    SchoolOrder,
)

STAFF = ("ops", "coord-a", "coord-b", "dist-kanto")
LEARNERS = ("personal", "shared")

# GET endpoints the tour does not show, and why. Everything else in the URL map is toured.
SKIPPED = {
    "static": "files, not pages",
    "main.healthz": "JSON for the load balancer",
    "catalog.export": "download (xlsx)",
    "ops_catalog.export": "download (xlsx)",
    "renewal.download_users": "download (xlsx)",
    "renewal.download_users_csv": "download (CSV)",
    "renewal.new_users_template": "download (xlsx)",
    "school.accounts_xlsx": "download (xlsx)",
    "orders.accounts_xlsx": "download (xlsx)",
    "usage.download": "download (xlsx)",
    "ops_usage.download": "download (xlsx)",
    "ops_usage.export_xlsx": "download (xlsx)",
    "ops_usage.export_csv": "download (CSV)",
    "renewal.check_application": "htmx fragment of the apply page (its states are toured there)",
    "orders.quote": "htmx fragment of /apply (its states are toured there)",
}


@dataclass
class Visit:
    """One page to check: who looks, where, and the status it must answer."""

    role: str
    path: str
    name: str
    status: int = 200
    form: dict | None = None  # the page is the answer to this POST
    files: dict = field(default_factory=dict)  # name -> (filename, bytes), with ``form``
    start: str | None = None  # for a POST: the page it is sent from (default: ``path``)


@dataclass
class Ids:
    """The demo's contracts and learner logins that the tour needs."""

    a_contract: int
    b_contract: int
    personal: str
    shared: str


def csv(header: list[str], rows: list[list[str]]) -> bytes:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


class Tour:
    """The visits, and the staff clients that move the demo along between them."""

    def __init__(self, app, logins):
        self.app = app
        self.ids = Ids(logins.a_contract.id, logins.b_contract.id, logins.personal,
                       logins.shared)
        self._clients: dict[str, PortalClient] = {}

    def client(self, role: str) -> PortalClient:
        """A staff session of its own for the changes between visits."""
        if role not in self._clients:
            self._clients[role] = PortalClient(self.app)
            self._clients[role].login(role)
        return self._clients[role]

    def visits(self) -> Iterator[Visit]:
        """Every visit, in order. Walk it once: it moves the demo along as it goes."""
        yield from self.public()
        yield from self.renewal()
        yield from self.operator()
        yield from self.school()
        yield from self.learners()

    # --- anonymous -----------------------------------------------------------------------

    def public(self) -> Iterator[Visit]:
        yield Visit("anonymous", "/login", "login")
        yield Visit("anonymous", "/login", "login-error", 401,
                    form={"login_id": "nobody", "password": "wrong-password"})
        yield Visit("anonymous", "/catalog/", "catalog")
        yield Visit("anonymous", "/catalog/request", "title-request")
        yield Visit("anonymous", "/catalog/request", "title-request-errors", 422,
                    form={"requester_email": "not-an-address"})
        yield Visit("anonymous", "/apply", "apply")
        yield Visit("anonymous", "/apply", "apply-errors", 422,
                    form={"school_name": "", "personal": "abc", "shared": "-1"})
        yield Visit("anonymous", "/apply", "apply-quote", form={
            "personal": "42", "shared": "10", "start_month": "", "first_term": "twelve",
            "action": "quote"})
        yield Visit("anonymous", "/apply", "apply-done", form={
            "school_name": "テスト市立みどり中学校", "prefecture": "11",
            "contact_name": "図書 花子", "contact_email": "tosho@midori.example.jp",
            "personal": "42", "shared": "10", "first_term": "twelve",
            "start_month": self._start_month(), "submission_key": "a11y-tour"})
        # The receipt's link, then the button: /apply/confirm, then /apply/confirmed.
        yield Visit("anonymous", self._emailed_path("school_order_received_to_applicant",
                                                    "/apply/confirm/"), "apply-confirm")
        yield Visit("anonymous", "/apply/confirm", "apply-confirmed", form={})
        yield Visit("anonymous", "/catalog/request", "title-request-sent", form={
            "publisher": str(self._publisher_id()), "title": "読みたい本",
            "requester_name": "図書 係", "requester_email": "tosho@midori.example.jp"})
        yield Visit("anonymous", self._emailed_path("title_request_to_requester",
                                                    "/catalog/request/confirm/"),
                    "title-request-confirm")
        yield Visit("anonymous", "/catalog/request/confirm", "title-request-confirmed",
                    form={})
        yield Visit("anonymous", "/learn/login", "learn-login")
        yield Visit("anonymous", "/learn/login", "learn-login-error", 401,
                    form={"login_id": "B0001-999", "password": "wrong-password"})
        yield Visit("anonymous", "/password/not-a-token", "link-invalid", 410)
        yield Visit("anonymous", "/no-such-page", "error-404", 404)
        # More than MAX_CONTENT_LENGTH (lowered for the tour by the fixtures).
        yield Visit("anonymous", "/catalog/request", "error-413", 413,
                    form={"message": "x" * 300_000})

    def _emailed_path(self, kind: str, prefix: str) -> str:
        """The path of the link in the newest email of ``kind`` (read when reached)."""
        db.session.expire_all()
        body = db.session.scalar(select(OutboundEmail.body_text)
                                 .where(OutboundEmail.kind == kind)
                                 .order_by(OutboundEmail.id.desc()).limit(1))
        db.session.rollback()
        return re.search(re.escape(prefix) + r"[\w.-]+", body)[0]

    def _publisher_id(self) -> int:
        from portal.models import Publisher

        publisher_id = db.session.scalar(select(Publisher.id).order_by(Publisher.id).limit(1))
        db.session.rollback()
        return publisher_id

    def _start_month(self) -> str:
        from portal import clock
        from portal.orders import applications

        return applications.start_months(clock.today())[0][0]

    # --- company A's renewal, step by step -----------------------------------------------

    def renewal(self) -> Iterator[Visit]:
        a = f"/renewals/{self.ids.a_contract}"
        yield Visit("coord-a", "/", "home")
        yield Visit("coord-a", "/renewals/", "renewals")
        yield Visit("coord-a", a, "renewal-before-apply")
        yield Visit("coord-a", f"{a}/apply", "renewal-apply")
        yield Visit("coord-a", f"{a}/apply", "renewal-apply-errors", 422,
                    form={"library": "", "seats": "abc"})
        yield Visit("coord-a", f"{a}/continuing", "error-409", 409)
        self.client("coord-a").post(f"{a}/apply", {"library": "gold", "seats": "12"})
        yield Visit("coord-a", a, "renewal-applied")
        yield Visit("coord-a", f"{a}/apply", "renewal-apply-change")
        yield Visit("ops", "/ops/renewals", "ops-renewals-applied")
        self._approve()
        yield Visit("coord-a", a, "renewal-approved")
        yield Visit("coord-a", f"{a}/continuing", "continuing")
        bad = self._upload(f"{a}/continuing", csv(["ユーザID"], [
            ["A0001-001"], ["A0001-002"], ["A0001-003"], ["A0001-999"], ["B0001-001"]]))
        preview = f"{a}/continuing/uploads/{bad}"
        yield Visit("coord-a", preview, "continuing-preview-errors")
        yield Visit("coord-a", f"{preview}?tab=errors", "continuing-preview-errors-tab")
        yield Visit("coord-a", f"{preview}?tab=dropped", "continuing-preview-dropped-tab")
        good = self._upload(f"{a}/continuing", csv(["ユーザID"], [
            [f"A0001-{n:03d}"] for n in range(1, 8)]))
        self.client("coord-a").post(f"{a}/continuing/confirm", {"upload_id": good})
        yield Visit("coord-a", f"{a}/continuing", "continuing-saved")
        yield Visit("coord-a", f"{a}/continuing/uploads/{good}?tab=errors", "continuing-no-errors")
        yield Visit("coord-a", f"{a}/finalize", "finalize")
        self.client("coord-a").post(f"{a}/finalize")
        yield from self.newcomers(a)

    def newcomers(self, a: str) -> Iterator[Visit]:
        yield Visit("coord-a", f"{a}/new-users", "new-users")
        yield Visit("coord-a", f"{a}/new-users", "new-users-error", 422,
                    form={"name": "", "email": "not-an-address"})
        bad = self._upload(f"{a}/new-users", csv(
            ["氏名", "性別", "メールアドレス", "コース"],
            [["新人 一郎", "男性", "ichiro@a-corp.example.jp", ""],
             ["", "", "not-an-address", "no-such-course"]]))
        yield Visit("coord-a", f"{a}/new-users/uploads/{bad}", "new-users-preview-errors")
        self.client("coord-a").post(f"{a}/new-users", {"name": "カード 太郎"})
        self.client("coord-a").post(f"{a}/new-users",
                                    {"name": "新人 花子", "email": "hanako@a-corp.example.jp"})
        yield Visit("coord-a", f"{a}/courses", "courses")
        yield Visit("coord-a", f"{a}/opening-emails", "opening-waiting")
        self.client("coord-a").post(f"{a}/opening-emails")
        yield Visit("coord-a", f"{a}/opening-emails", "opening-done")
        yield Visit("coord-a", f"{a}/account-cards", "account-cards")
        yield Visit("anonymous", self._password_link(), "set-password")
        self._start_running_batch()
        yield Visit("coord-a", f"{a}/opening-emails", "opening-running")
        yield Visit("coord-a", "/usage/", "usage")
        yield Visit("coord-a", f"/usage/{self.ids.a_contract}", "usage-contract")

    def _approve(self) -> None:
        from portal.models import Renewal

        db.session.expire_all()
        renewal = db.session.scalar(
            select(Renewal).where(Renewal.contract_id == self.ids.a_contract))
        self.client("ops").post(f"/ops/renewals/{renewal.id}/approve",
                                {"revision": renewal.revision})

    def _upload(self, path: str, data: bytes) -> str:
        """Send a list and answer the upload's id, as the preview's form names it."""
        response = self.client("coord-a").post(
            path, {"file": (io.BytesIO(data), "list.csv")}, content_type="multipart/form-data")
        return re.search(r'name="upload_id" value="(\d+)"', response.get_data(as_text=True))[1]

    def _password_link(self) -> str:
        db.session.expire_all()
        body = db.session.scalar(select(OutboundEmail.body_text)
                                 .where(OutboundEmail.kind == "opening_to_learner")
                                 .order_by(OutboundEmail.id))
        return re.search(r"/password/[\w.-]+", body)[0]

    def _start_running_batch(self) -> None:
        """A batch whose job has not expanded it yet: the fragment's running state."""
        from portal.models import Contract

        successor = db.session.get(Contract, self.ids.a_contract).renewal.successor
        db.session.add(EmailBatch(kind="opening", contract_id=successor.id,
                                  organisation_id=successor.organisation_id))
        db.session.commit()

    # --- the operator and the distributor ------------------------------------------------

    def operator(self) -> Iterator[Visit]:
        yield Visit("ops", "/ops/renewals", "ops-renewals")
        yield Visit("ops", "/ops/outbox", "ops-outbox")
        yield Visit("ops", "/ops/catalog/", "ops-books")
        book = db.session.scalar(select(Book.id).order_by(Book.id))
        yield Visit("ops", f"/ops/catalog/books/{book}", "ops-book-edit")
        yield Visit("ops", "/ops/catalog/books/new", "ops-book-new")
        yield Visit("ops", "/ops/catalog/books/new", "ops-book-errors", 422,
                    form={"title": "", "listed_until": ""})
        yield Visit("ops", "/ops/catalog/publishers", "ops-publishers")
        publisher = db.session.scalar(select(Publisher.id).order_by(Publisher.id))
        yield Visit("ops", f"/ops/catalog/publishers/{publisher}", "ops-publisher-edit")
        yield Visit("ops", "/ops/catalog/publishers/new", "ops-publisher-new")
        yield Visit("ops", "/ops/catalog/categories", "ops-categories")
        category = db.session.scalar(select(Category.id).order_by(Category.id))
        yield Visit("ops", f"/ops/catalog/categories/{category}", "ops-category-edit")
        yield Visit("ops", "/ops/catalog/categories/new", "ops-category-new")
        yield Visit("ops", "/ops/catalog/import", "ops-import")
        yield Visit("ops", "/ops/catalog/import", "ops-import-preview-errors", 422, form={}, files={
            "file": ("catalog.csv", csv(
                ["書籍コード", "書名", "著者", "出版社", "分類", "掲載期限", "ライブラリ"],
                [["A11Y-1", "新しい本", "著者", "ない出版社", "ない分類", "2099/03/31", "school"],
                 ["A11Y-2", "", "", "", "", "someday", ""]]))})
        yield Visit("ops", "/ops/usage/", "ops-usage")
        yield Visit("ops", "/ops/school/prices", "ops-prices")
        yield Visit("ops", "/ops/school/prices", "ops-prices-errors", 422,
                    form={"effective_from": "2000-01-01", "basic_price": "abc"})
        yield Visit("ops", "/ops/school/reissue", "ops-reissue")
        yield Visit("ops", "/ops/school/reissue?login_id=B0001-999", "ops-reissue-unknown", 404)
        yield Visit("ops", "/ops/school/reissue?login_id=B0001-002", "ops-reissue-confirm")
        yield Visit("ops", "/dev/mailbox", "dev-mailbox")
        email = db.session.scalar(select(OutboundEmail.id).order_by(OutboundEmail.id))
        yield Visit("ops", f"/dev/mailbox/{email}", "dev-message")

    def school(self) -> Iterator[Visit]:
        order = db.session.scalar(select(SchoolOrder.id).order_by(SchoolOrder.id))
        yield Visit("dist-kanto", "/orders/", "orders")
        yield Visit("dist-kanto", f"/orders/{order}", "order-new")
        for status in ("accepted", "issued"):
            self.client("dist-kanto").post(f"/orders/{order}/advance", {"to": status})
        yield Visit("dist-kanto", f"/orders/{order}", "order-issued")
        yield Visit("dist-kanto", f"/orders/{order}/cards", "order-cards")
        yield Visit("ops", "/orders/", "ops-orders")
        b = self.ids.b_contract
        yield Visit("coord-b", "/school/", "school")
        yield Visit("coord-b", f"/school/contracts/{b}", "school-contract")
        yield Visit("coord-b", f"/school/contracts/{b}?view=all&q=B0001-00", "school-contract-search")
        yield Visit("coord-b", f"/school/contracts/{b}/cards", "school-cards")
        yield Visit("coord-b", f"/school/contracts/{b}/reissue?login_id=B0001-002",
                    "school-reissue")
        yield Visit("coord-b", f"/renewals/{b}", "school-renewal")
        yield Visit("coord-b", "/usage/", "school-usage")
        yield Visit("coord-b", f"/usage/{b}", "school-usage-contract")

    # --- learners ----------------------------------------------------------------------------

    def learners(self) -> Iterator[Visit]:
        school = db.session.scalar(select(Library).where(Library.code == "school"))
        book = db.session.scalar(select(Book.id).where(Book.libraries.contains(school))
                                 .order_by(Book.id))
        other = db.session.scalar(select(Book.id).where(~Book.libraries.contains(school))
                                  .order_by(Book.id))
        for role in LEARNERS:
            reader = f"/learn/books/{book}"
            yield Visit(role, "/learn/", f"{role}-catalog")
            yield Visit(role, "/learn/?q=zzzz-nothing", f"{role}-catalog-empty")
            yield Visit(role, f"{reader}?page=2", f"{role}-reader")
            yield Visit(role, f"{reader}/bookmarks", f"{role}-reader-bookmarked",
                        form={"page": "2"}, start=f"{reader}?page=2")
            yield Visit(role, "/learn/", f"{role}-catalog-shelf")
            if other:
                yield Visit(role, f"/learn/books/{other}", f"{role}-book-not-found", 404)

