"""The rotation meets the renewal: a school contract of April to March is rotated on
1 March, and its renewal's continuing list holds the new IDs, not the replaced ones."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from conftest import PortalClient
from factories import PASSWORD
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from portal import accounts
from portal.accounts import NewLearner
from portal.extensions import db
from portal.models import Contract, Organisation, StaffUser
from portal.models.contract import INITIAL
from portal.ops.services import approve
from portal.renewal.services import apply as apply_for

from .conftest import staff


def xlsx(ids) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["ユーザID"])
    for login in ids:
        sheet.append([login])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_continuing_list_after_a_rotation(app, runner, world):
    app.config["PORTAL_TODAY"] = "2026-04-01"
    org = Organisation(code="S0800", name="年度学園", kind="school", prefecture=13)
    contract = Contract.for_term(date(2026, 4, 1), date(2027, 3, 31), organisation=org,
                                 library=world.library, seats=41, yearly_rotation=True)
    staff("coord-f", "coordinator", "f@gakuen.example.jp", organisation=org)
    db.session.add_all([org, contract])
    db.session.flush()
    accounts.issue(org.id, contract.id, [NewLearner("personal")] * 3, INITIAL)
    db.session.commit()
    cid = contract.id

    app.config["PORTAL_TODAY"] = "2027-03-01"
    runner.invoke(args=["tick", "--date", "2027-03-01"])  # S0800-004..006 replace 001..003
    contract = db.session.get(Contract, cid)
    coordinator = db.session.scalar(select(StaffUser).where(StaffUser.login_id == "coord-f"))
    renewal = apply_for(contract, coordinator, "school", "41", False)
    approve(renewal.id, db.session.get(StaffUser, world.id("operator")))
    successor_id = renewal.successor_id
    assert db.session.get(Contract, successor_id).yearly_rotation  # carried over

    app.config["PORTAL_TODAY"] = "2027-03-15"  # registration open (from the 11th of M-1)
    client = PortalClient(app)
    client.login("coord-f", PASSWORD)
    listed = load_workbook(BytesIO(client.get(f"/renewals/{cid}/users.xlsx").data)).active
    assert [r[0] for r in listed.iter_rows(min_row=2, values_only=True)] == [
        "S0800-004", "S0800-005", "S0800-006"]

    upload = client.post(f"/renewals/{cid}/continuing", data={
        "file": (BytesIO(xlsx(["S0800-001", "S0800-004"])), "list.xlsx")},
        content_type="multipart/form-data")
    page = upload.get_data(as_text=True)
    assert "S0800-001」は新しいIDに切り替わっています" in page
    good = client.post(f"/renewals/{cid}/continuing", data={
        "file": (BytesIO(xlsx(["S0800-004", "S0800-005"])), "list.xlsx")},
        content_type="multipart/form-data")
    assert "切り替わっています" not in good.get_data(as_text=True)
    assert accounts.enrolled_count(cid) == 3  # the old contract's seats: one per pair
