"""Staff login, logout and setting a password from a one-time link."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from portal import params, ratelimits, secret_urls
from portal.auth import services, throttle
from portal.auth.forms import LoginForm, SetPasswordForm
from portal.extensions import login_manager

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "ログインしてください。"
login_manager.login_message_category = "info"

BAD_LOGIN = "ログインIDまたはパスワードが正しくありません。"


@bp.route("/login", methods=["GET", "POST"])
@ratelimits.login_form
def login():
    form = LoginForm()
    go_on = params.local_path(request.args.get("next"))  # checked before anything is written
    if form.validate_on_submit():
        result = services.authenticate(form.login_id.data, form.password.data)
        if result.user:
            services.log_in(result.user)
            return redirect(go_on or url_for("main.index"))
        if result.locked_until:
            form.form_errors.append(throttle.refusal(result.locked_until))
        else:
            form.form_errors.append(BAD_LOGIN)
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    services.log_out()
    flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))


LINK_KEY = "password_link"


@bp.route("/password/<token>", methods=["GET", "POST"])
def open_password_link(token: str):
    """The link of an email, opened: its token moves into the session and the browser goes
    on to /password, so the token is in no later URL, Referer or browser history, and in
    the access log only as redacted (portal/secret_urls.py)."""
    if not services.link_is_usable(token):
        session.pop(LINK_KEY, None)
        return secret_urls.page("auth/link_invalid.html", 410)
    return secret_urls.into_session(LINK_KEY, token, url_for("auth.set_password"))


@bp.route("/password", methods=["GET", "POST"])
def set_password():
    token = session.get(LINK_KEY)
    if not services.link_is_usable(token):
        session.pop(LINK_KEY, None)
        return secret_urls.page("auth/link_invalid.html", 410)
    form = SetPasswordForm()
    if form.validate_on_submit():
        owner = services.redeem_password_link(token, form.password.data)
        session.pop(LINK_KEY, None)
        if owner is None:
            return secret_urls.page("auth/link_invalid.html", 410)
        flash("パスワードを設定しました。新しいパスワードでログインしてください。", "success")
        return redirect("/learn/login" if owner == "learner" else url_for("auth.login"))
    return secret_urls.page("auth/set_password.html", form=form)

