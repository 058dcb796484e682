"""Where a renewal stands: its steps with their dates and states, and the next action.

Pure functions of a contract, its renewal and a day, so that the list page, the step page
and the emails all say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.models import Contract, Renewal
from portal.models.contract import (
    APPLIED,
    APPROVED,
    CANCELLED,
    LAPSED,
    PROVISIONAL,
    REJECTED,
)
from portal.web import jdate

STATE_LABELS = {
    "upcoming": "受付前",
    "open": "受付中",
    "done": "完了",
    "waiting": "承認待ち",
    "closed": "締切",
    "skipped": "対象外",
    "rejected": "却下",
}


@dataclass(frozen=True)
class Step:
    """手順: one step of the renewal as the coordinator sees it."""

    key: str
    title: str
    state: str
    opens: date | None = None
    due: date | None = None
    note: str | None = None
    endpoint: str | None = None  # where the step is done, while it can be

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def dates(self) -> str:
        parts = []
        if self.opens:
            parts.append(f"{jdate(self.opens, weekday=True)}から")
        if self.due:
            parts.append(f"{jdate(self.due, weekday=True)}まで")
        return " ".join(parts)


@dataclass(frozen=True)
class Standing:
    """Where the renewal stands, in one line for the contract list."""

    label: str
    next_action: str
    deadline: date | None = None
    tone: str = "open"  # badge colour: open, done, warn, bad, closed


def relation(contract: Contract, renewal: Renewal | None) -> str:
    """'same', 'upgrade' or 'change' of the renewal's library against the contract's."""
    if renewal is None:
        return "same"
    return contract.library.relation_to(renewal.library)


def apply_step(contract: Contract, renewal: Renewal | None, today: date) -> Step:
    """Step 1: the application (継続申込)."""
    cal = contract.calendar
    base = {"key": "apply", "title": "継続申込", "opens": cal.apply_opens, "due": cal.apply_closes}
    status = renewal.status if renewal else None
    in_window = cal.apply_open(today)
    if status == APPROVED:
        return Step(**base, state="done", note=_summary(renewal) + "(承認済み・変更不可)")
    if status == APPLIED:
        note = _summary(renewal) + ("。承認までは変更・取消ができます" if in_window else "")
        return Step(**base, state="done", note=note, endpoint="renewal.apply" if in_window else None)
    if status == PROVISIONAL and in_window:
        return Step(**base, state="open", endpoint="renewal.apply",
                    note=f"ID数未確定の仮申込です。{_day(cal.apply_closes)}までにID数を確定してください")
    if status == LAPSED or (today > cal.apply_closes):
        return Step(**base, state="closed", note="継続の受付は終了しました。新規契約でお申し込みください")
    if today < cal.apply_opens:
        return Step(**base, state="upcoming")
    return Step(**base, state="open", endpoint="renewal.apply")


def approval_step(renewal: Renewal | None) -> Step:
    """Step 2: the operator's approval (事務局の承認)."""
    base = {"key": "approval", "title": "事務局による承認"}
    status = renewal.status if renewal else None
    if status == APPROVED:
        return Step(**base, state="done", note="お申込みが確定しました")
    if status == APPLIED:
        return Step(**base, state="waiting", note="承認されるとメールでお知らせします")
    if status == REJECTED:
        return Step(**base, state="rejected", note=f"理由: {renewal.reject_reason}")
    return Step(**base, state="upcoming", note="ID数を確定した申込を事務局が承認します")


REGISTRATION_STEPS = [
    ("download", "ユーザID一覧のダウンロード", "renewal.download_users"),
    ("continuing", "継続ユーザIDの読み込み", "renewal.upload_continuing"),
    ("finalize", "継続処理終了", "renewal.finalize"),
    ("new_users", "新規ユーザID登録", "renewal.new_users"),
    ("opening_emails", "開設メール送信", "renewal.opening_emails"),
]
CONTINUATION_KEYS = ("download", "continuing", "finalize")


def registration_steps(contract: Contract, renewal: Renewal | None, today: date) -> list[Step]:
    """Steps 3-7: learner registration on the admin site (管理者サイト)."""
    cal = contract.calendar
    changed = relation(contract, renewal) == "change"
    finished = bool(renewal and renewal.continuation_finished_at)
    approved = bool(renewal and renewal.status == APPROVED)
    steps = []
    for key, title, endpoint in REGISTRATION_STEPS:
        due = cal.continuation_due if key in ("continuing", "finalize") else None
        base = {"key": key, "title": title, "opens": cal.registration_opens, "due": due}
        if changed and key in CONTINUATION_KEYS:
            steps.append(Step(**base, state="skipped",
                              note="ライブラリ変更のため継続はありません。全員を新規で登録します"))
        elif not approved or not cal.registration_open(today):
            note = None if approved else "継続申込の承認後に開きます"
            steps.append(Step(**base, state="upcoming", note=note))
        else:
            steps.append(_open_registration_step(base, key, endpoint, finished, changed, today))
    return steps


def _open_registration_step(base, key, endpoint, finished, changed, today) -> Step:
    due = base["due"]
    if key == "finalize" and finished:
        return Step(**base, state="done", note="継続ユーザIDは確定しました")
    if key == "continuing" and finished:
        return Step(**base, state="done", endpoint=None)
    if due and today > due:
        return Step(**base, state="closed",
                    note="期限を過ぎました。継続できなかったIDは新規で登録してください")
    if key in ("new_users", "opening_emails") and not (finished or changed):
        return Step(**base, state="upcoming", note="継続処理終了の後に開きます")
    return Step(**base, state="open", endpoint=endpoint)


def steps_for(contract: Contract, renewal: Renewal | None, today: date) -> list[Step]:
    """Every step of the renewal of ``contract``, in order."""
    return [apply_step(contract, renewal, today), approval_step(renewal),
            *registration_steps(contract, renewal, today)]


def standing(contract: Contract, renewal: Renewal | None, today: date) -> Standing:
    """Where the renewal of ``contract`` stands and what the coordinator should do next."""
    cal = contract.calendar
    status = renewal.status if renewal else None
    if status == APPROVED:
        return _approved_standing(contract, renewal, today)
    if status == APPLIED:
        return Standing("承認待ち", "事務局の承認をお待ちください(承認までは変更・取消ができます)", tone="warn")
    if status == LAPSED:
        return Standing("失効", "ID数が確定されなかったため失効しました。新規契約でお申し込みください", tone="bad")
    if today > cal.apply_closes:
        return Standing("継続受付終了", "継続はできません。新規契約でお申し込みください", tone="closed")
    if today < cal.apply_opens:
        return Standing("受付前", f"継続申込は{_day(cal.apply_opens)}から受け付けます",
                        cal.apply_opens, tone="closed")
    if status == PROVISIONAL:
        return Standing("仮申込(ID数未確定)", "ID数を確定してください", cal.apply_closes, tone="warn")
    label = {REJECTED: "却下", CANCELLED: "取消済み"}.get(status, "未申込")
    return Standing(label, "継続申込をしてください", cal.apply_closes,
                    tone="bad" if status == REJECTED else "open")


def _approved_standing(contract: Contract, renewal: Renewal, today: date) -> Standing:
    cal = contract.calendar
    if not cal.registration_open(today):
        return Standing("承認済み", f"受講者登録は{_day(cal.registration_opens)}から始められます",
                        cal.registration_opens, tone="done")
    if relation(contract, renewal) == "change":
        return Standing("受講者登録中", "新規ユーザIDを登録し、開設メールを送信してください", tone="open")
    if renewal.continuation_finished_at:
        return Standing("継続処理終了", "新規ユーザIDの登録と開設メールの送信をしてください", tone="done")
    if today > cal.continuation_due:
        return Standing("継続期限切れ", "継続できなかったIDは新規で登録してください", tone="bad")
    return Standing("受講者登録中", "継続ユーザIDを確定し、継続処理終了を押してください",
                    cal.continuation_due, tone="open")


def _summary(renewal: Renewal) -> str:
    seats = "ID数未確定" if renewal.seats is None else f"{renewal.seats} ID"
    return f"{renewal.library.name}・{seats}"


def _day(day: date) -> str:
    return jdate(day)
