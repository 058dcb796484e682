"""Who may see what: role checks and organisation scoping, in one place."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db, login_manager


def role_required(*roles: str):
    """Let in logged-in staff of these roles; others log in (anonymous) or get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def owned_or_404(model, ident: int, *options):
    """The coordinator's organisation's ``model`` row ``ident``, or 404 for anything else.

    The scope is part of the query, so another organisation's row is never even loaded.
    ``options`` are loader options (what the page will read, loaded in the same query);
    by default the model's own ``page_load()``.
    """
    row = db.session.scalar(
        select(model)
        .where(model.id == ident, model.organisation_id == current_user.organisation_id)
        .options(*(options or (model.page_load() if hasattr(model, "page_load") else ())))
    )
    if row is None:
        abort(404)
    return row
