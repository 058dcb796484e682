"""The development mailbox: every email of the outbox, readable without an SMTP server."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboundEmail

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.get("/mailbox")
def mailbox():
    query = select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(200)
    if recipient := request.args.get("to"):
        query = query.where(OutboundEmail.recipient == recipient)
    return render_template("dev/mailbox.html", emails=db.session.scalars(query).all())


@bp.get("/mailbox/<int:email_id>")
def message(email_id: int):
    email = db.get_or_404(OutboundEmail, email_id)
    return render_template("dev/message.html", email=email)
