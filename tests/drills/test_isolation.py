"""Every coordinator, distributor and learner route, tried with another organisation's (or
region's) identifiers: each answers 404, and nothing changes.

The routes come from the app's URL map, so a new route is covered as soon as it exists;
a route with a parameter this drill does not know fails it, until someone decides how to
probe it.
"""

import pytest
from conftest import PortalClient
from factories import PASSWORD
from sqlalchemy import func, select

from portal import security
from portal.extensions import db
from portal.models import (
    AuditEntry,
    Bookmark,
    Contract,
    Distributor,
    DistributorPrefecture,
    Enrolment,
    Learner,
    OutboundEmail,
    Renewal,
    SchoolOrder,
    StaffUser,
)

COORDINATOR_AREAS = ("renewal.", "school.", "usage.")
DISTRIBUTOR_AREAS = ("orders.",)


@pytest.fixture
def victims(app, demo, make):
    """The demo's organisations as victims; an intruder coordinator and distributor."""
    intruder_org = make.organisation(code="Z0001")
    make.coordinator(intruder_org, login_id="coord-z")
    kyushu = Distributor(name="九州販売", email="kyushu@example.jp",
                         prefectures=[DistributorPrefecture(prefecture=40)])
    db.session.add(kyushu)
    db.session.flush()
    db.session.add(StaffUser(login_id="dist-kyushu", name="九州", email="k@example.jp",
                             role="distributor", distributor_id=kyushu.id,
                             password_hash=security.hash_password(PASSWORD)))
    db.session.commit()
    company = demo.a_contract.id
    school = demo.b_contract.id
    order = db.session.scalar(select(SchoolOrder.id))
    return {"company": company, "school": school, "order": order}


def fill(rule, contract_id: int, order_id: int | None) -> str:
    """The rule's path with the victim's identifiers in it."""
    values = {"contract_id": contract_id, "upload_id": 1, "month_key": "2026-10",
              "order_id": order_id}
    unknown = set(rule.arguments) - set(values)
    assert not unknown, f"{rule.endpoint}: teach the isolation drill about {unknown}"
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", str(values[name]))
        path = path.replace(f"<{name}>", str(values[name]))
    return path


def routes(app, prefixes):
    """The area's routes that name an object. A public confirmation link (``<token>``)
    names none: its secret is the only key, and tests/school/test_confirmation.py
    covers it."""
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith(prefixes)
            and r.arguments and "token" not in r.arguments]


def state():
    """What a request could have changed."""
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Renewal)),
        db.session.scalar(select(func.count()).select_from(Enrolment)),
        db.session.scalar(select(func.count()).select_from(OutboundEmail)),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
        db.session.scalar(select(func.count()).select_from(Contract)),
    )


def test_coordinator_routes_answer_404_for_another_organisation(app, victims):
    intruder = PortalClient(app)
    intruder.login("coord-z", PASSWORD)
    before = state()
    checked = 0
    for rule in routes(app, COORDINATOR_AREAS):
        for contract_id in (victims["company"], victims["school"]):
            path = fill(rule, contract_id, None)
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = (intruder.get(path) if method == "GET"
                            else intruder.post(path, {"upload_id": "1", "learner_id": "1"}))
                assert response.status_code == 404, (method, path, response.status_code)
                checked += 1
    assert checked > 60
    assert state() == before


def test_owners_reach_the_same_routes(app, victims):
    """The other side: the owner is never told 404 where the intruder was (no false pass)."""
    owner = PortalClient(app)
    owner.login("coord-a", "demo-pass")
    for rule in routes(app, ("renewal.", "usage.")):
        if "GET" in rule.methods and set(rule.arguments) <= {"contract_id", "month_key"}:
            path = fill(rule, victims["company"], None)
            assert owner.get(path).status_code != 404, path


def test_distributor_routes_answer_404_for_another_region(app, victims):
    intruder = PortalClient(app)
    intruder.login("dist-kyushu", PASSWORD)
    for rule in routes(app, DISTRIBUTOR_AREAS):
        path = fill(rule, 0, victims["order"])
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = intruder.get(path) if method == "GET" else intruder.post(path, {})
            assert response.status_code == 404, (method, path)
    owner = PortalClient(app)
    owner.login("dist-kanto", "demo-pass")
    assert owner.get(f"/orders/{victims['order']}").status_code == 200


def test_learners_cannot_touch_another_learners_bookmark(app, victims, make):
    school_learner = db.session.scalar(select(Learner).where(Learner.login_id == "B0001-001"))
    bookmark = Bookmark(learner_id=school_learner.id, book_id=_any_book(), page=1)
    db.session.add(bookmark)
    db.session.commit()
    bookmark_id = bookmark.id
    other = PortalClient(app)
    login = other.post("/learn/login", {"login_id": "B0001-002", "password": "demo-pass"})
    assert login.status_code == 302
    response = other.post(f"/learn/bookmarks/{bookmark_id}/delete")
    assert response.status_code == 404
    assert db.session.get(Bookmark, bookmark_id) is not None


def _any_book() -> int:
    from portal.models import Book

    return db.session.scalar(select(Book.id).order_by(Book.id))
