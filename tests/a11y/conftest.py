"""Fixtures of the validity and accessibility tests: one app per module with the demo
loaded (the tour moves it along, so each module starts from a fresh demo)."""

from __future__ import annotations

import pytest
from conftest import _empty_tables

from portal import create_app
from portal import demo as demo_data
from portal.extensions import db

from .tour import Tour


@pytest.fixture(scope="module")
def tour(base_config, _schema):
    """The tour on an app of its own, the demo loaded; every table emptied afterwards."""
    # A small upload limit, so that the 413 page costs a 300 kB request, not 20 MB.
    app = create_app({**base_config, "MAX_CONTENT_LENGTH": 200_000})
    with app.app_context():
        logins = demo_data.load()
        yield Tour(app, logins)
        _empty_tables()
        db.session.remove()
        db.engine.dispose()
