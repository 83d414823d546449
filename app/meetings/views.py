"""Pages of meetings: planning, agenda, convocation and replies, check-in, the facilitator's
console, the participant's phone page, the projector, notes and minutes, trinômes.

Thin, as everywhere: parse, authorise, call one service, render. A refused action is
rolled back and shown with its reason and an error status, so nothing is committed.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policy
from app.errors import DomainError, InvalidInput
from app.extensions import db, limiter
from app.governance import services as governance
from app.meetings import labels as L
from app.meetings import minutes, services, state
from app.meetings.forms import (
    ActionForm,
    BallotOpenForm,
    CalendarForm,
    CheckinForm,
    DocumentForm,
    ItemForm,
    MarkPresentForm,
    MeetingForm,
    NotesForm,
    ReplyForm,
    SeedForm,
    SwapForm,
)
from app.meetings.models import AgendaDocument, Meeting, MeetingKind
from app.meetings.services import triads
from app.members.models import Member
from app.members.views import show_errors
from app.timeutil import local_today, local_zone, utcnow
from app.votes.forms import (
    CONSENT_LABELS,
    GRADE_NAMES,
    METHOD_LABELS,
    VISIBILITY_LABELS,
    YES_NO_LABELS,
    local_to_utc,
    utc_to_local,
)

bp = Blueprint("meetings", __name__, template_folder="../templates")


@bp.context_processor
def _labels():
    from app.votes import charts
    from app.votes.forms import BASE_LABELS, STATE_LABELS

    return {"L": L, "label": L.label, "level_label": governance.level_label, "YES_NO_LABELS": YES_NO_LABELS,
            "BASE_LABELS": BASE_LABELS, "STATE_LABELS": STATE_LABELS, "charts": charts,
            "CONSENT_LABELS": CONSENT_LABELS, "GRADE_NAMES": GRADE_NAMES, "METHOD_LABELS": METHOD_LABELS,
            "VISIBILITY_LABELS": VISIBILITY_LABELS, "local": lambda value: value.astimezone(local_zone())}


def _me() -> Member:
    return current_user._get_current_object()


def _meeting(meeting_id: int) -> Meeting:
    policy.require(_me(), "meetings.view")
    return services.get_meeting(meeting_id)


def _int(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 10 else None


def _active_members() -> list[Member]:
    today = local_today()
    return [m for m in db.session.scalars(select(Member).order_by(Member.full_name, Member.id))
            if (status := m.status_on(today)) is not None and status.is_active]


def _refused(error: DomainError, form=None):
    """Roll back, and say why on the next rendering (the caller renders with the error status)."""
    db.session.rollback()
    if form is not None and isinstance(error, InvalidInput):
        show_errors(form, error)
    else:
        flash(error.message, "error")


# --- list, planning -----------------------------------------------------------------------------


@bp.route("/seances")
@login_required
def meetings():
    policy.require(_me(), "meetings.view")
    now = utcnow()
    return render_template("meetings/list.html", upcoming=services.upcoming_meetings(now),
                           past=services.past_meetings(now), can_manage=policy.can(_me(), "meetings.manage"))


def _people_choices(form) -> None:
    members = _active_members()
    form.facilitators.choices = [(str(m.id), m.full_name) for m in members]
    form.secretary.choices = [("", "—")] + [(str(m.id), m.full_name) for m in members]


def _meeting_form(formdata=None, **kwargs) -> MeetingForm:
    form = MeetingForm(formdata=formdata, **kwargs) if formdata is not None else MeetingForm(**kwargs)
    form.level.choices = [(lv.code, governance.level_label(lv)) for lv in governance.levels()
                          if lv.code != "general_assembly"]
    _people_choices(form)
    return form


def _meeting_arguments(form: MeetingForm) -> dict:
    errors = {}
    window = {}
    for name in ("starts_at", "ends_at"):
        try:
            window[name] = local_to_utc(getattr(form, name).data, name)
        except InvalidInput as error:
            errors.update(error.fields)
    if errors:
        raise InvalidInput(_("The meeting could not be planned."), fields=errors)
    return {"title": form.title.data, "place": form.place.data or "", "remote_link": form.remote_link.data or "",
            "facilitator_ids": [_int(v) for v in form.facilitators.data or []],
            "secretary_id": _int(form.secretary.data), "speaker_seconds": form.speaker_seconds.data, **window}


@bp.route("/seances/nouvelle", methods=["GET", "POST"])
@login_required
def new_meeting():
    member = _me()
    policy.require(member, "meetings.manage")
    form = _meeting_form()
    if request.method == "GET":
        form.facilitators.data = [str(member.id)]
    status = 200
    if form.validate_on_submit():
        try:
            meeting = services.create_meeting(kind=form.kind.data, level_code=form.level.data or None,
                                              created_by=member, **_meeting_arguments(form))
        except DomainError as error:
            _refused(error, form)
            status = error.status_code
        else:
            flash(_("Meeting planned. Add its agenda, then send the convocation."), "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    elif form.errors:
        status = 422
    return render_template("meetings/edit.html", form=form, meeting=None), status


@bp.route("/seances/<int:meeting_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int):
    member = _me()
    meeting = _meeting(meeting_id)
    policy.require(member, "meetings.manage", meeting)
    form = _meeting_form()
    if request.method == "GET":
        form = _meeting_form(None, obj=meeting)
        form.starts_at.data, form.ends_at.data = utc_to_local(meeting.starts_at), utc_to_local(meeting.ends_at)
        form.facilitators.data = [str(m.id) for m in meeting.facilitators]
        form.secretary.data = str(meeting.secretary_id or "")
        form.kind.data, form.level.data = meeting.kind, meeting.level.code
    status = 200
    if form.validate_on_submit():
        try:
            services.update_meeting(meeting, member, **_meeting_arguments(form))
        except DomainError as error:
            _refused(error, form)
            status = error.status_code
        else:
            flash(_("Meeting updated. Send the convocation again if the invitees must know."), "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    elif form.errors:
        status = 422
    return render_template("meetings/edit.html", form=form, meeting=meeting), status


@bp.route("/seances/calendrier", methods=["GET", "POST"])
@login_required
def calendar():
    member = _me()
    policy.require(member, "meetings.manage")
    form = CalendarForm()
    _people_choices(form)
    if request.method == "GET":
        year = local_today().year + (1 if local_today().month >= 10 else 0)
        form.year.data = year
        for index, day in enumerate(services.default_seminar_days(year), start=1):
            getattr(form, f"day{index}").data = day
        from datetime import time

        form.starts.data, form.ends.data = time(9, 30), time(17, 0)
        form.facilitators.data = [str(member.id)]
    status = 200
    if form.validate_on_submit():
        try:
            created = services.plan_seminar_year(
                year=form.year.data, days=[getattr(form, f"day{i}").data for i in range(1, 5)],
                starts=form.starts.data, ends=form.ends.data, place=form.place.data or "",
                facilitator_ids=[_int(v) for v in form.facilitators.data or []],
                secretary_id=_int(form.secretary.data), created_by=member)
        except DomainError as error:
            _refused(error, form)
            status = error.status_code
        else:
            flash(_("The four seminars of %(year)d are planned.", year=form.year.data), "success")
            return redirect(url_for("meetings.meeting", meeting_id=created[0].id))
    elif form.errors:
        status = 422
    return render_template("meetings/calendar.html", form=form), status


# --- the meeting page: agenda, convocation, replies, attendance -----------------------------------------


def _item_form(meeting: Meeting, formdata=None) -> ItemForm:
    form = ItemForm(formdata=formdata) if formdata is not None else ItemForm()
    form.proposal_id.choices = [("", "—")] + [(str(p.id), p.title) for p in services.schedulable_proposals(meeting)]
    return form


def _render_meeting(meeting: Meeting, status: int = 200, **forms):
    member = _me()
    now = utcnow()
    row = services.attendance_of(meeting, member)
    reply_form = forms.get("reply") or ReplyForm(formdata=None, reply=row.reply if row else None)
    context = {
        "meeting": meeting, "sheet": services.sheet(meeting, now), "row": row, "over": services.is_over(meeting, now),
        "can_manage": policy.can(member, "meetings.manage", meeting),
        "can_facilitate": policy.can(member, "meetings.facilitate", meeting),
        "item_form": forms.get("item") or _item_form(meeting, formdata=None),
        "document_form": forms.get("document") or DocumentForm(formdata=None),
        "reply_form": reply_form, "action": ActionForm(formdata=None),
        "minutes_kind": meeting.kind in minutes.MINUTES_KINDS,
        "projector_url": url_for("meetings.projector", meeting_id=meeting.id,
                                 token=services.projector_token(meeting), _external=True)
        if policy.can(member, "meetings.facilitate", meeting) else None,
    }
    return render_template("meetings/meeting.html", **context), status


@bp.route("/seances/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    return _render_meeting(_meeting(meeting_id))


@bp.route("/seances/<int:meeting_id>/ordre-du-jour", methods=["POST"])
@login_required
def add_item(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = _item_form(meeting)
    if not form.validate_on_submit():
        return _render_meeting(meeting, 422, item=form)
    try:
        services.add_item(meeting, _me(), kind=form.kind.data, title=form.title.data or "",
                          description=form.description.data or "", proposal_id=_int(form.proposal_id.data),
                          duration_minutes=form.duration_minutes.data)
    except DomainError as error:
        _refused(error, form)
        return _render_meeting(services.get_meeting(meeting_id), error.status_code, item=form)
    flash(_("Item added to the agenda."), "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting_id, _anchor="agenda"))


def _simple(meeting_id: int, action, success: str, anchor: str = ""):
    """A button that calls one service; refusals are shown on the meeting page."""
    meeting = _meeting(meeting_id)
    form = ActionForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("The form expired or did not come from this site. Reload the page and try again."))
        action(meeting, _me())
    except DomainError as error:
        _refused(error)
        return _render_meeting(services.get_meeting(meeting_id), error.status_code)
    if success:
        flash(success, "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting_id, _anchor=anchor))


@bp.route("/seances/<int:meeting_id>/ordre-du-jour/<int:item_id>/deplacer", methods=["POST"])
@login_required
def move_item(meeting_id: int, item_id: int):
    return _simple(meeting_id, lambda m, me: services.move_item(services.get_item(m, item_id), me,
                                                                request.form.get("direction", "")), "", "agenda")


@bp.route("/seances/<int:meeting_id>/ordre-du-jour/<int:item_id>/retirer", methods=["POST"])
@login_required
def remove_item(meeting_id: int, item_id: int):
    return _simple(meeting_id, lambda m, me: services.remove_item(services.get_item(m, item_id), me),
                   _("Item removed from the agenda."), "agenda")


@bp.route("/seances/<int:meeting_id>/ordre-du-jour/<int:item_id>/documents", methods=["POST"])
@login_required
def add_document(meeting_id: int, item_id: int):
    meeting = _meeting(meeting_id)
    form = DocumentForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("The document was not attached."),
                               fields={k: list(v) for k, v in form.errors.items()})
        services.add_document(services.get_item(meeting, item_id), _me(), title=form.doc_title.data,
                              url=form.doc_url.data)
    except DomainError as error:
        _refused(error, form)
        return _render_meeting(services.get_meeting(meeting_id), error.status_code, document=form)
    flash(_("Document attached."), "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting_id, _anchor=f"item-{item_id}"))


@bp.route("/seances/<int:meeting_id>/documents/<int:document_id>/retirer", methods=["POST"])
@login_required
def remove_document(meeting_id: int, document_id: int):
    def action(meeting, me):
        document = db.session.get(AgendaDocument, document_id)
        if document is None or document.item.meeting_id != meeting.id:
            from app.errors import NotFound

            raise NotFound(_("No such document on this agenda."))
        services.remove_document(document, me)

    return _simple(meeting_id, action, _("Document removed."), "agenda")


@bp.route("/seances/<int:meeting_id>/convoquer", methods=["POST"])
@login_required
def convene(meeting_id: int):
    count = {}

    def action(meeting, me):
        count["n"] = services.convene(meeting, me)

    response = _simple(meeting_id, action, "")
    if "n" in count:
        flash(_("Convocation sent to %(n)d members, with the agenda and a calendar invitation.", n=count["n"]),
              "success")
    return response


@bp.route("/seances/<int:meeting_id>/reponse", methods=["POST"])
@login_required
def reply(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(_("Answer present, remote or excused."), "error")
        return _render_meeting(meeting, 422, reply=form)
    try:
        services.record_reply(meeting, _me(), form.reply.data)
    except DomainError as error:
        _refused(error, form)
        return _render_meeting(services.get_meeting(meeting_id), error.status_code, reply=form)
    flash(_("Your answer is recorded: %(reply)s.", reply=L.label(L.REPLY_LABELS, form.reply.data)), "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting_id))


@bp.route("/seances/<int:meeting_id>/reponse/<token>", methods=["GET", "POST"])
def reply_link(meeting_id: int, token: str):
    """The link of the convocation e-mail: answer without signing in."""
    try:
        meeting, member = services.member_from_reply_token(meeting_id, token)
        policy.require(member, "meetings.view", meeting)
    except DomainError as error:
        db.session.rollback()
        return render_template("error.html", code=error.status_code, message=error.message), error.status_code
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.record_reply(meeting, member, form.reply.data)
            except DomainError as error:
                _refused(error, form)
                status = error.status_code
            else:
                flash(_("Your answer is recorded: %(reply)s.", reply=L.label(L.REPLY_LABELS, form.reply.data)),
                      "success")
                return redirect(url_for("meetings.reply_link", meeting_id=meeting_id, token=token))
        else:
            status = 422
    else:
        row = services.attendance_of(meeting, member)
        form.reply.data = row.reply if row else None
    return render_template("meetings/reply.html", meeting=meeting, member=member, form=form), status


@bp.route("/membres/<int:member_id>/presences")
@login_required
def member_history(member_id: int):
    policy.require(_me(), "meetings.view")
    member = db.session.get(Member, member_id)
    if member is None:
        from app.errors import NotFound

        raise NotFound(_("No such member."))
    return render_template("meetings/history.html", member=member, history=services.history(member))


@bp.route("/seances/assiduite")
@login_required
def overview():
    policy.require(_me(), "meetings.view")
    year = _int(request.args.get("annee", "")) or local_today().year
    seminars, table = services.seminar_overview(year)
    return render_template("meetings/overview.html", year=year, seminars=seminars, table=table)


# --- check-in --------------------------------------------------------------------------------------


def checkin_limit() -> str:
    return current_app.config.get("MEETINGS_CHECKIN_RATE_LIMIT", "20 per minute")


@bp.route("/seances/<int:meeting_id>/pointage", methods=["GET", "POST"])
@login_required
# Per member, not per address: an assembly checks in from the venue's one Wi-Fi address at once.
@limiter.limit(checkin_limit, methods=["POST"], key_func=lambda: f"member:{current_user.get_id()}",
               error_message=lambda: _("Too many attempts. Wait a minute."))
def checkin(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = CheckinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:32]  # scanned from the QR code: one tap to confirm
    status = 200
    if form.validate_on_submit():
        try:
            services.check_in_with_code(meeting, _me(), form.code.data, mode=form.mode.data)
        except DomainError as error:
            _refused(error, form)
            status = error.status_code
        else:
            flash(_("You are checked in. Welcome!"), "success")
            return redirect(url_for("meetings.phone", meeting_id=meeting_id))
    elif form.errors:
        status = 422
    row = services.attendance_of(meeting, _me())
    return render_template("meetings/checkin.html", meeting=meeting, form=form, row=row), status


# --- the facilitator's console ----------------------------------------------------------------------------


def _console(meeting: Meeting, status: int = 200, **forms):
    member = _me()
    policy.require(member, "meetings.facilitate", meeting)
    now = utcnow()
    view = state.live(meeting, now, facilitator=True)
    present_form = forms.get("present") or MarkPresentForm(formdata=None)
    present_form.member_id.choices = [(str(m.id), m.full_name) for m in _active_members()]
    item = meeting.current_item
    notes_form = forms.get("notes") or NotesForm(formdata=None, item_id=item.id if item else "",
                                                 notes=item.notes if item else "")
    return render_template(
        "meetings/console.html", meeting=meeting, view=view, action=ActionForm(formdata=None),
        ballot_form=forms.get("ballot") or BallotOpenForm(formdata=None), present_form=present_form,
        notes_form=notes_form, sheet=services.sheet(meeting, now), code=services.shown_code(meeting, now),
        projector_url=url_for("meetings.projector", meeting_id=meeting.id, token=services.projector_token(meeting),
                              _external=True),
    ), status


@bp.route("/seances/<int:meeting_id>/console")
@login_required
def console(meeting_id: int):
    return _console(_meeting(meeting_id))


@bp.route("/seances/<int:meeting_id>/console/direct")
@login_required
def console_fragment(meeting_id: int):
    """The live panel alone, fetched by the console's script when the room changes."""
    meeting = _meeting(meeting_id)
    policy.require(_me(), "meetings.facilitate", meeting)
    view = state.live(meeting, utcnow(), facilitator=True)
    return render_template("meetings/_console_live.html", meeting=meeting, view=view,
                           action=ActionForm(formdata=None), sheet=services.sheet(meeting))


def _ballot_arguments(form: BallotOpenForm) -> dict:
    return {"title": form.title.data or "", "question": form.question.data or "", "method": form.method.data or None,
            "secrecy": form.secrecy.data or None, "visibility": form.visibility.data,
            "options": (form.options.data or "").splitlines(), "seats": form.seats.data or 1}


def _console_action(meeting: Meeting, me: Member, name: str, form_data) -> str | None:
    """Run one console action; returns the success message."""
    get = form_data.get
    if name == "demarrer":
        services.start_session(meeting, me)
        return _("The session is open.")
    if name == "pause":
        services.pause_session(meeting, me)
        return _("The session is paused.")
    if name == "terminer":
        services.end_session(meeting, me)
        return _("The meeting is over. Thank you all!")
    if name == "suivant":
        services.go_to_item(meeting, me, None)
        return None
    if name == "point":
        services.go_to_item(meeting, me, services.get_item(meeting, _int(get("item_id"))))
        return None
    if name == "ouvrir-debat":
        services.open_debate(meeting, me)
        return None
    if name == "clore-debat":
        services.close_debate(meeting, me)
        return None
    if name == "parole":
        services.give_floor(meeting, me, _int(get("request_id")) if get("request_id") else None)
        return None
    if name == "fin-parole":
        services.end_speaker(meeting, me)
        return None
    if name == "monter":
        services.move_speaker(meeting, me, _int(get("request_id")), "up")
        return None
    if name == "descendre":
        services.move_speaker(meeting, me, _int(get("request_id")), "down")
        return None
    if name == "retirer-parole":
        services.remove_speaker(meeting, me, _int(get("request_id")))
        return None
    if name == "clore-scrutin":
        services.close_item_ballot(meeting, me, _int(get("link_id")))
        return _("The ballot is closed and counted. Reveal the result when the room is ready.")
    if name == "reveler":
        services.reveal_result(meeting, me, _int(get("link_id")))
        return _("The result is shown on the projector and the phones.")
    if name == "retirer-presence":
        member = db.session.get(Member, _int(get("member_id")) or 0)
        if member is None:
            raise InvalidInput(_("Unknown member."), fields={"member_id": [_("Unknown member.")]})
        services.undo_check_in(meeting, me, member)
        return _("Check-in removed.")
    from app.errors import NotFound

    raise NotFound(_("Unknown console action."))


@bp.route("/seances/<int:meeting_id>/console/<action_name>", methods=["POST"])
@login_required
def console_action(meeting_id: int, action_name: str):
    meeting = _meeting(meeting_id)
    me = _me()
    form = ActionForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("The form expired or did not come from this site. Reload the page and try again."))
        message = _console_action(meeting, me, action_name, request.form)
    except DomainError as error:
        _refused(error)
        return _console(services.get_meeting(meeting_id), error.status_code)
    if message:
        flash(message, "success")
    return redirect(url_for("meetings.console", meeting_id=meeting_id))


@bp.route("/seances/<int:meeting_id>/console/scrutin", methods=["POST"])
@login_required
def open_ballot(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = BallotOpenForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("The ballot could not be opened."),
                               fields={k: list(v) for k, v in form.errors.items()})
        services.open_item_ballot(meeting, _me(), **_ballot_arguments(form))
    except DomainError as error:
        _refused(error, form)
        return _console(services.get_meeting(meeting_id), error.status_code, ballot=form)
    flash(_("The ballot is open: members vote from their phones."), "success")
    return redirect(url_for("meetings.console", meeting_id=meeting_id))


@bp.route("/seances/<int:meeting_id>/console/presence", methods=["POST"])
@login_required
def mark_present(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = MarkPresentForm()
    form.member_id.choices = [(str(m.id), m.full_name) for m in _active_members()]
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("Choose a member."), fields={k: list(v) for k, v in form.errors.items()})
        member = db.session.get(Member, _int(form.member_id.data) or 0)
        if member is None:
            raise InvalidInput(_("Unknown member."), fields={"member_id": [_("Unknown member.")]})
        services.mark_present(meeting, _me(), member, mode=form.mode.data)
    except DomainError as error:
        _refused(error, form)
        return _console(services.get_meeting(meeting_id), error.status_code, present=form)
    flash(_("%(name)s is checked in.", name=member.full_name), "success")
    return redirect(url_for("meetings.console", meeting_id=meeting_id, _anchor="attendance"))


@bp.route("/seances/<int:meeting_id>/notes", methods=["POST"])
@login_required
def save_notes(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = NotesForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("The notes were not saved."), fields={k: list(v) for k, v in form.errors.items()})
        item = services.get_item(meeting, _int(form.item_id.data))
        minutes.save_notes(item, _me(), form.notes.data or "")
    except DomainError as error:
        _refused(error, form)
        if request.headers.get("X-Requested-With") == "fetch":
            return {"ok": False, "message": error.message}, error.status_code
        if policy.can(_me(), "meetings.facilitate", meeting):
            return _console(services.get_meeting(meeting_id), error.status_code, notes=form)
        return _render_meeting(services.get_meeting(meeting_id), error.status_code)
    if request.headers.get("X-Requested-With") == "fetch":
        return {"ok": True, "saved_at": utcnow().isoformat()}
    flash(_("Notes saved."), "success")
    back = request.form.get("back")
    if back == "meeting" or not policy.can(_me(), "meetings.facilitate", meeting):
        return redirect(url_for("meetings.notes_page", meeting_id=meeting_id, _anchor=f"item-{item.id}"))
    return redirect(url_for("meetings.console", meeting_id=meeting_id, _anchor="notes"))


@bp.route("/seances/<int:meeting_id>/notes")
@login_required
def notes_page(meeting_id: int):
    """The secretary's page: one notes field per agenda item."""
    meeting = _meeting(meeting_id)
    policy.require(_me(), "meetings.take_notes", meeting)
    forms = {item.id: NotesForm(formdata=None, item_id=item.id, notes=item.notes) for item in meeting.items}
    return render_template("meetings/notes.html", meeting=meeting, forms=forms)


# --- minutes -------------------------------------------------------------------------------------------


@bp.route("/seances/<int:meeting_id>/compte-rendu.md")
@login_required
def minutes_markdown(meeting_id: int):
    meeting = _meeting(meeting_id)
    text = minutes.minutes_markdown(meeting)
    return current_app.response_class(text, mimetype="text/markdown; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="compte-rendu-seance-{meeting.id}.md"'})


@bp.route("/seances/<int:meeting_id>/compte-rendu.pdf")
@login_required
def minutes_pdf(meeting_id: int):
    meeting = _meeting(meeting_id)
    data = minutes.minutes_pdf(meeting)
    return current_app.response_class(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="compte-rendu-seance-{meeting.id}.pdf"'})


# --- the participant's phone -------------------------------------------------------------------------------


def _phone_context(meeting: Meeting) -> dict:
    from app.votes import views as vote_views

    member = _me()
    view = state.live(meeting, utcnow())
    slots, notice = [], None
    if view.ballot is not None:
        # The vote forms of the ballot page, reused as they are (own vote, proxies held).
        slots, notice = vote_views._slots(view.ballot, member)
    row = services.attendance_of(meeting, member)
    return {"meeting": meeting, "view": view, "row": row, "slots": slots, "notice": notice,
            "hand": services.my_request(meeting.current_item, member), "action": ActionForm(formdata=None),
            "checked_in": row is not None and row.checked_in_at is not None}


@bp.route("/seances/<int:meeting_id>/telephone")
@login_required
def phone(meeting_id: int):
    return render_template("meetings/phone.html", **_phone_context(_meeting(meeting_id)))


@bp.route("/seances/<int:meeting_id>/telephone/direct")
@login_required
def phone_fragment(meeting_id: int):
    return render_template("meetings/_phone_live.html", **_phone_context(_meeting(meeting_id)))


@bp.route("/seances/<int:meeting_id>/main", methods=["POST"])
@login_required
def hand(meeting_id: int):
    """Raise or lower a hand without JavaScript (the phone page uses the socket event)."""
    meeting = _meeting(meeting_id)
    form = ActionForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("The form expired or did not come from this site. Reload the page and try again."))
        if request.form.get("stance") == "lower":
            services.lower_hand(meeting, _me())
        else:
            services.raise_hand(meeting, _me(), request.form.get("stance", ""))
    except DomainError as error:
        _refused(error)
        return render_template("meetings/phone.html", **_phone_context(services.get_meeting(meeting_id))), \
            error.status_code
    return redirect(url_for("meetings.phone", meeting_id=meeting_id))


# --- the projector -----------------------------------------------------------------------------------------


def _projector_meeting(meeting_id: int, token: str) -> Meeting:
    return services.meeting_from_projector_token(meeting_id, token)


def _projector_context(meeting: Meeting, token: str) -> dict:
    now = utcnow()
    view = state.live(meeting, now)
    code = services.shown_code(meeting, now)
    checkin_url = url_for("meetings.checkin", meeting_id=meeting.id, code=code.code, _external=True)
    return {"meeting": meeting, "view": view, "code": code, "checkin_url": checkin_url,
            "qr": state.qr_svg(checkin_url), "token": token}


@bp.route("/seances/<int:meeting_id>/projection/<token>")
def projector(meeting_id: int, token: str):
    """The big screen: opened with a signed read-only link, without signing in."""
    meeting = _projector_meeting(meeting_id, token)
    return render_template("meetings/projector.html", **_projector_context(meeting, token))


@bp.route("/seances/<int:meeting_id>/projection/<token>/direct")
def projector_fragment(meeting_id: int, token: str):
    meeting = _projector_meeting(meeting_id, token)
    return render_template("meetings/_projector_live.html", **_projector_context(meeting, token))


# --- trinômes ------------------------------------------------------------------------------------------------


def _triads_page(meeting: Meeting, status: int = 200, **forms):
    round_ = triads.round_of(meeting)
    names = {m.id: m for m in _active_members()}
    groups = triads.groups_of(round_) if round_ else []
    repeated = set(triads.repeated(meeting, round_)) if round_ else set()
    for group in groups:
        for member_id in group:
            if member_id not in names:
                names[member_id] = db.session.get(Member, member_id)
    swap_form = forms.get("swap") or SwapForm(formdata=None)
    choices = [(str(i), names[i].full_name) for group in groups for i in group]
    swap_form.first_id.choices = swap_form.second_id.choices = choices
    earlier = [r for r in db.session.scalars(select(triads.TriadRound).join(Meeting)
                                             .where(Meeting.starts_at < meeting.starts_at)
                                             .order_by(Meeting.starts_at.desc()))]
    return render_template(
        "meetings/triads.html", meeting=meeting, round=round_, groups=groups, names=names, repeated=repeated,
        present=len(triads.present_ids(meeting)), seed_form=forms.get("seed") or SeedForm(formdata=None),
        swap_form=swap_form, earlier=earlier, groups_of=triads.groups_of,
        can_facilitate=policy.can(_me(), "meetings.facilitate", meeting)), status


@bp.route("/seances/<int:meeting_id>/trinomes", methods=["GET", "POST"])
@login_required
def triads_page(meeting_id: int):
    meeting = _meeting(meeting_id)
    if meeting.kind != MeetingKind.SEMINAR:
        from app.errors import NotFound

        raise NotFound(_("Trinômes are formed at seminars."))
    if request.method == "GET":
        return _triads_page(meeting)
    form = SeedForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("The trinômes were not generated."),
                               fields={k: list(v) for k, v in form.errors.items()})
        round_ = triads.generate(meeting, _me(), seed=form.seed.data)
    except DomainError as error:
        _refused(error, form)
        return _triads_page(services.get_meeting(meeting_id), error.status_code, seed=form)
    count = len(triads.repeated(meeting, round_))
    flash(_("Trinômes generated: %(n)d pair(s) already met at an earlier seminar.", n=count), "success")
    return redirect(url_for("meetings.triads_page", meeting_id=meeting_id))


@bp.route("/seances/<int:meeting_id>/trinomes/echanger", methods=["POST"])
@login_required
def triads_swap(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = SwapForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("Choose two members."), fields={k: list(v) for k, v in form.errors.items()})
        triads.swap(meeting, _me(), _int(form.first_id.data), _int(form.second_id.data))
    except DomainError as error:
        _refused(error, form)
        return _triads_page(services.get_meeting(meeting_id), error.status_code, swap=form)
    flash(_("The two members changed trinôme."), "success")
    return redirect(url_for("meetings.triads_page", meeting_id=meeting_id))


@bp.route("/seances/<int:meeting_id>/trinomes.csv")
@login_required
def triads_csv(meeting_id: int):
    meeting = _meeting(meeting_id)
    round_ = triads.round_of(meeting)
    if round_ is None:
        from app.errors import NotFound

        raise NotFound(_("No trinômes yet for this seminar."))
    return current_app.response_class(triads.export_csv(meeting, round_), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="trinomes-seance-{meeting.id}.csv"'})

