"""Whether a learner-registration step is open, in one place: each answers the renewal
when it is, and raises ``Refused`` (409) saying why and what to do when it is not."""

from __future__ import annotations

from datetime import date

from portal.models import Contract, Renewal
from portal.models.contract import APPROVED
from portal.renewal.progress import relation
from portal.web import Refused, jdate


def registration(contract: Contract, today: date) -> Renewal:
    """Registration opens on the 11th of M-1, and only once the renewal is approved."""
    renewal = contract.renewal
    if renewal is None or renewal.status != APPROVED:
        raise Refused(
            "受講者登録は、継続申込を事務局が承認した後に始められます。",
            "継続申込がまだの場合はお申し込みください。承認されるとメールでお知らせします。",
            title="まだ承認されていません",
        )
    opens = contract.calendar.registration_opens
    if not contract.calendar.registration_open(today):
        raise Refused(
            f"受講者登録は{jdate(opens, weekday=True)}から始められます。",
            "その日になったら、この画面からもう一度操作してください。",
            title="受講者登録はまだ始まっていません",
        )
    return renewal


def continuation(contract: Contract, today: date) -> Renewal:
    """The continuing list can change until continuation is finished, by the end of M."""
    renewal = registration(contract, today)
    if relation(contract, renewal) == "change":
        raise Refused(
            "ライブラリを変更したため、このご契約に継続はありません。受講者は全員、新規で登録します。",
            "「新規ユーザID登録」から、登録用フォーマットで受講者を登録してください。",
            title="継続の手順はありません",
        )
    if renewal.continuation_finished_at:
        raise Refused(
            "継続処理は終了しています。継続ユーザIDの入れ替えや追加はできません。",
            "継続できなかったユーザIDは、新規ユーザIDとして登録してください。",
            title="継続処理は終了しました",
        )
    due = contract.calendar.continuation_due
    if today > due:
        raise Refused(
            f"継続処理の期限({jdate(due, weekday=True)})を過ぎました。",
            "継続できなかったユーザIDは、新規ユーザIDとして登録してください。",
            title="継続の期限を過ぎました",
        )
    return renewal


def new_users(contract: Contract, today: date) -> Renewal:
    """New IDs come after continuation is finished (or at once when the library changed)."""
    renewal = registration(contract, today)
    if relation(contract, renewal) == "change" or continuation_settled(contract, renewal, today):
        return renewal
    raise Refused(
        "新規ユーザIDの登録は、「継続処理終了」の後にできます。",
        "先に継続ユーザIDのリストを読み込み、「継続処理終了」を押してください。",
        title="まだ新規登録はできません",
    )


def opening_emails(contract: Contract, today: date) -> Renewal:
    """開設メール: never before continuation is finished."""
    renewal = new_users(contract, today)
    return renewal


def continuation_settled(contract: Contract, renewal: Renewal, today: date) -> bool:
    """Finished by the coordinator, or closed by its deadline."""
    return bool(renewal.continuation_finished_at) or today > contract.calendar.continuation_due
