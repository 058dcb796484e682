"""Writing emails into the outbox, in the same transaction as the change that causes them.

Templates live in ``templates/email/<event>_to_<recipient>.txt`` (and ``.html``), Japanese
first, the subject in ``{% block subject %}``. The kind of an email is its template name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app
from jinja2 import TemplateNotFound
from markupsafe import Markup, escape
from sqlalchemy import func, insert, select, update

from portal import clock, jobs
from portal.dbutil import insert_ignoring_conflicts
from portal.extensions import db
from portal.models import EmailAttachment, EmailBatch, OutboundEmail
from portal.models.outbox import FAILED, QUEUED, SENDING, SENT

SEND_JOB = "workers.emails.send_outbox"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def render(template: str, **context) -> Rendered:
    """Subject, text and HTML body of ``templates/email/<template>``.

    Rendered from the Jinja environment directly: an email never depends on the request
    (a job renders it as well as a view does).
    """
    env = current_app.jinja_env
    context.setdefault("base_url", current_app.config["PORTAL_BASE_URL"])
    txt = env.get_template(f"email/{template}.txt")
    subject = "".join(txt.blocks["subject"](txt.new_context(context))).strip()
    text = txt.render(context).strip() + "\n"
    subject = " ".join(subject.split())
    try:
        html = env.get_template(f"email/{template}.html").render(context)
    except TemplateNotFound:  # most emails: the HTML part is the text, laid out
        html = env.get_template("email/_from_text.html").render(
            base_url=context["base_url"], subject=subject, paragraphs=text_paragraphs(text)
        )
    return Rendered(subject, text, html)


URL = re.compile(r"(https?://[^\s<>\"]+)")
# What a mail client would turn into a link: a scheme, www., or a dotted host name.
LINKABLE = re.compile(
    r"(?i)(?:\b[a-z][a-z0-9+.-]*:/*|\bwww\.)[^\s<>\"]*|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b\S*")


def text_paragraphs(text: str) -> list[Markup]:
    """The text's paragraphs as HTML: escaped, line breaks kept, and only the portal's own
    URLs made links: a URL typed into a public form stays text."""
    own = current_app.config["PORTAL_BASE_URL"]

    def link(match: re.Match) -> str:
        url = match.group(1)
        return f'<a href="{url}">{url}</a>' if url.startswith(own + "/") or url == own else url

    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        html = URL.sub(link, str(escape(chunk)))
        paragraphs.append(Markup(html.replace("\n", "<br>\n")))
    return paragraphs


def inert(value: object) -> str:
    """Text a stranger typed into a public form, made unclickable in any mail client:
    the dots and colons of anything link-like become full-width (readable, not a link).
    The Jinja filter ``inert``; emails print every such field through it."""
    text = "" if value is None else str(value)
    return LINKABLE.sub(lambda m: m.group(0).replace(".", "．").replace(":", "："), text)


def message_id(key: str) -> str:
    """A Message-ID that stays the same for every attempt at one email."""
    domain = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2]
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain or 'elibrary.invalid'}>"


def row_for(
    template: str,
    to: str,
    key: str,
    *,
    organisation_id: int | None = None,
    batch_id: int | None = None,
    **context,
) -> dict:
    """The outbox row (as a dict) of one email, rendered now."""
    mail = render(template, **context)
    return {
        "kind": template,
        "recipient": to,
        "subject": mail.subject,
        "body_text": mail.text,
        "body_html": mail.html,
        "idempotency_key": key,
        "message_id": message_id(key),
        "organisation_id": organisation_id,
        "batch_id": batch_id,
        "status": QUEUED,
        "attempts": 0,
        "next_attempt_at": clock.now(),
        "created_at": clock.now(),
    }


def insert_rows(rows: Iterable[dict]) -> int:
    """Insert outbox rows, skipping any whose idempotency key exists; how many were new."""
    return len(_insert(rows))


def _insert(rows: Iterable[dict]) -> list[int]:
    rows = list(rows)
    if not rows:
        return []
    stmt = insert_ignoring_conflicts(OutboundEmail, ["idempotency_key"])
    ids = db.session.scalars(stmt.returning(OutboundEmail.id), rows).all()
    if ids:
        jobs.enqueue(SEND_JOB, queue="emails")
    return list(ids)


Attachment = tuple[str, str, bytes]  # filename, content type, data


def queue_email(
    template: str, to: str, key: str, *, attachments: Iterable[Attachment] = (), **kwargs
) -> bool:
    """Write one email to the outbox unless ``key`` was used before; True if it is new.

    ``attachments`` are stored with the row only when it is new, so a repeated call
    never doubles them. The caller commits; the send job is enqueued after that commit.
    """
    ids = _insert([row_for(template, to, key, **kwargs)])
    if ids and (files := list(attachments)):
        db.session.execute(insert(EmailAttachment), [
            {"email_id": ids[0], "filename": name, "content_type": kind, "data": data}
            for name, kind, data in files
        ])
    return bool(ids)


def batch_progress(batch: EmailBatch) -> dict[str, int]:
    """Counts of a bulk send by state, read from its outbox rows."""
    counts = dict(
        db.session.execute(
            select(OutboundEmail.status, func.count())
            .where(OutboundEmail.batch_id == batch.id)
            .group_by(OutboundEmail.status)
        ).all()
    )
    total = batch.total if batch.total is not None else sum(counts.values())
    return {
        "total": total,
        "sent": counts.get(SENT, 0),
        "failed": counts.get(FAILED, 0),
        "pending": counts.get(QUEUED, 0) + counts.get(SENDING, 0),
    }


def recent(status: str | None = None, limit: int = 300) -> list[OutboundEmail]:
    """The latest emails of every organisation (the operators' 送信メール), by status."""
    query = select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(limit)
    if status:
        query = query.where(OutboundEmail.status == status)
    return db.session.scalars(query).all()


def resend(email_ids: Iterable[int]) -> int:
    """Put failed emails back in the queue (an operator's or coordinator's decision)."""
    result = db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id.in_(list(email_ids)), OutboundEmail.status == FAILED)
        .values(status=QUEUED, attempts=0, next_attempt_at=clock.now(), last_error=None)
    )
    if result.rowcount:
        jobs.enqueue(SEND_JOB, queue="emails")
    return result.rowcount
