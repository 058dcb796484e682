"""The e-Library contract portal."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal import config as portal_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the application; ``config`` overrides what the environment says."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from portal.params import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.update(portal_config.FIXED)
    app.config.update(portal_config.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    portal_config.check_safe(app.config)
    # The development mailbox shows password links: only on a development machine.
    app.config.setdefault(
        "DEV_MAILBOX", bool(app.config["DEVELOPMENT"] and not app.config["MAIL_SERVER"])
    )
    app.config["MAIL_SUPPRESS_SEND"] = False  # we decide by MAIL_SERVER, not by TESTING
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    _register_tick_steps()
    _register_hooks(app)

    from portal import cli, secret_urls

    cli.register(app)
    secret_urls.install_dev_server_filter()  # `flask run` logs request lines too
    return app


def _init_extensions(app: Flask) -> None:
    from portal import (
        models,  # noqa: F401  (register the tables)
        ratelimits,
    )
    from portal.extensions import csrf, db, login_manager, mail, migrate

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        render_item=_render_migration_item,
    )
    csrf.init_app(app)
    mail.init_app(app)
    ratelimits.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        engine = db.engine
    # RQ forks a work horse per job: the child must not reuse the parent's connections.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


def _render_migration_item(type_, obj, autogen_context):
    """Write our column types as the plain SQLAlchemy types they store."""
    from portal.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL never corrupts and skips a flush per commit; a power cut may
        # lose the last commits. SQLite is the development database (docs/DEPLOY.md).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from portal.auth.routes import bp as auth_bp
    from portal.catalog.ops_routes import bp as ops_catalog_bp
    from portal.catalog.routes import bp as catalog_bp
    from portal.learn.routes import bp as learn_bp
    from portal.main.routes import bp as main_bp
    from portal.ops.routes import bp as ops_bp
    from portal.orders import public_routes  # noqa: F401 (views)
    from portal.orders.routes import bp as orders_bp
    from portal.renewal import newcomer_routes, registration_routes  # noqa: F401 (views)
    from portal.renewal.routes import bp as renewal_bp
    from portal.school.ops_routes import bp as school_ops_bp
    from portal.school.routes import bp as school_bp
    from portal.usage.ops_routes import bp as ops_usage_bp
    from portal.usage.routes import bp as usage_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(renewal_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(ops_catalog_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(school_bp)
    app.register_blueprint(school_ops_bp)
    app.register_blueprint(usage_bp)
    app.register_blueprint(ops_usage_bp)
    if app.config["DEV_MAILBOX"]:
        from portal.dev.routes import bp as dev_bp

        app.register_blueprint(dev_bp)


def _register_tick_steps() -> None:
    """Import the modules that register steps of the daily tick (portal/daily.py): each
    area owns its own, as it owns its blueprint."""
    import portal.auth.throttle  # noqa: F401
    import portal.confirmations  # noqa: F401
    import portal.learn.daily  # noqa: F401
    import portal.renewal.schedule  # noqa: F401
    import portal.school.rotation  # noqa: F401
    import portal.usage.schedule  # noqa: F401


def _register_hooks(app: Flask) -> None:
    from portal import jobs, security, web

    app.after_request(security.set_security_headers)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before the session goes.
    app.teardown_appcontext(jobs.run_deferred)
    web.register(app)
