"""The continuing list (継続ユーザID): upload and preview, confirm, finish continuation.

The list is the set of enrolments of the new contract whose source is 'continued'.
Confirming an upload replaces that set in one statement pair inside one transaction, so
the list is always one whole upload, never a mix of two.
"""

from __future__ import annotations

from array import array

from sqlalchemy import delete, func, select, update

from portal import accounts, audit, clock
from portal.dbutil import bulk_insert, lock_row, plain_rows, plain_time
from portal.extensions import db
from portal.models import Contract, Enrolment, Learner, ListUpload, Renewal, StaffUser, UploadRow
from portal.models.contract import CONTINUED
from portal.models.registration import CONFIRMED, CONTINUING, SUPERSEDED
from portal.renewal import gates
from portal.sheets import clean_id, read_table
from portal.web import Refused

ID_HEADERS = {"id": ["ユーザID", "ユーザーID", "ログインID", "user id", "userid", "login id"]}
CHUNK = 5000


def preview(contract: Contract, user: StaffUser, filename: str, data: bytes) -> ListUpload:
    """Read an uploaded continuing list: the kept rows packed on the upload, the rows with
    a problem stored in chunks with their messages. Nothing changes in the current list:
    that takes a confirmation.
    """
    renewal = gates.continuation(contract, clock.today())
    table = read_table(data, ID_HEADERS, ["id"])  # SheetError: the file is refused
    # The contract's IDs load after the parse, not during it: together they would take
    # the process past 200 MB for a 100,000-row list (docs/PERFORMANCE.md).
    check = _Check(contract, renewal)
    upload = ListUpload(
        renewal_id=renewal.id, organisation_id=renewal.organisation_id, purpose=CONTINUING,
        filename=filename[:255], file_kind=table.kind, uploaded_by_id=user.id,
        compared_to_id=_current_list_id(renewal),
    )
    db.session.add(upload)
    db.session.flush()
    problems: list[tuple] = []
    for number, cells in table.rows:
        problem = check.row(number, clean_id(table.raw(cells, "id")))
        if problem is not None:
            problems.append(problem)
        if len(problems) == CHUNK:
            _store(upload, check, problems)
            problems = []
    _store(upload, check, problems)
    upload.keep(check.pairs)
    upload.row_count, upload.error_count = check.rows, check.errors
    upload.ok_count = len(check.kept)
    upload.dropped_count = len(check.current)  # what is left: the IDs not in the file
    kept_ids = set(check.pairs[1::2])
    upload.added_count = len(kept_ids - check.saved)
    upload.removed_count = len(check.saved - kept_ids)
    db.session.commit()
    return upload


class _Check:
    """The rules of one continuing list, applied row by row.

    A matched ID moves from ``current`` (the contract's IDs) to ``kept`` (with its row), so
    one dict's worth of memory serves both for 100,000 IDs, and what is left in ``current``
    at the end is exactly the IDs that do not continue.
    """

    def __init__(self, contract: Contract, renewal: Renewal):
        self.organisation_id = contract.organisation_id
        self.limit = renewal.successor.seats
        self.current = dict(plain_rows(
            select(Learner.login_id, Learner.id)
            .join(Enrolment, Enrolment.learner_id == Learner.id)
            # A replaced ID (lost card, yearly rotation) is not continued: its new ID is.
            .where(Enrolment.contract_id == contract.id, Learner.replaced_by_id.is_(None))
        ))
        self.saved = {learner_id for (learner_id,) in plain_rows(select(Enrolment.learner_id).where(
            Enrolment.contract_id == renewal.successor_id, Enrolment.source == CONTINUED))}
        self.kept: dict[str, int] = {}  # login ID → the row that kept it
        self.pairs = array("i")  # row number, learner id, row number, learner id, …
        self.refused: dict[str, int] = {}  # login ID → first row, for IDs not kept
        self.rows = self.errors = 0

    def row(self, number: int, login: str) -> tuple | None:
        """None for a kept row; else (row number, login ID, problem), where a miss is
        explained per chunk."""
        self.rows += 1
        problem = None
        if not login:
            problem = "ユーザIDが空です。"
        elif (first := self.kept.get(login) or self.refused.get(login)) is not None:
            problem = f"ユーザID「{login}」が重複しています({first}行目と同じ)。"
        elif login not in self.current:
            problem = MISS
            self.refused[login] = number
        elif len(self.kept) >= self.limit:
            problem = f"新しい契約のユーザID数({self.limit})を超えています。"
            self.refused[login] = number
        else:
            self.kept[login] = number
            self.pairs.append(number)
            self.pairs.append(self.current.pop(login))
            return None
        self.errors += 1
        return (number, login[:64] or None, problem)


MISS = object()  # placeholder: why the ID is not on this contract is looked up per chunk
COLUMNS = ["upload_id", "row_number", "login_id", "problem"]


def _store(upload: ListUpload, check: _Check, chunk: list[tuple]) -> None:
    misses = [login for _, login, problem in chunk if problem is MISS]
    reasons = _explain_misses(misses, check.organisation_id) if misses else {}
    bulk_insert(UploadRow.__table__, COLUMNS, (
        (upload.id, number, login, reasons[login] if problem is MISS else problem)
        for number, login, problem in chunk
    ))


def _explain_misses(logins: list[str], organisation_id: int) -> dict[str, str]:
    """Why each ID is not on this contract. Only the organisation's own IDs are looked at:
    whether an ID exists elsewhere (unknown, or another organisation's) is nobody's
    business here, so both read 「この契約のユーザIDではありません」."""
    replaced = set(db.session.scalars(
        select(Learner.login_id).where(Learner.login_id.in_(logins),
                                       Learner.organisation_id == organisation_id,
                                       Learner.replaced_by_id.is_not(None))
    ))
    return {login: (
        f"ユーザID「{login}」は新しいIDに切り替わっています(カードの再発行または年度末の更新)。新しいIDを記入してください。"
        if login in replaced else f"ユーザID「{login}」はこの契約のユーザIDではありません。"
    ) for login in logins}


def _current_list_id(renewal: Renewal) -> int | None:
    return db.session.scalar(select(ListUpload.id).where(
        ListUpload.renewal_id == renewal.id, ListUpload.purpose == CONTINUING,
        ListUpload.status == CONFIRMED))


def confirm(contract: Contract, user: StaffUser, upload_id: int) -> ListUpload:
    """Make a previewed upload the continuing list, replacing the one before it."""
    today = clock.today()
    renewal = gates.continuation(contract, today)
    lock_row(Renewal, renewal.id)
    db.session.refresh(renewal)
    gates.continuation(contract, today)  # again, now that no one else can change it
    upload = find_upload(renewal, upload_id)
    if upload.status == CONFIRMED:
        db.session.rollback()
        return upload  # a second click: it already is the list
    if upload.error_count:
        raise Refused(
            f"エラーのある行が {upload.error_count} 行あるため、このリストは確定できません。",
            "エラーの行を直したファイルを、もう一度読み込んでください。",
            title="エラーがあるため確定できません",
        )
    _replace_continued(renewal, contract, upload)
    db.session.execute(
        update(ListUpload)
        .where(ListUpload.renewal_id == renewal.id, ListUpload.purpose == CONTINUING,
               ListUpload.status == CONFIRMED)
        .values(status=SUPERSEDED)
    )
    upload.status = CONFIRMED
    upload.confirmed_at = clock.now()
    audit.record("renewal.continuing_list", renewal, user, renewal.organisation_id,
                 upload_id=upload.id, continuing=upload.ok_count, filename=upload.filename)
    db.session.commit()
    return upload


def _replace_continued(renewal: Renewal, contract: Contract, upload: ListUpload) -> None:
    successor = renewal.successor
    db.session.execute(
        delete(Enrolment).where(Enrolment.contract_id == successor.id,
                                Enrolment.source == CONTINUED)
    )
    # Courses carry over only within the same library (course ids belong to a library).
    courses = {}
    if successor.library_id == contract.library_id:
        courses = dict(plain_rows(select(Enrolment.learner_id, Enrolment.course_id).where(
            Enrolment.contract_id == contract.id, Enrolment.course_id.is_not(None))))
    now = plain_time(clock.now())
    bulk_insert(Enrolment.__table__, ENROLMENT_COLUMNS, (
        (successor.id, learner_id, CONTINUED, courses.get(learner_id), now)
        for _, learner_id in upload.kept_pairs()
    ))


ENROLMENT_COLUMNS = ["contract_id", "learner_id", "source", "course_id", "created_at"]


def find_upload(renewal: Renewal, upload_id: int) -> ListUpload:
    """A continuing upload of this renewal, or LookupError."""
    upload = db.session.scalar(
        select(ListUpload).where(ListUpload.id == upload_id, ListUpload.renewal_id == renewal.id,
                                 ListUpload.purpose == CONTINUING)
    )
    if upload is None:
        raise LookupError(upload_id)
    return upload


def counts(contract: Contract, renewal: Renewal) -> dict[str, int]:
    """Continuing, not continuing, and IDs left for new learners, as saved now."""
    successor = renewal.successor
    old_total = accounts.enrolled_count(contract.id)  # replaced IDs are not counted
    continuing = db.session.scalar(
        select(func.count()).select_from(Enrolment)
        .where(Enrolment.contract_id == successor.id, Enrolment.source == CONTINUED))
    registered = db.session.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.contract_id == successor.id))
    return {"old_total": old_total, "continuing": continuing,
            "not_continuing": old_total - continuing, "seats": successor.seats,
            "left": successor.seats - registered}


def finish(contract: Contract, user: StaffUser) -> bool:
    """継続処理終了: fix the continuing list for good. False if it was already finished."""
    today = clock.today()
    renewal = gates.registration(contract, today)
    lock_row(Renewal, renewal.id)
    db.session.refresh(renewal)
    if renewal.continuation_finished_at:
        db.session.rollback()
        return False  # a second click or tab
    gates.continuation(contract, today)
    renewal.continuation_finished_at = clock.now()
    renewal.continuation_finished_by_id = user.id
    audit.record("renewal.finish_continuation", renewal, user, renewal.organisation_id,
                 **counts(contract, renewal))
    db.session.commit()
    return True


def versions(renewal: Renewal) -> list[ListUpload]:
    """Every continuing upload of the renewal, newest first (who, when, counts)."""
    return db.session.scalars(
        select(ListUpload)
        .where(ListUpload.renewal_id == renewal.id, ListUpload.purpose == CONTINUING)
        .order_by(ListUpload.id.desc())
    ).all()

