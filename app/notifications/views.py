"""Notification pages: the list behind the bell, marking read, e-mail preferences;
and `flask notifications digest`, the daily e-mail digest for cron."""

from __future__ import annotations

import click
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField

from app.errors import InvalidInput
from app.extensions import db
from app.notifications import services
from app.notifications.models import EmailMode

bp = Blueprint("notifications", __name__, template_folder="../templates", cli_group="notifications")

MODE_LABELS = {
    EmailMode.IMMEDIATE: _l("Immediately, one e-mail per notice"),
    EmailMode.DIGEST: _l("A daily digest"),
    EmailMode.NONE: _l("No e-mail (the bell only)"),
}


class PreferenceForm(FlaskForm):
    email_mode = RadioField(_l("Send me e-mails"), choices=[(mode.value, label) for mode, label in MODE_LABELS.items()],
                            validate_choice=False)


@bp.app_context_processor
def bell():
    def unread_notices() -> int:
        if not getattr(current_user, "is_authenticated", False):
            return 0
        return services.unread_count(current_user)

    return {"unread_notices": unread_notices}


@bp.route("/notifications")
@login_required
def notices():
    return render_template("notifications/list.html", notices=services.recent_notices(current_user))


@bp.route("/notifications/non-lues")
@login_required
def unread():
    """The unread count, for the bell after a reconnection."""
    return {"unread": services.unread_count(current_user)}


@bp.route("/notifications/<int:notice_id>", methods=["POST"])
@login_required
def open_notice(notice_id: int):
    """Marks the notice read and follows its link (a POST: reading changes state)."""
    notice = services.mark_read(current_user, notice_id)
    target = notice.link if notice.link.startswith("/") and not notice.link.startswith("//") else None
    return redirect(target or url_for("notifications.notices"))


@bp.route("/notifications/tout-lu", methods=["POST"])
@login_required
def mark_all_read():
    services.mark_all_read(current_user)
    flash(_("All notices are marked read."), "success")
    return redirect(url_for("notifications.notices"))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferenceForm(formdata=None, email_mode=services.email_mode(current_user).value) \
        if request.method == "GET" else PreferenceForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.set_email_mode(current_user, form.email_mode.data or "")
        except InvalidInput as error:
            form.email_mode.errors = list(form.email_mode.errors) + error.fields.get("email_mode", [])
            flash(error.message, "error")
        else:
            flash(_("Your preference is saved."), "success")
            return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form), 200 if request.method == "GET" else 422


@bp.cli.command("digest")
def digest() -> None:
    """E-mail each "daily digest" member the notices of the day (at most one a day)."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        sent = services.send_digests()
        db.session.commit()
    click.echo(f"{sent} digest(s) sent.")
