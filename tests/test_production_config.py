"""A production start cannot be unsafe: no public key, no development mailbox."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from services import ROOT, free_port

from portal import create_app
from portal.config import DEV_SECRET, UnsafeConfiguration


@pytest.fixture
def environment(monkeypatch):
    """The process environment as a fresh production machine has it."""
    for name in ("SECRET_KEY", "PORTAL_DEVELOPMENT", "MAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_no_secret_key_refuses_to_start(environment):
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY is not set"):
        create_app()


@pytest.mark.parametrize("key", [DEV_SECRET, "short-key", ""])
def test_a_known_or_short_key_refuses_to_start(environment, key):
    environment.setenv("SECRET_KEY", key)
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app()


def test_a_real_key_starts_without_the_development_mailbox(environment, database_url):
    environment.setenv("SECRET_KEY", "x" * 64)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["DEV_MAILBOX"] is False
    assert "dev.mailbox" not in app.view_functions
    assert app.test_client().get("/dev/mailbox").status_code == 404


def test_development_allows_the_public_key_and_the_mailbox(environment, database_url):
    environment.setenv("PORTAL_DEVELOPMENT", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["SECRET_KEY"] == DEV_SECRET
    assert "dev.mailbox" in app.view_functions


def test_development_with_an_smtp_server_has_no_mailbox(environment, database_url):
    environment.setenv("PORTAL_DEVELOPMENT", "1")
    environment.setenv("MAIL_SERVER", "127.0.0.1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert "dev.mailbox" not in app.view_functions


def test_gunicorn_without_secret_key_does_not_serve(database_url):
    """As docs/DEPLOY.md runs it: gunicorn exits, and its log names the missing setting."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PORTAL_DEVELOPMENT"}}
    env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{free_port()}",
         "wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr
