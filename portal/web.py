"""What every page shares: the refusal answer, page-or-partial rendering, error pages,
and the template filters for Japanese dates."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, abort, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from portal import clock, params

WEEKDAYS = "月火水木金土日"

# The menu of each role; an entry appears once its area's blueprint is registered.
NAV = {
    "operator": [
        ("ops.renewals", "継続申込の承認"),
        ("ops.outbox", "送信メール"),
        ("ops_catalog.books", "書籍カタログ"),
        ("orders.index", "学校の注文"),  # links on to prices and card reissue
        ("ops_usage.index", "利用状況"),
    ],
    "coordinator": [("renewal.index", "継続手続き"), ("school.index", "アカウント"),
                    ("usage.index", "利用状況")],
    "distributor": [("orders.index", "注文一覧")],
}


class Refused(Exception):
    """A rule says no: a step not open yet, closed or locked. Answered with 409.

    ``why`` says what rule applies; ``todo`` what the person can do instead.
    """

    status = 409

    def __init__(self, why: str, todo: str | None = None, *, title: str = "この操作はできません"):
        super().__init__(why)
        self.why = why
        self.todo = todo
        self.title = title


def posted_id(field: str) -> int:
    """A numeric id posted in ``field``; anything else is a 404 (no such object)."""
    value = params.whole(request.form.get(field), low=1)
    if value is None:
        abort(404)
    return value


def is_htmx() -> bool:
    """Whether this request came from htmx (and not as a boosted full navigation)."""
    headers = request.headers
    # A history restore (back button after the cache missed) needs the whole page.
    return (
        headers.get("HX-Request") == "true"
        and not headers.get("HX-Boosted")
        and not headers.get("HX-History-Restore-Request")
    )


def render(full: str, fragment: str | None = None, *, http_status: int = 200, **context):
    """The ``full`` page, or only its ``fragment`` when htmx asked for one.

    The answer's code is ``http_status``, a name no page uses for its own data: every other
    keyword goes to the template (``status=`` once turned ``?status=failed`` into the
    HTTP status line, a 500)."""
    template = fragment if fragment and is_htmx() else full
    return render_template(template, **context), http_status


def _own_words(exc, default: str) -> str:
    """A limit's own Japanese message (``error_message=`` of Flask-Limiter), else ours."""
    limit = getattr(exc, "limit", None)
    return str(exc.description) if limit is not None and limit.error_message else default


def jdate(value: date | datetime | None, weekday: bool = False) -> str:
    """2026年12月10日 (木) in Tokyo time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.tokyo(value).date()
    text = f"{value.year}年{value.month}月{value.day}日"
    return f"{text}({WEEKDAYS[value.weekday()]})" if weekday else text


def jdatetime(value: datetime | None) -> str:
    """2026年12月10日 14:05 in Tokyo time."""
    if value is None:
        return ""
    local = clock.tokyo(value)
    return f"{jdate(local.date())} {local:%H:%M}"


def jmonth(value: date | None) -> str:
    """2026年12月."""
    return "" if value is None else f"{value.year}年{value.month}月"


def register(app: Flask) -> None:
    """Error pages and template helpers."""
    from portal.outbox import inert

    app.jinja_env.filters.update(jdate=jdate, jdatetime=jdatetime, jmonth=jmonth, inert=inert)
    app.jinja_env.globals.update(today=clock.today)

    @app.context_processor
    def navigation():
        user = current_user
        if not user.is_authenticated:
            return {"nav_links": []}
        links = [(e, label) for e, label in NAV.get(user.role, [])
                 if e in app.view_functions and _shown(e, user)]
        return {"nav_links": [(url_for(e), label, request.endpoint == e) for e, label in links]}

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        return render_template("errors/refused.html", error=exc), exc.status

    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        return _error_page(400, "送信を受け付けられませんでした",
                           "ページの有効期限が切れたか、別の画面から送信されました。"
                           "ページを読み込み直してから、もう一度操作してください。")

    @app.before_request
    def refuse_nul():
        if params.has_nul():
            abort(400)

    messages = {
        400: ("送信内容を読み取れません",
              "使えない文字(制御文字)が含まれています。入力し直してから、もう一度お送りください。"),
        403: ("この画面を見る権限がありません", "ログインしているアカウントの役割では開けない画面です。"),
        404: ("ページが見つかりません", "URL が正しいか、ご契約の組織のものかをご確認ください。"),
        405: ("この方法では操作できません", "画面のボタンから操作してください。"),
        413: ("ファイルが大きすぎます",
              "アップロードできるのは 20 MB までです。行を分けるか、不要な列を削除してください。"),
        429: ("送信の回数が上限に達しました",
              "短い時間に多くの送信がありました。1時間ほど待ってから、もう一度お送りください。"),
        500: ("エラーが発生しました",
              "しばらくしてからもう一度お試しください。続く場合は事務局にご連絡ください。"),
    }
    for code, (title, text) in messages.items():
        app.register_error_handler(
            code, lambda exc, c=code, t=title, x=text: _error_page(c, t, _own_words(exc, x))
        )


def _shown(endpoint: str, user) -> bool:
    """Whether a menu entry of the user's role applies to them: a school's account pages
    mean nothing to a company's coordinator."""
    if endpoint.startswith("school."):
        return bool(user.organisation and user.organisation.is_school)
    return True


def _error_page(status: int, title: str, text: str):
    return render_template("errors/error.html", status=status, title=title, text=text), status
