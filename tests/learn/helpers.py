"""Constants and small helpers of the learner and catalog tests."""

from __future__ import annotations

import re
from datetime import datetime

NOW = datetime(2026, 6, 1, 10, 0)  # Tokyo wall-clock time the tests start at
TODAY = NOW.date()
PASSWORD = "card-pass-123"
REPLACED = "同じIDで別の端末からログインがあったため"
IDLE = "分間操作がなかったため"
BAD = "IDまたはパスワードが正しくありません。"


def at(moment: datetime) -> str:
    """A PORTAL_NOW value for a Tokyo wall-clock time."""
    return moment.isoformat()


def move_clock(app, moment: datetime) -> None:
    """Set the portal's clock to a Tokyo wall-clock time."""
    app.config["PORTAL_NOW"] = at(moment)


def text(response) -> str:
    return response.get_data(as_text=True)


def titles(response) -> list[str]:
    """The titles a catalog page lists."""
    return re.findall(r'class="book__title"><a [^>]*>([^<]+)</a>', text(response))
