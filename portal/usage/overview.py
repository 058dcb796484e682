"""The operators' overview: every reported contract's month in one query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from portal.extensions import db
from portal.models import Contract, Enrolment, Library, Organisation, UsageEvent
from portal.models.organisation import SCHOOL
from portal.usage.figures import Point, count_logins, count_opens, count_titles, reported, within
from portal.usage.months import Month

E = UsageEvent
HEADER = ("組織コード", "組織名", "種別", "ライブラリ", "契約期間", "登録ID数", "利用したID数",
          "利用回数", "本を開いた回数", "読まれた本の数")


@dataclass(frozen=True)
class ContractRow:
    """One contract's month, as the overview lists it (no learner appears here)."""

    contract_id: int
    organisation_code: str
    organisation_name: str
    organisation_kind: str
    library: str
    term_label: str
    registered_ids: int
    point: Point

    @property
    def kind_label(self) -> str:
        return "学校" if self.organisation_kind == SCHOOL else "企業"

    def cells(self) -> tuple:
        """The row of the CSV/xlsx export, in HEADER's order."""
        p = self.point
        return (self.organisation_code, self.organisation_name, self.kind_label, self.library,
                self.term_label, self.registered_ids, p.active_ids, p.logins, p.book_opens,
                p.titles_read)


def by_contract(month: Month) -> list[ContractRow]:
    """Every contract reported for ``month``, unused ones included, by organisation code."""
    agg = (
        select(E.contract_id, count_logins(E.kind).label("logins"),
               func.count(distinct(E.learner_id)).label("active"),
               count_opens(E.kind).label("opens"),
               count_titles(E.kind, E.book_id).label("titles"))
        .where(within([month]))
        .group_by(E.contract_id)
        .subquery()
    )
    enrolled = (
        select(Enrolment.contract_id, func.count().label("ids"))
        .group_by(Enrolment.contract_id)
        .subquery()
    )
    zero = func.coalesce
    rows = db.session.execute(
        select(Contract.id, Organisation.code, Organisation.name, Organisation.kind,
               Library.name, Contract.starts_on, Contract.ends_on, zero(enrolled.c.ids, 0),
               zero(agg.c.logins, 0), zero(agg.c.active, 0), zero(agg.c.opens, 0),
               zero(agg.c.titles, 0))
        .join(Organisation, Organisation.id == Contract.organisation_id)
        .join(Library, Library.id == Contract.library_id)
        .outerjoin(agg, agg.c.contract_id == Contract.id)
        .outerjoin(enrolled, enrolled.c.contract_id == Contract.id)
        .where(reported(month))
        .order_by(Organisation.code, Contract.starts_on, Contract.id)
    ).all()
    return [
        ContractRow(cid, code, name, kind, library, f"{start:%Y/%m} ～ {end:%Y/%m}", ids,
                    Point(logins, active, opens, titles))
        for cid, code, name, kind, library, start, end, ids, logins, active, opens, titles
        in rows
    ]
