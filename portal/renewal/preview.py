"""What a continuing-list preview shows, tab by tab and page by page, computed in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, null, select

from portal.extensions import db
from portal.models import Contract, Enrolment, Learner, ListUpload, Renewal, UploadRow
from portal.models.contract import CONTINUED

PAGE_SIZE = 50
TABS = {
    "kept": "継続する",
    "errors": "エラー",
    "dropped": "継続しない",
    "added": "前回から追加",
    "removed": "前回から削除",
}


@dataclass(frozen=True)
class Line:
    row_number: int | None
    login_id: str | None
    name: str | None = None
    problem: str | None = None


def _kept(upload: ListUpload):
    return and_(UploadRow.upload_id == upload.id, UploadRow.problem.is_(None))


def _queries(upload: ListUpload, contract: Contract, renewal: Renewal) -> dict:
    """One SELECT per tab; each yields (row number, login ID, name, problem)."""
    kept_learner = exists().where(_kept(upload), UploadRow.learner_id == Learner.id)
    saved = exists().where(
        Enrolment.contract_id == renewal.successor_id, Enrolment.source == CONTINUED,
        Enrolment.learner_id == UploadRow.learner_id,
    )
    saved_learner = select(Learner).join(Enrolment, Enrolment.learner_id == Learner.id).where(
        Enrolment.contract_id == renewal.successor_id, Enrolment.source == CONTINUED)
    rows = select(UploadRow.row_number, UploadRow.login_id, Learner.name, UploadRow.problem) \
        .outerjoin(Learner, Learner.id == UploadRow.learner_id)
    learners = select(null(), Learner.login_id, Learner.name, null())
    return {
        "kept": rows.where(_kept(upload)).order_by(UploadRow.row_number),
        "errors": rows.where(UploadRow.upload_id == upload.id, UploadRow.problem.is_not(None))
        .order_by(UploadRow.row_number),
        "dropped": learners.join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.contract_id == contract.id, ~kept_learner).order_by(Learner.login_id),
        "added": rows.where(_kept(upload), ~saved).order_by(UploadRow.row_number),
        "removed": saved_learner.with_only_columns(null(), Learner.login_id, Learner.name, null())
        .where(~kept_learner).order_by(Learner.login_id),
    }


def counts(upload: ListUpload) -> dict[str, int]:
    """How many lines each tab has, as counted when the file was read."""
    return {"kept": upload.ok_count, "errors": upload.error_count,
            "dropped": upload.dropped_count, "added": upload.added_count,
            "removed": upload.removed_count}


def lines(upload: ListUpload, contract: Contract, renewal: Renewal, tab: str,
          page: int) -> list[Line]:
    """One page of one tab."""
    query = _queries(upload, contract, renewal)[tab]
    offset = (max(page, 1) - 1) * PAGE_SIZE
    return [Line(*row) for row in db.session.execute(query.limit(PAGE_SIZE).offset(offset))]


def difference_is_current(upload: ListUpload, renewal: Renewal) -> bool:
    """Whether the upload's difference is still against the saved list: there was a saved
    list when the file was read, and it is still the one saved."""
    if upload.compared_to_id is None:
        return False
    current = db.session.scalar(select(ListUpload.id).where(
        ListUpload.renewal_id == renewal.id, ListUpload.purpose == upload.purpose,
        ListUpload.status == "confirmed"))
    return current == upload.compared_to_id
