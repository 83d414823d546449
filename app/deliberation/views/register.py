"""The decision register: list, filters, CSV export, follow-up of one decision."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from app import policy
from app.deliberation import services
from app.deliberation.forms import FollowUpForm
from app.deliberation.labels import FOLLOW_UP_LABELS, OUTCOME_LABELS
from app.deliberation.views import bp
from app.deliberation.views.common import member
from app.errors import InvalidInput
from app.extensions import db
from app.governance import services as governance
from app.members.models import Member, Theme
from app.members.views import show_errors
from app.pagination import Page, paginate
from app.timeutil import local_today


def _filters() -> dict:
    args = request.args
    return {
        "level_id": args.get("niveau", "").strip() or None,
        "theme_id": args.get("theme", "").strip() or None,
        "matter_id": args.get("matiere", "").strip() or None,
        "status": args.get("suivi", "").strip() or None,
        "outcome": args.get("issue", "").strip() or None,
        "decided_from": services.parse_date(args.get("du", "").strip(), "du"),
        "decided_to": services.parse_date(args.get("au", "").strip(), "au"),
        "text": args.get("q", "").strip()[:200] or None,
    }


@bp.route("/registre")
@login_required
def register():
    policy.require(member(), "register.view")
    try:
        filters = _filters()
        page = paginate(services.register_query(**filters))
        status = 200
    except InvalidInput as error:
        flash(" ".join([error.message, *[m for ms in error.fields.values() for m in ms]]), "error")
        filters, page, status = {}, Page([], 1, 1, 0), 422
    return render_template(
        "deliberation/register.html", records=page.items, page=page, args=request.args, levels=governance.levels(),
        matters=governance.matters(), themes=db.session.scalars(select(Theme).order_by(Theme.label)).all(),
        follow_up_labels=FOLLOW_UP_LABELS, outcome_labels=OUTCOME_LABELS,
    ), status


@bp.route("/registre.csv")
@login_required
def register_csv():
    policy.require(member(), "register.view")
    records = db.session.scalars(services.register_query(**_filters())).all()
    filename = f"registre-des-decisions-{local_today().isoformat()}.csv"
    return Response(services.register_csv(records), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/registre/<int:record_id>", methods=["GET", "POST"])
@login_required
def register_entry(record_id: int):
    policy.require(member(), "register.view")
    record = services.get_record(record_id)
    form = FollowUpForm(formdata=None if request.method == "GET" else request.form,
                        responsible_id=str(record.responsible_id or ""), due_on=record.due_on,
                        status=record.follow_up_status, note=record.follow_up_note)
    form.responsible_id.choices = [("", _("— nobody yet —"))] + [
        (str(m.id), m.full_name) for m in db.session.scalars(select(Member).order_by(Member.full_name)) if m.is_active]
    if request.method == "POST":
        if form.validate_on_submit():
            facilitator = policy.can(member(), "proposals.facilitate")
            try:
                services.update_follow_up(
                    record, member(),
                    responsible_id=form.responsible_id.data if facilitator else None,
                    due_on=form.due_on.data if facilitator else None,
                    clear_responsible=facilitator and not form.responsible_id.data,
                    clear_due_on=facilitator and form.due_on.data is None,
                    status=form.status.data, note=form.note.data or "",
                )
            except InvalidInput as error:
                show_errors(form, error)
            else:
                flash(_("Follow-up saved."), "success")
                return redirect(url_for("deliberation.register_entry", record_id=record.id))
        return render_template("deliberation/register_entry.html", record=record, form=form), 422
    return render_template("deliberation/register_entry.html", record=record, form=form)
