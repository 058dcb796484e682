"""The portal's commands: ``flask demo``, ``flask tick`` and ``flask worker``."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal import clock


def register(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(tick)
    app.cli.add_command(worker)


@click.command()
@with_appcontext
@click.option("--reset", is_flag=True, help="Erase every row first and lay the demo out anew.")
def demo(reset: bool) -> None:
    """Load the demo data around the clock's today and print the logins."""
    from portal import demo as demo_data

    logins = demo_data.load(reset=reset)
    click.echo(demo_data.describe(logins))


@click.command()
@with_appcontext
@click.option("--date", "day", help="Run the work of this day (YYYY-MM-DD) instead of today.")
def tick(day: str | None) -> None:
    """Run the day's scheduled work once; running it twice changes nothing."""
    from workers.tick import run_daily

    on = date.fromisoformat(day) if day else clock.today()
    for step, count in run_daily(on).items():
        click.echo(f"{step}: {count}")


@click.command()
@with_appcontext
@click.option("--queues", default="emails,default,periodic", show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues: str, burst: bool) -> None:
    """Run an RQ worker with the app context (needs REDIS_URL)."""
    from workers.runner import run_worker

    run_worker(current_app._get_current_object(), queues.split(","), burst=burst)
