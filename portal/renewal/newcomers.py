"""新規ユーザID登録: one learner by the form, or many by the template with a preview.

Every row is checked the same way, whether typed or uploaded; the contract's count is
checked again at confirmation, under the renewal's lock, so it is never exceeded.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import insert, select

from portal import accounts, addresses, audit, clock, params
from portal.dbutil import lock_row
from portal.extensions import db
from portal.models import (
    Contract,
    Enrolment,
    Learner,
    ListUpload,
    Renewal,
    StaffUser,
    UploadRow,
)
from portal.models.contract import NEW
from portal.models.registration import CONFIRMED, NEW_USERS
from portal.renewal import gates, roster
from portal.sheets import Sheet, read_table
from portal.web import Refused

COLUMNS = {
    "name": ["氏名", "名前", "name"],
    "gender": ["性別", "gender"],
    "email": ["メールアドレス", "メール", "email", "e-mail"],
    "kind": ["アカウント種別", "種別", "kind"],
    "course": ["コース", "受講コース", "course"],
}
GENDERS = {"男性": "男性", "男": "男性", "m": "男性", "male": "男性",
           "女性": "女性", "女": "女性", "f": "女性", "female": "女性", "その他": "その他"}
KINDS = {"個人": "personal", "personal": "personal", "共用": "shared", "shared": "shared"}


class RowProblem(ValueError):
    """A row (typed or uploaded) that cannot be registered; the text says why."""


def remaining(renewal: Renewal) -> int:
    """IDs of the new contract still free for new learners."""
    return renewal.successor.seats - accounts.enrolled_count(renewal.successor_id)


def check_row(contract: Contract, values: dict[str, str], courses: dict[str, int]) -> dict:
    """One learner's values, cleaned; raises RowProblem with a Japanese message."""
    # NFKC for the names and choices; the address as typed, so that a full-width ＠ or a
    # Japanese local part is named to the coordinator rather than silently changed.
    typed_email = (values.get("email") or "").strip()
    values = {k: unicodedata.normalize("NFKC", v or "").strip() for k, v in values.items()}
    if contract.organisation.is_school:
        if values.get("name") or values.get("email") or values.get("gender"):
            raise RowProblem("学校のユーザIDには氏名・性別・メールアドレスを登録しません(個人情報はお預かりしません)。")
        kind = KINDS.get(values.get("kind", "").lower())
        if kind is None:
            raise RowProblem("アカウント種別は「個人」か「共用」を入力してください。")
        return {"kind": kind, "name": None, "gender": None, "email": None, "course_id": None}
    name, email = values.get("name", ""), typed_email
    if len(name) > 100:
        raise RowProblem("氏名は100文字以内にしてください。")
    if email:
        try:
            email = addresses.check(email)
        except addresses.AddressProblem as exc:
            raise RowProblem(str(exc)) from None
    gender = values.get("gender", "")
    if gender and gender.lower() not in GENDERS:
        raise RowProblem("性別は「男性」「女性」「その他」のいずれかか、空欄にしてください。")
    course = values.get("course", "")
    if course and course not in courses:
        raise RowProblem(f"コース「{course}」はこのライブラリにありません。")
    return {"kind": "personal", "name": name or None, "gender": GENDERS.get(gender.lower()),
            "email": email or None, "course_id": courses.get(course)}


def course_lookup(renewal: Renewal) -> dict[str, int]:
    """The new library's courses by name and by code."""
    return {key: c.id for c in roster.courses(renewal) for key in (c.name, c.code)}


def add_one(contract: Contract, user: StaffUser, values: dict[str, str]) -> str:
    """Register one learner from the form; their new login ID."""
    renewal = _locked(contract)
    row = check_row(contract, values, course_lookup(renewal))
    _ensure_room(renewal, 1)
    [learner_id] = accounts.issue(renewal.organisation_id, renewal.successor_id,
                                  [accounts.NewLearner(**row)], NEW)
    audit.record("learners.register", renewal, user, renewal.organisation_id, count=1)
    db.session.commit()
    return _login_of(learner_id)


def preview(contract: Contract, user: StaffUser, filename: str, data: bytes) -> ListUpload:
    """Check an uploaded new-ID list row by row; nothing is registered yet."""
    renewal = gates.new_users(contract, clock.today())
    school = contract.organisation.is_school
    table = read_table(data, COLUMNS, ["kind"] if school else ["name"])
    courses, room = course_lookup(renewal), remaining(renewal)
    rows, emails, ok = [], {}, 0
    for number, cells in table.rows:
        values = {column: table.value(cells, column) for column in COLUMNS}
        row = {"row_number": number, "problem": None}
        try:
            row.update(check_row(contract, values, courses))
            if row["email"] and row["email"] in emails:
                raise RowProblem(f"メールアドレス「{row['email']}」が重複しています({emails[row['email']]}行目と同じ)。")
            if ok >= room:
                raise RowProblem(f"登録できるユーザIDの残り({room})を超えています。")
            emails.setdefault(row["email"], number)
            ok += 1
        except RowProblem as exc:
            row["problem"] = str(exc)
            row["name"] = values["name"][:100] or None
        rows.append(row)
    return _record(renewal, user, filename, table.kind, rows)


def _record(renewal, user, filename, kind, rows) -> ListUpload:
    errors = sum(1 for r in rows if r["problem"])
    upload = ListUpload(
        renewal_id=renewal.id, organisation_id=renewal.organisation_id, purpose=NEW_USERS,
        filename=filename[:255], file_kind=kind, row_count=len(rows),
        ok_count=len(rows) - errors, error_count=errors, uploaded_by_id=user.id,
    )
    db.session.add(upload)
    db.session.flush()
    if rows:
        db.session.execute(insert(UploadRow), [{**r, "upload_id": upload.id} for r in rows])
    db.session.commit()
    return upload


def confirm(contract: Contract, user: StaffUser, upload_id: int) -> ListUpload:
    """Register the previewed rows: IDs and initial passwords issued, all or nothing."""
    renewal = _locked(contract)
    upload = find_upload(renewal, upload_id)
    if upload.status == CONFIRMED:
        db.session.rollback()
        return upload  # a second click registers nothing more
    if upload.error_count:
        raise Refused(f"エラーのある行が {upload.error_count} 行あるため登録できません。",
                      "エラーの行を直したファイルを、もう一度読み込んでください。",
                      title="エラーがあるため登録できません")
    _ensure_room(renewal, upload.ok_count)
    people = [accounts.NewLearner(kind=r.kind, name=r.name, gender=r.gender, email=r.email,
                                  course_id=r.course_id)
              for r in db.session.scalars(select(UploadRow).where(
                  UploadRow.upload_id == upload.id).order_by(UploadRow.row_number))]
    accounts.issue(renewal.organisation_id, renewal.successor_id, people, NEW)
    upload.status, upload.confirmed_at = CONFIRMED, clock.now()
    audit.record("learners.register", renewal, user, renewal.organisation_id,
                 count=len(people), upload_id=upload.id)
    db.session.commit()
    return upload


def find_upload(renewal: Renewal, upload_id: int) -> ListUpload:
    """A new-ID upload of this renewal, or LookupError."""
    upload = db.session.scalar(select(ListUpload).where(
        ListUpload.id == upload_id, ListUpload.renewal_id == renewal.id,
        ListUpload.purpose == NEW_USERS))
    if upload is None:
        raise LookupError(upload_id)
    return upload


def preview_rows(upload: ListUpload, limit: int = 500) -> list[UploadRow]:
    """The rows of a new-ID upload to show: the problems first, then in file order."""
    return db.session.scalars(
        select(UploadRow).where(UploadRow.upload_id == upload.id)
        .order_by(UploadRow.problem.is_(None), UploadRow.row_number).limit(limit)
    ).all()


def _locked(contract: Contract) -> Renewal:
    renewal = gates.new_users(contract, clock.today())
    lock_row(Renewal, renewal.id)
    db.session.refresh(renewal)
    return renewal


def _ensure_room(renewal: Renewal, wanted: int) -> None:
    left = remaining(renewal)
    if wanted > left:
        raise Refused(
            f"契約のユーザID数({renewal.successor.seats})を超えるため登録できません(残り {left})。",
            "登録する人数を減らすか、事務局にご相談ください。", title="ユーザID数を超えます")


def _login_of(learner_id: int) -> str:
    return db.session.get(Learner, learner_id).login_id


def template(contract: Contract) -> list[Sheet]:
    """The new-ID template: the list sheet and an instructions sheet."""
    if contract.organisation.is_school:
        header, example = ["アカウント種別"], [["個人"], ["共用"]]
        notes = ["1行に1つのユーザIDです。「個人」か「共用」を入力してください。",
                 "学校のユーザIDには氏名・メールアドレスを登録しません。",
                 "ユーザIDとパスワードは読み込み後に発行され、一覧でダウンロードできます。"]
    else:
        header = ["氏名", "性別", "メールアドレス", "コース"]
        example = [["山田 太郎", "男性", "yamada@example.jp", ""]]
        notes = ["1行に1人です。見出しの行は消さないでください。例の行は消してから読み込んでください。",
                 "性別は「男性」「女性」「その他」か空欄です。",
                 "メールアドレスがある人には、開設メールでログインIDとパスワード設定のリンクが届きます。",
                 "メールアドレスがない人のパスワードは、アカウントカードで配布します。",
                 "コースは空欄でもかまいません。後から受講コース設定で変更できます。"]
    return [Sheet("新規ユーザID", header, example, text_columns=()),
            Sheet("記入方法", ["記入方法"], [[n] for n in notes], text_columns=(), widths=(100,))]


def assign_course(renewal: Renewal, learner_id: str, course_id: str) -> None:
    """受講コース設定 for one learner of the new contract ('' clears it)."""
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.contract_id == renewal.successor_id,
        Enrolment.learner_id == (params.whole(learner_id) or -1)))
    if enrolment is None:
        raise LookupError(learner_id)
    courses = set(course_lookup(renewal).values())
    chosen = params.whole(course_id, low=1)
    if chosen is not None and chosen not in courses:
        raise RowProblem("このライブラリにないコースです。")
    enrolment.course_id = chosen
    db.session.commit()
