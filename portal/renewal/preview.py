"""What a continuing-list preview shows, tab by tab and page by page.

The kept rows are the upload's packed (row, learner) pairs, the rows with problems are
UploadRows; each page loads the names of its 50 learners only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.dbutil import plain_rows
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


def counts(upload: ListUpload) -> dict[str, int]:
    """How many lines each tab has, as counted when the file was read."""
    return {"kept": upload.ok_count, "errors": upload.error_count,
            "dropped": upload.dropped_count, "added": upload.added_count,
            "removed": upload.removed_count}


def lines(upload: ListUpload, contract: Contract, renewal: Renewal, tab: str,
          page: int) -> list[Line]:
    """One page of one tab."""
    window = slice((max(page, 1) - 1) * PAGE_SIZE, max(page, 1) * PAGE_SIZE)
    if tab == "errors":
        return _errors(upload, window)
    pairs = upload.kept_pairs()
    if tab in ("kept", "added"):
        if tab == "added":
            saved = _saved_ids(renewal)
            pairs = [p for p in pairs if p[1] not in saved]
        return _named(pairs[window])
    kept = {learner_id for _, learner_id in pairs}
    if tab == "dropped":
        everyone = plain_rows(
            select(Learner.id).join(Enrolment, Enrolment.learner_id == Learner.id)
            .where(Enrolment.contract_id == contract.id, Learner.replaced_by_id.is_(None))
            .order_by(Learner.login_id))
    else:  # removed: saved before, not in this file
        everyone = plain_rows(
            select(Learner.id).join(Enrolment, Enrolment.learner_id == Learner.id)
            .where(Enrolment.contract_id == renewal.successor_id, Enrolment.source == CONTINUED)
            .order_by(Learner.login_id))
    missing = [(None, learner_id) for (learner_id,) in everyone if learner_id not in kept]
    return _named(missing[window])


def _errors(upload: ListUpload, window: slice) -> list[Line]:
    rows = db.session.execute(
        select(UploadRow.row_number, UploadRow.login_id, UploadRow.problem)
        .where(UploadRow.upload_id == upload.id, UploadRow.problem.is_not(None))
        .order_by(UploadRow.row_number)
        .offset(window.start).limit(PAGE_SIZE))
    return [Line(number, login, None, problem) for number, login, problem in rows]


def _named(pairs: list[tuple[int | None, int]]) -> list[Line]:
    """Lines for (row number, learner id) pairs, with the learners' IDs and names."""
    people = {learner_id: (login, name) for learner_id, login, name in db.session.execute(
        select(Learner.id, Learner.login_id, Learner.name)
        .where(Learner.id.in_([learner_id for _, learner_id in pairs])))}
    return [Line(number, *people.get(learner_id, (None, None))) for number, learner_id in pairs]


def _saved_ids(renewal: Renewal) -> set[int]:
    return {learner_id for (learner_id,) in plain_rows(select(Enrolment.learner_id).where(
        Enrolment.contract_id == renewal.successor_id, Enrolment.source == CONTINUED))}


def difference_is_current(upload: ListUpload, renewal: Renewal) -> bool:
    """Whether the upload's difference is still against the saved list: there was a saved
    list when the file was read, and it is still the one saved."""
    if upload.compared_to_id is None:
        return False
    current = db.session.scalar(select(ListUpload.id).where(
        ListUpload.renewal_id == renewal.id, ListUpload.purpose == upload.purpose,
        ListUpload.status == "confirmed"))
    return current == upload.compared_to_id
