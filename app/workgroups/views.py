"""Workgroup pages: dashboard, creation, the group's page and its actions, notes, reports.

Views parse, call one service and render; the services authorise and validate. A refused
action is rolled back and told as a message on the page it came from.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup, escape
from sqlalchemy import select

from app import policy
from app.deliberation import diff
from app.deliberation import services as deliberation
from app.deliberation.views.common import member, refused_then_back
from app.errors import DomainError
from app.extensions import db
from app.governance import services as governance
from app.governance.services import level_label
from app.members.models import Member, Skill, Theme
from app.timeutil import local_today
from app.workgroups import services
from app.workgroups.models import Recommendation, WorkgroupMessage, WorkgroupStatus

REPORT_PATH = re.compile(r"/groupes-de-travail/rapports/\d+")

bp = Blueprint("workgroups", __name__, template_folder="../templates", cli_group="workgroups")


@bp.context_processor
def _labels():
    return {"wg_status_label": services.status_label, "recommendation_label": services.recommendation_label,
            "level_label": level_label, "matter_label": governance.matter_label, "Recommendation": Recommendation,
            "WorkgroupStatus": WorkgroupStatus}


@bp.app_context_processor
def _holder():
    # The proposal page shows which group prepares it.
    return {"workgroup_holding": services.holder_of}


@bp.app_template_filter("workgroup_report_links")
def _report_links(text: str) -> Markup:
    """A transition's reason, escaped, with the path of a workgroup report made a link."""
    escaped = str(escape(text or ""))
    return Markup(REPORT_PATH.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))


def _page(workgroup_id: int, **_ignored) -> str:
    return url_for("workgroups.workgroup_page", workgroup_id=workgroup_id)


def _choices() -> dict:
    return {
        "levels": services.level_choices(), "matters": governance.matters(),
        "themes": db.session.scalars(select(Theme).order_by(Theme.label)).all(),
        "skills": db.session.scalars(select(Skill).order_by(Skill.label)).all(),
        "all_members": [m for m in db.session.scalars(select(Member).order_by(Member.full_name)) if m.is_active],
    }


@bp.route("/groupes-de-travail")
@login_required
def dashboard():
    policy.require(member(), "workgroups.view")
    today = local_today()
    return render_template("workgroups/dashboard.html", mine=services.my_workgroups(member()),
                           overdue=services.overdue_workgroups(today), workgroups=services.list_workgroups(),
                           today=today, threshold=services.support_threshold())


def _mandate_args(form) -> dict:
    return {
        "name": form.get("name", ""), "question": form.get("question", ""),
        "expected_output": form.get("expected_output", ""), "due_on": form.get("due_on", ""),
        "reports_to_level_id": form.get("reports_to_level_id"), "theme_ids": form.getlist("themes"),
        "skill_ids": form.getlist("skills"), "open_membership": form.get("open_membership") == "1",
    }


@bp.route("/groupes-de-travail/nouveau", methods=["GET", "POST"])
@login_required
def new_workgroup():
    errors: dict = {}
    if request.method == "POST":
        from app.errors import InvalidInput

        args = _mandate_args(request.form)
        try:
            if request.form.get("origin") == "decision":
                workgroup = services.create_by_decision(
                    member(), **args, decided_by_level_id=request.form.get("decided_by_level_id"),
                    decision_reference=request.form.get("decision_reference", ""),
                    facilitator_ids=request.form.getlist("facilitators"), member_ids=request.form.getlist("members"))
            else:
                workgroup = services.propose_initiative(member(), **args)
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("workgroups/new.html", errors=error.fields, form=request.form,
                                   **_choices()), 422
        return redirect(_page(workgroup.id))
    return render_template("workgroups/new.html", errors=errors, form={}, **_choices())


def _page_context(workgroup, **extra) -> dict:
    me = member()
    context = {
        "workgroup": workgroup, "messages": services.messages(workgroup),
        "revisions": services.notes_revisions(workgroup), "meetings": services.meetings(workgroup),
        "reports": services.reports(workgroup), "holdings": services.held_proposals(workgroup),
        "supporters": services.support_count(workgroup), "threshold": services.support_threshold(),
        "may_write": policy.can(me, "workgroups.write", workgroup),
        "may_manage": policy.can(me, "workgroups.manage", workgroup),
        "write_refusal": policy.refusal(me, "workgroups.write", workgroup),
        "overdue": services.is_overdue(workgroup), "conflict": None, **_choices(),
    }
    if context["may_manage"] and workgroup.status_enum is not WorkgroupStatus.CLOSED:
        context["suggestions"] = services.suggested_members(workgroup)
    context.update(extra)
    return context


@bp.route("/groupes-de-travail/<int:workgroup_id>")
@login_required
def workgroup_page(workgroup_id: int):
    workgroup = services.get_workgroup(workgroup_id)
    policy.require(member(), "workgroups.view", workgroup)
    return render_template("workgroups/page.html", **_page_context(workgroup))


def _action(name: str, call):
    """A POST on the group's page that calls one service and returns to the page."""

    @refused_then_back(_page)
    def view(workgroup_id: int):
        workgroup = services.get_workgroup(workgroup_id)
        call(workgroup, request.form)
        return redirect(_page(workgroup_id))

    view.__name__ = name
    bp.add_url_rule(f"/groupes-de-travail/<int:workgroup_id>/{name.replace('_', '-')}", name,
                    login_required(view), methods=["POST"])


_action("support", lambda w, f: services.support(w, member()))
_action("join", lambda w, f: services.join(w, member()))
_action("leave", lambda w, f: services.leave(w, member()))
_action("invite", lambda w, f: services.invite(w, member(), f.get("member_id"), f.get("role", "member")))
_action("remove", lambda w, f: services.remove(w, member(), f.get("member_id")))
_action("start", lambda w, f: services.start(w, member()))
_action("close", lambda w, f: services.close(w, member()))
_action("message", lambda w, f: services.post_message(w, member(), f.get("body", "")))
_action("meeting", lambda w, f: services.record_meeting(
    w, member(), held_on=f.get("held_on", ""), attendee_ids=f.getlist("attendees"), notes=f.get("notes", "")))
_action("report", lambda w, f: services.deliver_report(
    w, member(), recommendation=f.get("recommendation", ""), body=f.get("body", ""),
    proposal_id=f.get("proposal_id") or None, to_level_id=f.get("to_level_id") or None))


@bp.route("/groupes-de-travail/<int:workgroup_id>/notes", methods=["POST"])
@login_required
def save_notes(workgroup_id: int):
    workgroup = services.get_workgroup(workgroup_id)
    try:
        services.save_notes(workgroup, member(), request.form.get("body", ""), request.form.get("base_revision"))
    except services.StaleNotes as conflict:
        db.session.rollback()
        workgroup = services.get_workgroup(workgroup_id)
        mine = request.form.get("body", "")
        flash(conflict.message, "error")
        # The second writer sees the current text and their own, with the difference: nothing is lost.
        return render_template("workgroups/page.html", **_page_context(
            workgroup, conflict={"mine": mine, "diff": diff.word_diff(workgroup.notes, mine)})), 409
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_page(workgroup_id))
    return redirect(_page(workgroup_id) + "#notes")


@bp.route("/groupes-de-travail/<int:workgroup_id>/notes/<int:old>/<int:new>")
@login_required
def notes_diff(workgroup_id: int, old: int, new: int):
    workgroup = services.get_workgroup(workgroup_id)
    policy.require(member(), "workgroups.view", workgroup)
    before = services.notes_revision(workgroup, old)
    after = services.notes_revision(workgroup, new)
    return render_template("workgroups/notes_diff.html", workgroup=workgroup, before=before, after=after,
                           diff=diff.word_diff(before.body, after.body), changed=diff.changed(before.body, after.body))


@bp.route("/groupes-de-travail/<int:workgroup_id>/messages/<int:message_id>")
@login_required
def message_fragment(workgroup_id: int, message_id: int):
    """One message rendered for its viewer: the live page fetches it on a ``workgroup.message`` event."""
    workgroup = services.get_workgroup(workgroup_id)
    policy.require(member(), "workgroups.view", workgroup)
    message = db.session.get(WorkgroupMessage, message_id)
    if message is None or message.workgroup_id != workgroup.id:
        from app.errors import NotFound

        raise NotFound(_("No such message."))
    return render_template("workgroups/_message.html", message=message)


@bp.route("/groupes-de-travail/<int:workgroup_id>/brouillon", methods=["POST"])
@login_required
@refused_then_back(_page)
def draft_proposal(workgroup_id: int):
    workgroup = services.get_workgroup(workgroup_id)
    form = request.form
    proposal = services.draft_proposal(workgroup, member(), title=form.get("title", ""), body=form.get("body", ""),
                                       matter_id=form.get("matter_id"), summary=form.get("summary", ""))
    return redirect(url_for("deliberation.proposal_page", proposal_id=proposal.id))


@bp.route("/propositions/<int:proposal_id>/groupe-de-travail", methods=["GET", "POST"])
@login_required
def send_proposal(proposal_id: int):
    """Send a proposal in debate to an existing workgroup, or to a new one created for it."""
    proposal = deliberation.load(proposal_id)
    policy.require(member(), "proposals.view", proposal)
    if request.method == "POST":
        try:
            if request.form.get("workgroup_id") == "new":
                holding = services.send_to_new_workgroup(
                    proposal, member(), **_mandate_args(request.form),
                    decided_by_level_id=proposal.level_id,
                    # Decided while steering this proposal, unless a meeting's reference is given.
                    decision_reference=(request.form.get("decision_reference", "").strip()
                                        or _("Proposal «%(title)s»", title=proposal.title)[:200]),
                    facilitator_ids=request.form.getlist("facilitators"), member_ids=request.form.getlist("members"))
            else:
                holding = services.send_proposal(proposal, services.get_workgroup(request.form.get("workgroup_id")),
                                                 member(), request.form.get("reason", ""))
        except DomainError as error:
            db.session.rollback()
            flash(" ".join([error.message, *(m for ms in error.fields.values() for m in ms)]), "error")
            proposal = deliberation.load(proposal_id)
            return render_template("workgroups/send.html", proposal=proposal, form=request.form,
                                   workgroups=_receiving(), **_choices()), error.status_code
        return redirect(_page(holding.workgroup_id))
    return render_template("workgroups/send.html", proposal=proposal, form={}, workgroups=_receiving(), **_choices())


def _receiving():
    receiving = (WorkgroupStatus.OPEN, WorkgroupStatus.IN_PROGRESS)
    return [w for w in services.list_workgroups() if w.status_enum in receiving]


@bp.route("/groupes-de-travail/rapports/<int:report_id>")
@login_required
def report_page(report_id: int):
    report = services.get_report(report_id)
    policy.require(member(), "workgroups.view", report.workgroup)
    return render_template("workgroups/report.html", report=report)


@bp.cli.command("remind")
def remind() -> None:
    """Remind members of mandates due within a week, and of overdue ones (once each)."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        sent = services.send_reminders()
        db.session.commit()
    print(f"{sent} reminder(s) sent.")
