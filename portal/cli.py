"""The portal's commands: ``flask demo``, ``flask tick``, ``create-operator`` and
``check-addresses`` (``flask worker`` is the workers' own: workers/runner.py)."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal import clock


def register(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(tick)
    app.cli.add_command(create_operator)
    app.cli.add_command(check_addresses)


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
    from portal.daily import run_daily

    on = date.fromisoformat(day) if day else clock.today()
    for step, count in run_daily(on).items():
        click.echo(f"{step}: {count}")


@click.command("create-operator")
@with_appcontext
@click.argument("login_id")
@click.argument("email")
@click.option("--name", default="事務局", show_default=True)
def create_operator(login_id: str, email: str, name: str) -> None:
    """Create an operator (事務局) login and print a one-time link to set its password."""
    from portal import addresses
    from portal.auth.services import issue_password_link
    from portal.auth.throttle import normalise
    from portal.extensions import db
    from portal.models import StaffUser

    try:
        email = addresses.check(email)
    except addresses.AddressProblem as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from None
    user = StaffUser(login_id=normalise(login_id), name=name, email=email, role="operator")
    db.session.add(user)
    db.session.flush()
    token = issue_password_link(user)
    db.session.commit()
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    click.echo(f"Operator {user.login_id} created. Set its password within {hours} hours at:")
    click.echo(f"{current_app.config['PORTAL_BASE_URL']}/password/{token}")


@click.command("check-addresses")
@with_appcontext
def check_addresses() -> None:
    """List stored email addresses that the forms would refuse today; exit 1 if any."""
    from portal.address_audit import bad_addresses

    found = 0
    for bad in bad_addresses():
        found += 1
        click.echo(f"{bad.source}\t{bad.key}\t{bad.address}\t{bad.problem}")
    click.echo(f"{found} 件のメールアドレスに問題があります。" if found
               else "問題のあるメールアドレスはありません。")
    if found:
        raise SystemExit(1)
