"""Proposal pages: list, draft, page, edit, revisions, transitions, scheduling, escalation."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select

from app import policy
from app.deliberation import diff, sections, services
from app.deliberation.forms import (
    AmendmentForm,
    CommentForm,
    DecisionForm,
    EditProposalForm,
    ProposalForm,
    ReasonForm,
    ScheduleMeetingForm,
    ScheduleOnlineForm,
    SenseCheckForm,
)
from app.deliberation.labels import STATE_LABELS, state_label
from app.deliberation.models import ProposalState
from app.deliberation.views import bp
from app.deliberation.views.common import CommentView, from_local, member, refused_then_back, to_local
from app.errors import InvalidInput
from app.extensions import db
from app.governance import services as governance
from app.governance.models import LevelCode
from app.members.models import Member, Theme
from app.members.views import show_errors
from app.timeutil import local_today, utcnow


def _page(proposal_id: int, **_ignored) -> str:
    return url_for("deliberation.proposal_page", proposal_id=proposal_id)


def _fill_choices(form: ProposalForm) -> None:
    form.matter_id.choices = [("", _("— choose —"))] + [
        (str(matter.id), governance.matter_label(matter)) for matter in governance.matters()]
    form.level_id.choices = [("", _("The matter's level"))] + [
        (str(level.id), governance.level_label(level)) for level in governance.levels()]
    form.themes.choices = [(str(theme.id), theme.label) for theme in
                           db.session.scalars(select(Theme).order_by(Theme.label))]
    form.coauthors.choices = [(str(m.id), m.full_name) for m in
                              db.session.scalars(select(Member).order_by(Member.full_name)) if m.is_active]


# --- list and search -----------------------------------------------------------------------


@bp.route("/propositions")
@login_required
def proposal_list():
    args = request.args
    filters = {
        "state": args.get("etat", "").strip() or None,
        "level_id": services.int_or_none(args.get("niveau")),
        "theme_id": services.int_or_none(args.get("theme")),
        "matter_id": services.int_or_none(args.get("matiere")),
        "text": args.get("q", "").strip() or None,
    }
    try:
        proposals = db.session.scalars(services.list_query(member(), **filters).limit(200)).all()
    except InvalidInput as error:
        flash(error.message, "error")
        proposals = []
    return render_template(
        "deliberation/list.html", proposals=proposals, filters=filters, states=STATE_LABELS,
        levels=governance.levels(), matters=governance.matters(),
        themes=db.session.scalars(select(Theme).order_by(Theme.label)).all(),
    )


@bp.route("/recherche")
@login_required
def search_page():
    from app.deliberation import search

    query = request.args.get("q", "").strip()[:200]
    hits = search.search(member(), query) if query else []
    return render_template("deliberation/search.html", query=query, hits=hits)


# --- drafting and editing ----------------------------------------------------------------


@bp.route("/propositions/nouvelle", methods=["GET", "POST"])
@login_required
def new_proposal():
    policy.require(member(), "proposals.create")
    form = ProposalForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            proposal = services.create_proposal(
                member(), title=form.title.data, summary=form.summary.data, body=form.body.data,
                matter_id=form.matter_id.data, level_id=form.level_id.data or None,
                theme_ids=form.themes.data, coauthor_ids=form.coauthors.data,
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Your draft is saved. Open it for debate when it is ready."), "success")
            return redirect(_page(proposal.id))
    status = 200 if request.method == "GET" else 422
    return render_template("deliberation/edit.html", form=form, proposal=None), status


@bp.route("/propositions/<int:proposal_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_proposal(proposal_id: int):
    proposal = services.load(proposal_id)
    policy.require(member(), "proposals.edit", proposal)
    if request.method == "GET":
        form = EditProposalForm(
            formdata=None, title=proposal.title, summary=proposal.summary, body=proposal.body,
            matter_id=str(proposal.matter_id), level_id=str(proposal.level_id),
            themes=[str(theme.id) for theme in proposal.themes],
            coauthors=[str(m.id) for m in proposal.coauthors], base_revision=str(proposal.revision_number),
        )
        _fill_choices(form)
        return render_template("deliberation/edit.html", form=form, proposal=proposal)
    form = EditProposalForm()
    _fill_choices(form)
    conflict = None
    if form.validate_on_submit():
        try:
            services.edit_proposal(
                proposal, member(), base_revision=services.int_or_none(form.base_revision.data),
                title=form.title.data, summary=form.summary.data, body=form.body.data, note=form.note.data,
                matter_id=form.matter_id.data, level_id=form.level_id.data,
                theme_ids=form.themes.data, coauthor_ids=form.coauthors.data,
            )
        except services.StaleEdit as stale:
            db.session.rollback()
            flash(stale.message, "error")
            conflict = {"revision": stale.current_revision, "body": stale.current_body,
                        "diff": diff.word_diff(stale.current_body, form.body.data or "")}
            # The member keeps their text; the next save is checked against the current revision.
            form.base_revision.data = str(stale.current_revision)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(_page(proposal.id))
    return render_template("deliberation/edit.html", form=form, proposal=proposal, conflict=conflict), \
        409 if conflict else 422


# --- the proposal page ----------------------------------------------------------------------


def _schedule_form(proposal):
    if proposal.level.code == LevelCode.ONLINE:
        start = (utcnow() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        return ScheduleOnlineForm(formdata=None, opens_at=to_local(start),
                                  closes_at=to_local(start + timedelta(days=7)))
    return ScheduleMeetingForm(formdata=None)


@bp.route("/propositions/<int:proposal_id>")
@login_required
def proposal_page(proposal_id: int):
    data = services.proposal_page_data(proposal_id, member())
    proposal = data.proposal
    decision_form = None
    if proposal.state in (ProposalState.SCHEDULED.value, ProposalState.VOTING.value) and \
            policy.can(member(), "proposals.facilitate"):
        decision_form = DecisionForm(formdata=None, decided_on=local_today(), text=proposal.body,
                                     source=proposal.meeting_ref or "")
    # Replying goes through the one comment form (?repondre=<id>): no form per comment.
    wanted = request.args.get("repondre")
    reply_to = next((thread.comment for thread in data.threads
                     if str(thread.comment.id) == wanted and not thread.comment.withdrawn_at), None)
    return render_template(
        "deliberation/proposal.html", page=data, proposal=proposal, reply_to=reply_to,
        comment_form=CommentForm(formdata=None, parent_id=str(reply_to.id) if reply_to else ""),
        sense_form=SenseCheckForm(formdata=None, opinion=data.my_sense_check.opinion if data.my_sense_check else None,
                                  reason=data.my_sense_check.reason if data.my_sense_check else ""),
        reason_form=ReasonForm(formdata=None), schedule_form=_schedule_form(proposal),
        decision_form=decision_form,
        allowed=[f"«{state_label(state)}»" for state in services.allowed_from(proposal.state_enum)],
        body_html=Markup(proposal.body_html), Markup=Markup, comment_view=CommentView(proposal),
    )


# --- transitions ---------------------------------------------------------------------------


def _transition(proposal_id: int, action, success: str):
    proposal = services.get_proposal(proposal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    action(proposal, member(), form.reason.data or "")
    flash(success, "success")
    return redirect(_page(proposal.id))


@bp.route("/propositions/<int:proposal_id>/ouvrir", methods=["POST"])
@login_required
@refused_then_back(_page)
def open_proposal(proposal_id: int):
    return _transition(proposal_id, services.open_for_debate, _("The debate is open."))


@bp.route("/propositions/<int:proposal_id>/preparer", methods=["POST"])
@login_required
@refused_then_back(_page)
def prepare_proposal(proposal_id: int):
    return _transition(proposal_id, services.send_to_preparation, _("The proposal is now being prepared."))


@bp.route("/propositions/<int:proposal_id>/rouvrir", methods=["POST"])
@login_required
@refused_then_back(_page)
def reopen_debate(proposal_id: int):
    return _transition(proposal_id, services.back_to_debate, _("The proposal is back in debate."))


@bp.route("/propositions/<int:proposal_id>/retirer", methods=["POST"])
@login_required
@refused_then_back(_page)
def withdraw_proposal(proposal_id: int):
    return _transition(proposal_id, services.withdraw, _("The proposal is withdrawn."))


@bp.route("/propositions/<int:proposal_id>/mettre-au-vote", methods=["POST"])
@login_required
@refused_then_back(_page)
def start_vote(proposal_id: int):
    return _transition(proposal_id, services.start_vote, _("The vote has begun."))


@bp.route("/propositions/<int:proposal_id>/escalader", methods=["POST"])
@login_required
@refused_then_back(_page)
def escalate(proposal_id: int):
    return _transition(proposal_id, services.escalate, _("The proposal moved up one level."))


@bp.route("/propositions/<int:proposal_id>/demande-escalade", methods=["POST"])
@login_required
@refused_then_back(_page)
def request_escalation(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    if request.form.get("cancel"):
        services.cancel_escalation_request(proposal, member())
        flash(_("Your request is withdrawn."), "success")
    else:
        level = proposal.level_id
        services.request_escalation(proposal, member())
        if proposal.level_id != level:
            flash(_("Enough members asked: the proposal moved up one level."), "success")
        else:
            flash(_("Your request is recorded."), "success")
    return redirect(_page(proposal.id))


@bp.route("/propositions/<int:proposal_id>/suivre", methods=["POST"])
@login_required
@refused_then_back(_page)
def follow(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    if request.form.get("follow") == "0":
        services.unfollow(proposal, member())
        flash(_("You no longer follow this proposal."), "success")
    else:
        services.follow(proposal, member())
        flash(_("You follow this proposal: you will hear of its changes of state."), "success")
    return redirect(_page(proposal.id))


@bp.route("/propositions/<int:proposal_id>/inscrire", methods=["POST"])
@login_required
@refused_then_back(_page)
def schedule(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    online = proposal.level.code == LevelCode.ONLINE
    form = ScheduleOnlineForm() if online else ScheduleMeetingForm()
    if not form.validate_on_submit():
        raise InvalidInput(_("The schedule is not valid."),
                           fields={name: list(errors) for name, errors in form.errors.items()})
    if online:
        services.schedule_online_decision(proposal, member(), from_local(form.opens_at.data),
                                          from_local(form.closes_at.data), form.reason.data or "")
    else:
        services.schedule_for_meeting(proposal, member(), form.meeting_ref.data, form.reason.data or "")
    flash(_("The proposal is scheduled for decision."), "success")
    return redirect(_page(proposal.id))


@bp.route("/propositions/<int:proposal_id>/decision", methods=["POST"])
@login_required
@refused_then_back(_page)
def record_decision(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    policy.require(member(), "proposals.facilitate", proposal)
    form = DecisionForm()
    if not form.validate_on_submit():
        raise InvalidInput(_("The decision is not valid."),
                           fields={name: list(errors) for name, errors in form.errors.items()})
    record = services.record_decision(proposal, form.outcome.data, form.source.data, form.decided_on.data,
                                      form.text.data, actor=member())
    flash(_("The decision is in the register."), "success")
    return redirect(url_for("deliberation.register_entry", record_id=record.id))


# --- revisions --------------------------------------------------------------------------------


@bp.route("/propositions/<int:proposal_id>/versions")
@login_required
def revisions(proposal_id: int):
    proposal = services.load(proposal_id)
    policy.require(member(), "proposals.view", proposal)
    current = proposal.revision_number
    old = services.int_or_none(request.args.get("de")) or max(1, current - 1)
    new = services.int_or_none(request.args.get("a")) or current
    comparison = None
    if old != new:
        before, after = services.revision(proposal, old), services.revision(proposal, new)
        comparison = {"old": before, "new": after, "title": diff.word_diff(before.title, after.title),
                      "summary": diff.word_diff(before.summary, after.summary),
                      "body": diff.word_diff(before.body, after.body), "counts": diff.changed(before.body, after.body)}
    return render_template("deliberation/revisions.html", proposal=proposal, revisions=proposal.revisions,
                           comparison=comparison, old=old, new=new)


# --- amendments ----------------------------------------------------------------------------------


@bp.route("/propositions/<int:proposal_id>/amendements/nouveau", methods=["GET", "POST"])
@login_required
def new_amendment(proposal_id: int):
    """The amendment form; ``?section=N`` reloads it with the N-th section's text (no JavaScript needed)."""
    proposal = services.load(proposal_id)
    policy.require(member(), "amendments.propose", proposal)
    choices = services.section_choices(proposal.body)
    if request.method == "GET":
        wanted = request.args.get("section", "")
        text = services.section_text(proposal.body, wanted) if wanted.strip() not in ("", "0") else None
        bad_choice = wanted.strip() not in ("", "0") and text is None
        form = AmendmentForm(formdata=None, body=proposal.body if text is None else text,
                             base_revision=str(proposal.revision_number),
                             section="" if text is None else str(int(wanted.strip())))
        if bad_choice:
            form.section.errors = [_("There is no section %(value)s in the current text; the whole text is shown.",
                                     value=wanted[:20])]
        return _amendment_form(proposal, form, choices), 422 if bad_choice else 200
    form = AmendmentForm()
    conflict = None
    if form.validate_on_submit():
        try:
            amendment = services.propose_amendment(
                proposal, member(), form.body.data, form.rationale.data,
                base_revision=services.int_or_none(form.base_revision.data), section=form.section.data)
        except services.StaleEdit as stale:
            db.session.rollback()
            flash(stale.message, "error")
            conflict = _stale_amendment(proposal, form, stale)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(_("Your amendment is proposed to the authors."), "success")
            return redirect(_page(proposal.id) + f"#amendment-{amendment.id}")
    return _amendment_form(proposal, form, choices, conflict), 409 if conflict else 422


def _amendment_form(proposal, form: AmendmentForm, choices, conflict=None) -> str:
    if (form.section.data or "").strip() not in ("", "0"):
        form.body.label.text = _("Proposed text of the section, heading included (Markdown)")
    return render_template("deliberation/amendment_form.html", form=form, proposal=proposal, choices=choices,
                           conflict=conflict)


def _stale_amendment(proposal, form: AmendmentForm, stale) -> dict:
    """The conflict shown when the text changed under an amendment form; the member's text is kept.

    A section is found again in the current text by its heading and occurrence; if it is
    gone, the form stays on the old revision so that sending it again cannot put the
    member's section text in place of something else.
    """
    current = stale.current_body
    old_position = form.section.data.strip() if form.section.data else ""
    if old_position not in ("", "0"):
        base = services.int_or_none(form.base_revision.data)
        old_body = services.revision(proposal, base).body if base and 1 <= base <= stale.current_revision else ""
        old_sections, index = sections.parse_sections(old_body), services.int_or_none(old_position) or 0
        old_section = old_sections[index - 1] if 1 <= index <= len(old_sections) else None
        found = sections.find(current, old_section.heading, old_section.occurrence) if old_section else None
        if found is None:
            flash(_("The section you were amending no longer exists: choose the whole text or another section."),
                  "error")
            return {"revision": stale.current_revision, "diff": diff.word_diff(current, current),
                    "heading": old_section.heading if old_section else old_position}
        form.section.data = str(found.position)
        current = found.text(current)
    form.base_revision.data = str(stale.current_revision)
    return {"revision": stale.current_revision, "diff": diff.word_diff(current, form.body.data or "")}


def _amendment_page(amendment_id: int, **_ignored) -> str:
    amendment = services.get_amendment(amendment_id)
    return _page(amendment.proposal_id) + f"#amendment-{amendment.id}"


def _amendment_action(amendment_id: int, action, success: str):
    amendment = services.get_amendment(amendment_id)
    action(amendment)
    flash(success, "success")
    return redirect(_page(amendment.proposal_id) + f"#amendment-{amendment.id}")


@bp.route("/amendements/<int:amendment_id>/accepter", methods=["POST"])
@login_required
@refused_then_back(_amendment_page)
def accept_amendment(amendment_id: int):
    return _amendment_action(amendment_id, lambda a: services.accept_amendment(a, member(),
                             request.form.get("reason", "")), _("Amendment accepted: the text has a new revision."))


@bp.route("/amendements/<int:amendment_id>/refuser", methods=["POST"])
@login_required
@refused_then_back(_amendment_page)
def decline_amendment(amendment_id: int):
    return _amendment_action(amendment_id, lambda a: services.decline_amendment(a, member(),
                             request.form.get("reason", "")), _("Amendment declined; it stays on file."))


@bp.route("/amendements/<int:amendment_id>/retirer", methods=["POST"])
@login_required
@refused_then_back(_amendment_page)
def withdraw_amendment(amendment_id: int):
    return _amendment_action(amendment_id, lambda a: services.withdraw_amendment(a, member()),
                             _("Amendment withdrawn."))


@bp.route("/amendements/<int:amendment_id>/au-vote", methods=["POST"])
@login_required
@refused_then_back(_amendment_page)
def amendment_to_vote(amendment_id: int):
    wanted = request.form.get("wanted", "1") != "0"
    return _amendment_action(amendment_id, lambda a: services.put_amendment_to_vote(a, member(), wanted),
                             _("Noted for the vote.") if wanted else _("No longer put to the vote."))


@bp.route("/amendements/<int:amendment_id>/fragment")
@login_required
def amendment_fragment(amendment_id: int):
    amendment = services.get_amendment(amendment_id)
    proposal = services.get_proposal(amendment.proposal_id)
    policy.require(member(), "proposals.view", proposal)
    return render_template("deliberation/_amendment.html", amendment=amendment, proposal=proposal, Markup=Markup)
