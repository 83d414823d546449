"""Pages of the general assembly: legal profile, the sitting's page, the PV and its exports."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import documents, policy
from app.errors import InvalidInput
from app.i18n import current_locale
from app.meetings.assembly import jobs, minutes, rules
from app.meetings.assembly import services as ga
from app.meetings.assembly.models import Assembly, MinutesEntry, Resolution
from app.meetings.services.common import get_active_member
from app.timeutil import local_zone

bp = Blueprint("assembly", __name__, template_folder="../../templates", url_prefix="/assemblees")

def _me():
    return current_user._get_current_object()


def _fraction(value: str, field: str, errors: dict, *, optional: bool) -> Fraction | None:
    value = (value or "").strip()
    if not value:
        if optional:
            return None
        errors[field] = [_("A fraction such as 3/4 is required.")]
        return None
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        errors[field] = [_("A fraction such as 3/4.")]
        return None


@bp.route("/profil-juridique", methods=["GET", "POST"])
@login_required
def profile():
    row = ga.profile()
    if request.method == "POST":
        policy.require(_me(), "assembly.profile")
        errors: dict[str, list[str]] = {}
        values = {}
        form = request.form.get("legal_form", "")
        if form == row.legal_form:
            for kind, convocation in rules.DEFAULTS["scop_sarl"]:
                key = f"{kind}_{convocation}"
                quorum = _fraction(request.form.get(f"{key}_quorum"), key, errors, optional=True)
                majority = _fraction(request.form.get(f"{key}_majority"), key, errors, optional=False)
                if key not in errors:
                    values[(kind, convocation)] = rules.Rule(quorum, majority,
                                                             request.form.get(f"{key}_strict") == "on",
                                                             request.form.get(f"{key}_base", ""))
        if errors:
            raise InvalidInput(_("The legal profile was not changed."), fields=errors)
        ga.update_profile(_me(), name=request.form.get("name", ""), legal_form=form,
                          registered_office=request.form.get("registered_office", ""),
                          registration_number=request.form.get("registration_number", ""),
                          remote_counts_as_present=request.form.get("remote_counts_as_present") == "on",
                          assembly_rules=values or None)
        flash(_("Legal profile saved."))
        return redirect(url_for("assembly.profile"))
    return render_template("meetings/assembly/profile.html", profile=row, ga=ga, rules=rules,
                           may_edit=policy.can(_me(), "assembly.profile"))


@bp.route("/<int:meeting_id>")
@login_required
def assembly(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    register = [e for e in _entries(row)]
    return render_template("meetings/assembly/assembly.html", assembly=row, ga=ga,
                           quorums=[ga.quorum(row, kind) for kind in ga.kinds_of(row)],
                           lines=ga.attendance_lines(row), register=register,
                           may_manage=policy.can(_me(), "assembly.manage", row))


def _entries(row) -> list[MinutesEntry]:
    from sqlalchemy import select

    from app.extensions import db

    return list(db.session.scalars(select(MinutesEntry).where(MinutesEntry.assembly_id == row.id)
                                   .order_by(MinutesEntry.number)))


@bp.route("/<int:meeting_id>/pv")
@login_required
def minutes_preview(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    return minutes.to_html(minutes.build_blocks(row), draft=True)


@bp.route("/<int:meeting_id>/pv.<fmt>")
@login_required
def minutes_draft(meeting_id: int, fmt: str):
    ga.get_assembly(meeting_id)
    return _export(jobs.DRAFT, meeting_id, fmt, back=url_for("assembly.assembly", meeting_id=meeting_id))


@bp.route("/registre/<int:number>")
@login_required
def register_entry(number: int):
    entry = minutes.get_entry(number)
    return minutes.to_html(minutes.entry_blocks(entry), sha256=entry.sha256)


@bp.route("/registre/<int:number>.<fmt>")
@login_required
def register_export(number: int, fmt: str):
    entry = minutes.get_entry(number)
    if documents.queued():
        minutes.entry_blocks(entry)  # a PV that no longer matches its fingerprint: refused here, as inline
    return _export(jobs.ENTRY, number, fmt, back=url_for("assembly.register_entry", number=number))


def _export(what: str, key: int, fmt: str, *, back: str) -> Response:
    """The PV's file: rendered here, or (DOCUMENT_QUEUE=rq) by the worker, with a status page."""
    if fmt not in jobs.MEDIA:
        raise InvalidInput(_("PDF, DOCX or ODT."), fields={"format": [_("Unknown format.")]})
    name = jobs.filename(what, key, fmt)
    if documents.queued():
        return documents.enqueue("app.meetings.assembly.jobs.minutes_job", what, key, fmt, current_locale(),
                                 filename=name, mimetype=jobs.MEDIA[fmt], back=back)
    return Response(jobs.render_minutes(what, key, fmt), mimetype=jobs.MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/<int:meeting_id>/pv/final")
@login_required
def finalize(meeting_id: int):
    entry = minutes.finalize(ga.get_assembly(meeting_id), _me())
    flash(_("Minutes no. %(n)d recorded in the register.", n=entry.number))
    return redirect(url_for("assembly.register_entry", number=entry.number))


@bp.post("/registre/<int:number>/rectification")
@login_required
def rectify(number: int):
    entry = minutes.rectify(minutes.get_entry(number), _me(), request.form.get("text", ""))
    return redirect(url_for("assembly.register_entry", number=entry.number))


@bp.route("/<int:meeting_id>/feuille-de-presence.pdf")
@login_required
def attendance_sheet(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    return Response(minutes.attendance_sheet_pdf(row), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="feuille-de-presence-{meeting_id}.pdf"'})


@bp.route("/<int:meeting_id>/lettres-de-convocation.pdf")
@login_required
def letters(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    policy.require(_me(), "assembly.manage", row)
    return Response(minutes.convocation_letters_pdf(row), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="convocations-{meeting_id}.pdf"'})


@bp.route("/<int:meeting_id>/<any(presence, resultats):what>.csv")
@login_required
def csv_export(meeting_id: int, what: str):
    row = ga.get_assembly(meeting_id)
    text = minutes.attendance_csv(row) if what == "presence" else minutes.results_csv(row)
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{what}-{meeting_id}.csv"'})


@bp.route("/<int:meeting_id>/quorum.json")
@login_required
def quorum_json(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    return {"quorums": [{"kind": q.kind, "convocation": q.convocation, "electorate": q.electorate,
                         "present": q.present, "remote": q.remote, "represented": q.represented,
                         "present_or_represented": q.present_or_represented, "required": q.required,
                         "reached": q.reached} for q in (ga.quorum(row, k) for k in ga.kinds_of(row))]}


# --- preparing, convening and holding (small forms on the assembly's page) -------------------


def _when(name: str) -> datetime:
    """A datetime-local field, read in the cooperative's time zone."""
    try:
        return datetime.fromisoformat(request.form.get(name, "")).replace(tzinfo=local_zone())
    except ValueError:
        raise InvalidInput(_("A date and time is required."), fields={name: [_("A date and time is required.")]}) \
            from None


def _day(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise InvalidInput(_("A date."), fields={name: [_("A date.")]}) from None


def _member(name: str, *, optional: bool = False):
    value = request.form.get(name, "")
    if not value and optional:
        return None
    if not value.isdigit():
        raise InvalidInput(_("Choose a member."), fields={name: [_("Choose a member.")]})
    return get_active_member(int(value), name)


def _back(row: Assembly):
    return redirect(url_for("assembly.assembly", meeting_id=row.meeting_id))


@bp.route("/", methods=["GET", "POST"])
@login_required
def assemblies():
    from sqlalchemy import select

    from app.extensions import db

    if request.method == "POST":
        row = ga.create_assembly(_me(), title=request.form.get("title", ""), starts_at=_when("starts_at"),
                                 ends_at=_when("ends_at"), place=request.form.get("place", ""),
                                 remote_link=request.form.get("remote_link", ""),
                                 scope=request.form.get("scope", ""))
        return _back(row)
    rows = list(db.session.scalars(select(Assembly).order_by(Assembly.id.desc())))
    return render_template("meetings/assembly/list.html", assemblies=rows, ga=ga,
                           may_manage=policy.can(_me(), "assembly.manage"))


@bp.post("/<int:meeting_id>/resolutions")
@login_required
def add_resolution(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    ga.add_resolution(row, _me(), title=request.form.get("title", ""), text=request.form.get("text", ""),
                      kind=request.form.get("kind", ""), proposer=request.form.get("proposer", ""),
                      gerance_supports=request.form.get("gerance_supports") == "on",
                      secret=request.form.get("secret") == "on")
    return _back(row)


@bp.post("/<int:meeting_id>/convocation")
@login_required
def convene(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    outcome = ga.convene(row, _me())
    flash(_("Convocation sent by e-mail to %(e)d associates; %(l)d letters to print.",
            e=len(outcome.emailed), l=len(outcome.by_letter)))
    return _back(row)


@bp.post("/consentements")
@login_required
def record_consent():
    member = _member("member_id")
    ga.record_consent(member, _me(), given_on=_day("given_on"), document=request.form.get("document", ""))
    flash(_("Consent of %(name)s to electronic convocation recorded.", name=member.full_name))
    return redirect(request.form.get("next") or url_for("assembly.assemblies"))


@bp.post("/<int:meeting_id>/pouvoirs")
@login_required
def grant_proxy(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    ga.grant_proxy(row, _me(), grantor=_member("grantor_id"), holder=_member("holder_id", optional=True),
                   document=request.form.get("document", ""))
    return _back(row)


@bp.post("/<int:meeting_id>/presence")
@login_required
def mark_present(meeting_id: int):
    from app.meetings import services as meetings

    row = ga.get_assembly(meeting_id)
    meetings.mark_present(row.meeting, _me(), _member("member_id"), mode=request.form.get("mode"))
    return _back(row)


@bp.post("/<int:meeting_id>/bureau")
@login_required
def bureau(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    ga.set_bureau(row, _me(), chair_id=request.form.get("chair_id", type=int),
                  chair_capacity=request.form.get("chair_capacity", ""),
                  secretary_id=request.form.get("secretary_id", type=int),
                  scrutineer_ids=[int(v) for v in request.form.getlist("scrutineer_ids") if v.isdigit()])
    return _back(row)


@bp.post("/<int:meeting_id>/incidents")
@login_required
def incident(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    ga.record_incident(row, _me(), request.form.get("description", ""))
    return _back(row)


@bp.post("/<int:meeting_id>/debats")
@login_required
def summary(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    ga.save_summary(row, _me(), debates_summary=request.form.get("debates_summary", ""),
                    documents=request.form.get("documents", ""))
    return _back(row)


def _resolution(row: Assembly, resolution_id: int) -> Resolution:
    resolution = next((r for r in row.resolutions if r.id == resolution_id), None)
    if resolution is None:
        raise InvalidInput(_("No such resolution in this assembly."), fields={"resolution": [_("Unknown.")]})
    return resolution


@bp.post("/<int:meeting_id>/resolutions/<int:resolution_id>/<any(ouvrir, clore):action>")
@login_required
def resolution_vote(meeting_id: int, resolution_id: int, action: str):
    row = ga.get_assembly(meeting_id)
    resolution = _resolution(row, resolution_id)
    if action == "ouvrir":
        ga.open_resolution(resolution, _me())
    else:
        ga.close_resolution(resolution, _me())
    return _back(row)


@bp.post("/<int:meeting_id>/cloture")
@login_required
def close(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    ga.close_assembly(row, _me())
    return _back(row)


@bp.post("/<int:meeting_id>/seconde-convocation")
@login_required
def second_convocation(meeting_id: int):
    row = ga.get_assembly(meeting_id)
    second = ga.second_convocation(row, _me(), starts_at=_when("starts_at"), ends_at=_when("ends_at"))
    return _back(second)
