"""The monthly figures against events written by the test, months cut in Asia/Tokyo."""

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import Contract
from portal.usage import figures
from portal.usage.figures import LearnerRow, Point
from portal.usage.months import Month

from .helpers import MAY, add_event, tokyo


def test_a_tokyo_month_in_utc():
    assert MAY.start.isoformat() == "2026-04-30T15:00:00+00:00"
    assert MAY.end.isoformat() == "2026-05-31T15:00:00+00:00"
    assert Month.parse("2026-05") == MAY
    assert [Month.parse(t) for t in ("2026-13", "2026-5", "x", None)] == [None] * 4
    assert MAY.prev() == Month(2026, 4) and Month(2026, 12).next() == Month(2027, 1)


def test_the_contract_month(may):
    assert figures.month_point(MAY, may.school_contract) == Point(
        logins=7, active_ids=3, book_opens=8, titles_read=3)
    assert figures.registered_ids(may.school_contract) == 4


def test_per_id_rows_include_unused_ids_and_no_names(may):
    assert figures.per_learner(may.school_contract, MAY) == [
        LearnerRow("S0001-001", "personal", 3, 3, 2),
        LearnerRow("S0001-002", "personal", 1, 1, 1),
        LearnerRow("S0001-031", "shared", 3, 4, 2),  # one shared ID, three pupils
        LearnerRow("S0001-040", "personal", 0, 0, 0),
    ]


def test_the_month_boundary_is_tokyo_midnight(may):
    """23:59 on 31 May counts in May, 00:00 on 1 June in June, 23:59 on 30 April in April."""
    june, april = Month(2026, 6), Month(2026, 4)
    series = figures.series([april, MAY, june], may.school_contract)
    assert series[april] == Point(logins=1, active_ids=1)
    assert series[MAY].logins == 7
    assert series[june] == Point(logins=1, active_ids=1, book_opens=1, titles_read=1)
    rows = {r.login_id: r for r in figures.per_learner(may.school_contract, MAY)}
    assert rows["S0001-001"].logins == 3  # its 23:59 login of the 31st is in
    assert rows["S0001-002"].logins == 1  # neither 30 April nor 1 June


def test_top_titles(may):
    top = figures.top_titles(MAY, may.school_contract)
    assert [(t.rank, t.title, t.opens, t.readers) for t in top] == [
        (1, "二の本", 4, 2), (2, "一の本", 3, 2), (3, "三の本", 1, 1)]
    assert [t.title for t in figures.top_titles(MAY, may.school_contract, limit=1)] == ["二の本"]
    everyone = figures.top_titles(MAY)  # the company's reading counts across contracts
    assert [(t.title, t.opens, t.readers) for t in everyone][:2] == [
        ("一の本", 4, 3), ("二の本", 4, 2)]


def test_other_contracts_stay_apart(may):
    assert figures.month_point(MAY, may.company_contract) == Point(1, 1, 1, 1)
    assert figures.month_point(MAY) == Point(logins=8, active_ids=4, book_opens=9,
                                             titles_read=3)


def test_reported_months_include_the_grace_month_only_with_usage(ids):
    contract = db.session.get(Contract, ids.company_contract)  # 2025/07 to 2026/06
    assert contract.access_until == date(2026, 7, 31)
    months = figures.contract_months(contract, Month(2026, 9))
    assert months[0] == Month(2025, 7) and months[-1] == Month(2026, 6)
    assert not _reported(ids.company_contract, Month(2026, 7))
    add_event(ids, ids.company_learner, tokyo(7, 3))  # an old ID in the opening month
    db.session.commit()
    assert figures.contract_months(contract, Month(2026, 9))[-1] == Month(2026, 7)
    assert _reported(ids.company_contract, Month(2026, 7))
    assert not _reported(ids.company_contract, Month(2026, 8))
    assert figures.contract_months(contract, Month(2025, 9)) == [Month(2025, 7), Month(2025, 8),
                                                                 Month(2025, 9)]


def _reported(contract_id: int, month: Month) -> bool:
    return db.session.scalar(
        select(Contract.id).where(Contract.id == contract_id, figures.reported(month))
    ) is not None
