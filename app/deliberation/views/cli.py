"""`flask deliberation tick`: the periodic work of deliberation, for cron or a scheduler.

Opens the online decisions whose window has started and tells the electorate of those
closing within 24 hours. Safe to run as often as wanted: both steps are idempotent.
"""

from __future__ import annotations

import click
from flask import current_app

from app.deliberation import services
from app.deliberation.views import bp
from app.extensions import db


@bp.cli.command("tick")
def tick() -> None:
    """Open due decision windows and send the 24-hour reminders."""
    # Links in notices are built with url_for: give them the public address of the site.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        opened = services.open_due_windows()
        reminded = services.window_closing_reminders()
        db.session.commit()
    click.echo(f"{len(opened)} decision window(s) opened, {reminded} reminder(s) sent.")
