"""The home page, which sends each role to its work, and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from portal import jobs
from portal.extensions import db

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    "operator": "ops.renewals",
    "coordinator": "renewal.index",
    "distributor": "orders.index",
}


@bp.get("/")
@login_required
def index():
    endpoint = HOME_BY_ROLE.get(current_user.role)
    if endpoint and endpoint in current_app.view_functions:
        return redirect(url_for(endpoint))
    return render_template("main/home.html")


@bp.get("/healthz")
def healthz():
    status = {"database": _check_database(), "queue": _check_queue()}
    healthy = status["database"] == "ok" and status["queue"] in ("ok", "embedded")
    status["status"] = "ok" if healthy else "error"
    return jsonify(status), 200 if healthy else 503


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # report, don't crash: this is what the check is for
        db.session.rollback()
        return f"error: {type(exc).__name__}"


def _check_queue() -> str:
    connection = jobs.redis_connection()
    if connection is None:
        return "embedded"
    try:
        connection.ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
