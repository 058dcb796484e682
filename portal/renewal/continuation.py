"""The continuing list (継続ユーザID): upload and preview, confirm, finish continuation.

The list is the set of enrolments of the new contract whose source is 'continued'.
Confirming an upload replaces that set in one statement pair inside one transaction, so
the list is always one whole upload, never a mix of two.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, literal, select, update

from portal import accounts, audit, clock
from portal.dbutil import lock_row
from portal.extensions import db
from portal.models import Contract, Enrolment, Learner, ListUpload, Renewal, StaffUser, UploadRow
from portal.models.contract import CONTINUED
from portal.models.registration import CONFIRMED, CONTINUING, PREVIEW, SUPERSEDED
from portal.renewal import gates
from portal.sheets import clean_id, read_table
from portal.web import Refused

ID_HEADERS = {"id": ["ユーザID", "ユーザーID", "ログインID", "user id", "userid", "login id"]}
INSERT_CHUNK = 5000


def preview(contract: Contract, user: StaffUser, filename: str, data: bytes) -> ListUpload:
    """Read an uploaded continuing list and record its rows with their problems.

    Nothing changes in the current list: that takes a confirmation.
    """
    renewal = gates.continuation(contract, clock.today())
    table = read_table(data, ID_HEADERS, ["id"])  # SheetError: the file as a whole is refused
    current = dict(db.session.execute(
        select(Learner.login_id, Learner.id)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.contract_id == contract.id, Learner.replaced_by_id.is_(None))
    ).all())
    limit = renewal.successor.seats
    rows, seen, misses, kept = [], {}, {}, 0
    for number, cells in table.rows:
        login = clean_id(table.value(cells, "id"))
        row = {"row_number": number, "login_id": login[:64] or None, "learner_id": None,
               "problem": None}
        if not login:
            row["problem"] = "ユーザIDが空です。"
        elif login in seen:
            row["problem"] = f"ユーザID「{login}」が重複しています({seen[login]}行目と同じ)。"
        elif login not in current:
            misses[login] = row
        elif kept >= limit:
            row["problem"] = f"新しい契約のユーザID数({limit})を超えています。"
        else:
            row["learner_id"] = current[login]
            kept += 1
        seen.setdefault(login, number)
        rows.append(row)
    _explain_misses(misses, contract.organisation_id)
    return _record(renewal, user, filename, table.kind, rows)


def _explain_misses(misses: dict[str, dict], organisation_id: int) -> None:
    """Say why an ID is not on this contract: unknown, another organisation's, or another
    contract's of the same organisation."""
    owners: dict[str, tuple[int, int | None]] = {}
    logins = list(misses)
    for start in range(0, len(logins), 1000):
        owners.update((login, (owner, replaced)) for login, owner, replaced in db.session.execute(
            select(Learner.login_id, Learner.organisation_id, Learner.replaced_by_id)
            .where(Learner.login_id.in_(logins[start:start + 1000]))
        ))
    for login, row in misses.items():
        owner, replaced = owners.get(login, (None, None))
        if owner is None:
            row["problem"] = f"ユーザID「{login}」は登録されていません。"
        elif owner != organisation_id:
            row["problem"] = f"ユーザID「{login}」は他の組織のユーザIDです。"
        elif replaced:
            row["problem"] = f"ユーザID「{login}」は新しいIDに切り替わっています(カードの再発行または年度末の更新)。新しいIDを記入してください。"
        else:
            row["problem"] = f"ユーザID「{login}」はこの契約のユーザIDではありません。"


def _record(renewal: Renewal, user: StaffUser, filename: str, kind: str,
            rows: list[dict]) -> ListUpload:
    errors = sum(1 for r in rows if r["problem"])
    upload = ListUpload(
        renewal_id=renewal.id, organisation_id=renewal.organisation_id, purpose=CONTINUING,
        filename=filename[:255], file_kind=kind, row_count=len(rows),
        ok_count=len(rows) - errors, error_count=errors, uploaded_by_id=user.id,
    )
    db.session.add(upload)
    db.session.flush()
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start:start + INSERT_CHUNK]
        db.session.execute(insert(UploadRow), [{**r, "upload_id": upload.id} for r in chunk])
    db.session.commit()
    return upload


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
    same_library = successor.library_id == contract.library_id
    old = select(Enrolment.course_id).where(
        Enrolment.contract_id == contract.id, Enrolment.learner_id == UploadRow.learner_id
    ).scalar_subquery()
    rows = select(
        literal(successor.id), UploadRow.learner_id, literal(CONTINUED),
        old if same_library else literal(None), literal(clock.now(), Enrolment.created_at.type),
    ).where(UploadRow.upload_id == upload.id, UploadRow.problem.is_(None))
    db.session.execute(
        insert(Enrolment).from_select(
            ["contract_id", "learner_id", "source", "course_id", "created_at"], rows
        )
    )


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


def latest_preview(renewal: Renewal) -> ListUpload | None:
    return db.session.scalar(
        select(ListUpload)
        .where(ListUpload.renewal_id == renewal.id, ListUpload.purpose == CONTINUING,
               ListUpload.status == PREVIEW)
        .order_by(ListUpload.id.desc())
    )
