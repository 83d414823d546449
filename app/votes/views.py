"""Ballot pages: list, creation, the voting page of every method, results, exports, proxies.

Thin, as everywhere: parse, authorise, call `app.votes.services`, render. A refused
action re-renders the page with the reason and an error status, so the request's
transaction is rolled back and nothing changes.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from dataclasses import dataclass, field
from fractions import Fraction

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from app import policy
from app.api import ID
from app.errors import Conflict, DomainError, InvalidInput
from app.extensions import db
from app.governance import services as governance
from app.governance.models import Method
from app.members import services as members
from app.members.models import Member
from app.members.views import show_errors
from app.timeutil import local_today
from app.votes import charts, events, services
from app.votes.forms import (
    BASE_LABELS,
    CONSENT_LABELS,
    GRADE_NAMES,
    MAJORITY_CHOICES,
    METHOD_LABELS,
    SECRECY_LABELS,
    STATE_LABELS,
    SUBJECT_LABELS,
    VISIBILITY_LABELS,
    YES_NO_LABELS,
    ActionForm,
    BallotForm,
    CancelForm,
    CloseForm,
    ProxyForm,
    VoteForm,
    choice_from_form,
    describe_vote,
    form_values,
    local_to_utc,
)
from app.votes.models import Ballot, BallotState, Proxy

bp = Blueprint("votes", __name__, template_folder="../templates")
RECEIPTS_KEY = "ballot_receipts"


@bp.context_processor
def labels():
    return {
        "METHOD_LABELS": METHOD_LABELS, "SECRECY_LABELS": SECRECY_LABELS, "VISIBILITY_LABELS": VISIBILITY_LABELS,
        "STATE_LABELS": STATE_LABELS, "SUBJECT_LABELS": SUBJECT_LABELS, "BASE_LABELS": BASE_LABELS,
        "YES_NO_LABELS": YES_NO_LABELS, "CONSENT_LABELS": CONSENT_LABELS, "GRADE_NAMES": GRADE_NAMES,
        "level_label": governance.level_label, "charts": charts, "BallotState": BallotState, "Method": Method,
    }


def _member() -> Member:
    return current_user._get_current_object()


def new_key() -> str:
    """A vote form's idempotency key: sending the same form twice returns the same receipt."""
    return secrets.token_urlsafe(24)


# --- list and creation --------------------------------------------------------------------------


@bp.route("/scrutins")
@login_required
def ballots():
    policy.require(_member(), "ballots.view")
    rows = db.session.scalars(select(Ballot).options(selectinload(Ballot.level))
                              .order_by(Ballot.created_at.desc(), Ballot.id.desc())).all()
    groups = {state: [b for b in rows if b.state == state] for state in BallotState}
    return render_template("votes/list.html", groups=groups, can_manage=policy.can(_member(), "ballots.manage"))


def _ballot_form(formdata=None) -> BallotForm:
    form = BallotForm() if formdata is None else BallotForm(formdata=formdata)
    form.level.choices = [(level.code, governance.level_label(level)) for level in governance.levels()]
    return form


@bp.route("/scrutins/nouveau", methods=["GET", "POST"])
@login_required
def new_ballot():
    member = _member()
    policy.require(member, "ballots.manage")
    form = _ballot_form()
    failed = False
    if form.validate_on_submit():
        try:
            ballot = services.create_ballot(**_creation_arguments(form), created_by=member)
        except InvalidInput as error:
            show_errors(form, error)
            failed = True
        else:
            flash(_("Ballot created as a draft. Check it, then open it."), "success")
            return redirect(url_for("votes.ballot", ballot_id=ballot.id))
    status = 422 if (failed or form.errors) else 200
    return render_template("votes/new.html", form=form), status


def _creation_arguments(form: BallotForm) -> dict:
    majority = strict = None
    if form.majority.data:
        (num, den), strict = MAJORITY_CHOICES[form.majority.data]
        majority = Fraction(num, den)
    errors = {}
    window = {}
    for name in ("opens_at", "closes_at"):
        try:
            window[name] = local_to_utc(getattr(form, name).data, name)
        except InvalidInput as error:
            errors.update(error.fields)
    if errors:
        raise InvalidInput(_("The ballot could not be created."), fields=errors)
    return {
        "title": form.title.data, "question": form.question.data or "", "subject_kind": form.subject_kind.data,
        "level": governance.level_by_code(form.level.data), "method": form.method.data or None,
        "secrecy": form.secrecy.data or None, "visibility": form.visibility.data, "changeable": form.changeable.data,
        "options": (form.options.data or "").splitlines(), "seats": form.seats.data,
        "context": (form.context.data or "").strip() or None, "majority": majority, "majority_strict": strict,
        "majority_base": form.majority_base.data or None, **window,
    }


# --- the ballot page ----------------------------------------------------------------------------


@dataclass
class VoteSlot:
    """One vote form on the page: the member's own, or one per proxy they hold."""

    elector: Member
    proxy: bool
    voted: bool
    receipt: str | None
    may_vote: bool
    values: MultiDict
    key: str = field(default_factory=new_key)
    errors: dict = field(default_factory=dict)
    message: str | None = None

    @property
    def prefix(self) -> str:
        return f"v{self.elector.id}"


def _kept_receipt(ballot: Ballot, elector_id: int) -> str | None:
    return session.get(RECEIPTS_KEY, {}).get(f"{ballot.id}:{elector_id}")


def _slot(ballot: Ballot, elector: Member, *, proxy: bool) -> VoteSlot:
    state = events.vote_state(ballot, elector.id)
    voted = state["voted"]
    changeable = ballot.changeable and not ballot.is_secret
    return VoteSlot(
        elector=elector, proxy=proxy, voted=voted,
        receipt=state["receipt"] or (_kept_receipt(ballot, elector.id) if voted else None),
        may_vote=ballot.state == BallotState.OPEN and (not voted or changeable),
        values=form_values(ballot, state["vote"]),
    )


def _slots(ballot: Ballot, member: Member) -> tuple[list[VoteSlot], str | None]:
    """The vote forms of this member, and why they have none of their own (if so)."""
    if ballot.state not in (BallotState.OPEN, BallotState.CLOSED, BallotState.PUBLISHED):
        return [], None
    slots, notice = [], None
    if not services.is_elector(ballot, member):
        notice = _("You are not in this ballot's electorate (%(level)s, on the day it opened).",
                   level=governance.level_label(ballot.level))
    else:
        given = services.proxy_given_by(ballot.context, member)
        if given is not None:
            notice = (_("You gave a proxy to %(name)s for this sitting: your vote is cast by them.",
                        name=given.holder.full_name) if given.holder else
                      _("You gave a blank proxy for this sitting."))
        else:
            slots.append(_slot(ballot, member, proxy=False))
    for proxy in services.proxies_held(ballot.context, member):
        if services.is_elector(ballot, proxy.grantor):
            slots.append(_slot(ballot, proxy.grantor, proxy=True))
    return slots, notice


def _render_ballot(ballot: Ballot, status: int = 200, *, failed: VoteSlot | None = None, forms: dict | None = None):
    member = _member()
    slots, notice = _slots(ballot, member)
    if failed is not None:
        slots = [failed if slot.elector.id == failed.elector.id else slot for slot in slots]
    result, final = events.visible_result(ballot)
    forms = {"action": ActionForm(formdata=None), "close": CloseForm(formdata=None),
             "cancel": CancelForm(formdata=None), **(forms or {})}
    return render_template(
        "votes/ballot.html", ballot=ballot, slots=slots, notice=notice, result=result, final=final,
        turnout=services.turnout(ballot), forms=forms, can_manage=policy.can(member, "ballots.manage", ballot),
    ), status


@bp.route(f"/scrutins/<{ID}:ballot_id>")
@login_required
def ballot(ballot_id: int):
    policy.require(_member(), "ballots.view")
    return _render_ballot(services.get_ballot(ballot_id))


@bp.route(f"/scrutins/<{ID}:ballot_id>/decompte")
@login_required
def tally_fragment(ballot_id: int):
    """The turnout and tally block alone, fetched by ballot.js when a live update arrives."""
    policy.require(_member(), "ballots.view")
    ballot = services.get_ballot(ballot_id)
    result, final = events.visible_result(ballot)
    return render_template("votes/_tally.html", ballot=ballot, result=result, final=final,
                           turnout=services.turnout(ballot))


@bp.route(f"/scrutins/<{ID}:ballot_id>/vote", methods=["POST"])
@login_required
def vote(ballot_id: int):
    member = _member()
    ballot = services.get_ballot(ballot_id)
    policy.require(member, "ballots.vote", ballot)
    form = VoteForm()
    grantor = None
    try:
        events.check_vote_rate(member)
        if not form.validate_on_submit():
            raise InvalidInput(_("The form expired or did not come from this site. Reload the page and try again."))
        if form.on_behalf_of.data:
            if not form.on_behalf_of.data.isdigit():
                raise InvalidInput(_("Unknown member."), fields={"on_behalf_of": [_("Unknown member.")]})
            grantor = members.get_member(int(form.on_behalf_of.data))
        choice = choice_from_form(ballot, request.form)
        receipt = services.cast_vote(ballot, member, choice, form.key.data or "", on_behalf_of=grantor)
    except DomainError as error:
        db.session.rollback()
        ballot = services.get_ballot(ballot_id)
        elector = db.session.get(Member, grantor.id) if grantor else member
        slot = _slot(ballot, elector, proxy=grantor is not None)
        slot.values = MultiDict(request.form)
        slot.errors, slot.message = error.fields, error.message
        flash(error.message, "error")
        return _render_ballot(ballot, error.status_code, failed=slot)
    elector = grantor or member
    kept = session.setdefault(RECEIPTS_KEY, {})
    kept[f"{ballot.id}:{elector.id}"] = receipt.code
    session.modified = True
    if receipt.repeated:
        message = _("This vote had already been recorded (the form was sent twice); it counts once. "
                    "Receipt: %(code)s", code=receipt.code)
    elif receipt.replaced:
        message = _("The vote has been changed. Receipt: %(code)s", code=receipt.code)
    elif grantor:
        message = _("The vote of %(name)s has been recorded. Receipt: %(code)s", name=grantor.full_name,
                    code=receipt.code)
    else:
        message = _("Your vote has been recorded. Receipt: %(code)s", code=receipt.code)
    flash(message, "success")
    return redirect(url_for("votes.ballot", ballot_id=ballot.id, _anchor=f"vote-v{elector.id}"))


# --- managing the life cycle ------------------------------------------------------------------------


def _manage(ballot_id: int, form_class, action, success: str, form_name: str):
    member = _member()
    ballot = services.get_ballot(ballot_id)
    policy.require(member, "ballots.manage", ballot)
    form = form_class()
    try:
        if not form.validate_on_submit():
            messages = [m for errors in form.errors.values() for m in errors]
            raise InvalidInput(" ".join(messages) or _("The form could not be read."),
                               fields={name: list(errors) for name, errors in form.errors.items()})
        action(ballot, member, form)
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, InvalidInput):
            show_errors(form, error)
        else:
            flash(error.message, "error")
        return _render_ballot(services.get_ballot(ballot_id), error.status_code, forms={form_name: form})
    flash(success, "success")
    return redirect(url_for("votes.ballot", ballot_id=ballot_id))


@bp.route(f"/scrutins/<{ID}:ballot_id>/ouvrir", methods=["POST"])
@login_required
def open_ballot(ballot_id: int):
    return _manage(ballot_id, ActionForm, lambda b, m, f: services.open_ballot(b, by=m),
                   _("The ballot is open: its electorate is fixed from now on."), "action")


@bp.route(f"/scrutins/<{ID}:ballot_id>/clore", methods=["POST"])
@login_required
def close_ballot(ballot_id: int):
    def close(ballot, member, form):
        services.close_ballot(ballot, by=member, present_or_represented=form.present_or_represented.data)

    return _manage(ballot_id, CloseForm, close, _("The ballot is closed and its result computed."), "close")


@bp.route(f"/scrutins/<{ID}:ballot_id>/publier", methods=["POST"])
@login_required
def publish_ballot(ballot_id: int):
    return _manage(ballot_id, ActionForm, lambda b, m, f: services.publish_ballot(b, by=m),
                   _("The result is published, with the anonymous ballot box."), "action")


@bp.route(f"/scrutins/<{ID}:ballot_id>/annuler", methods=["POST"])
@login_required
def cancel_ballot(ballot_id: int):
    return _manage(ballot_id, CancelForm, lambda b, m, f: services.cancel_ballot(b, f.reason.data, by=m),
                   _("The ballot is cancelled."), "cancel")


# --- results, receipts and exports ----------------------------------------------------------------


def normalise_receipt(raw: str) -> str:
    """Receipts are shown as XXXXX-XXXXX-XXXXX; accept them typed without dashes or in lower case."""
    letters = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return "-".join(letters[i:i + 5] for i in range(0, len(letters), 5))


@bp.route(f"/scrutins/<{ID}:ballot_id>/resultat")
@login_required
def result(ballot_id: int):
    policy.require(_member(), "ballots.view")
    ballot = services.get_ballot(ballot_id)
    result, final = events.visible_result(ballot)
    searched = request.args.get("recu", "").strip()
    found = None
    if searched and ballot.state == BallotState.PUBLISHED:
        code = normalise_receipt(searched)
        entry = next((row for row in services.ballot_box(ballot) if row["receipt"] == code), None)
        found = {"code": code, "vote": describe_vote(ballot, entry["vote"]) if entry else None}
    return render_template("votes/result.html", ballot=ballot, result=result, final=final, searched=searched,
                           found=found, turnout=services.turnout(ballot))


def _safe_cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_response(header: list, rows: list[list], filename: str):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a BOM, so spreadsheets read the accents as UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_safe_cell(c) for c in header])
    writer.writerows([_safe_cell(c) for c in row] for row in rows)
    return current_app.response_class(
        buffer.getvalue(), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _final_result(ballot: Ballot) -> dict:
    if ballot.state not in (BallotState.CLOSED, BallotState.PUBLISHED):
        raise Conflict(_("The result is exported once the ballot is closed."))
    return services.stored_result(ballot)


def result_rows(ballot: Ballot, result: dict) -> tuple[list, list[list]]:
    """The result as a table: one row per answer or option (format in docs/votes.md)."""
    method = Method(ballot.method)
    if method is Method.YES_NO:
        return [_("Choice"), _("Votes")], [[YES_NO_LABELS[c], result["counts"][c]]
                                          for c in ("for", "against", "abstain", "blank")]
    if method is Method.CONSENT:
        rows = [[CONSENT_LABELS["consent"], result["consents"], ""]]
        rows += [[_("Objection"), 1, reason] for reason in result["objections"]]
        return [_("Choice"), _("Votes"), _("Reason")], rows
    if not result["voters"]:
        return [_("Option")], [[option.label] for option in ballot.options]
    if method is Method.MAJORITY_JUDGMENT:
        header = [_("Option"), _("Rank"), _("Majority grade"), *[str(g) for g in GRADE_NAMES]]
        return header, [[o["label"], o["rank"], GRADE_NAMES[o["majority_grade"]], *o["merit_profile"]]
                        for o in result["options"]]
    if method is Method.SCHULZE:
        labels = result["labels"]
        rank_of = {label: rank for rank, group in enumerate(result["ranking"], start=1) for label in group}
        header = [_("Option"), _("Rank"), *[_("Preferred to %(option)s", option=label) for label in labels]]
        return header, [[label, rank_of[label], *["" if v is None else v for v in result["pairwise"][i]]]
                        for i, label in enumerate(labels)]
    elected, tied = set(result["elected"]), set(result["tied"])
    return [_("Option"), _("Votes"), _("Elected")], [
        [label, count, _("yes") if label in elected else _("tied") if label in tied else _("no")]
        for label, count in result["counts"]]


@bp.route(f"/scrutins/<{ID}:ballot_id>/resultat.csv")
@login_required
def result_csv(ballot_id: int):
    policy.require(_member(), "ballots.view")
    ballot = services.get_ballot(ballot_id)
    header, rows = result_rows(ballot, _final_result(ballot))
    return _csv_response(header, rows, f"scrutin-{ballot.id}-resultat.csv")


@bp.route(f"/scrutins/<{ID}:ballot_id>/votes-nominatifs.csv")
@login_required
def named_votes_csv(ballot_id: int):
    policy.require(_member(), "ballots.view")
    ballot = services.get_ballot(ballot_id)
    votes = services.named_votes(ballot)  # refuses a secret ballot
    _final_result(ballot)  # and an open one: votes are exported once final
    rows = [[v.receipt, v.voter.full_name if v.voter else "", v.proxy_for.full_name if v.proxy_for else "",
             describe_vote(ballot, json.loads(v.content)), v.content] for v in votes]
    return _csv_response([_("Receipt"), _("Voter"), _("On behalf of"), _("Vote"), _("Vote (JSON)")], rows,
                         f"scrutin-{ballot.id}-votes-nominatifs.csv")


def box_document(ballot: Ballot) -> dict:
    """The anonymous ballot box with what a re-tally needs (options, seats, fingerprint)."""
    votes = services.ballot_box(ballot)  # refuses before publication
    return {"ballot_id": ballot.id, "title": ballot.title, "method": ballot.method, "seats": ballot.seats,
            "options": [{"id": o.id, "position": o.position, "label": o.label} for o in ballot.options],
            "result_fingerprint": ballot.result_fingerprint, "votes": votes}


@bp.route(f"/scrutins/<{ID}:ballot_id>/urne.json")
@login_required
def box_json(ballot_id: int):
    policy.require(_member(), "ballots.view")
    document = box_document(services.get_ballot(ballot_id))
    return current_app.response_class(
        json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="scrutin-{ballot_id}-urne.json"'})


@bp.route(f"/scrutins/<{ID}:ballot_id>/urne.csv")
@login_required
def box_csv(ballot_id: int):
    policy.require(_member(), "ballots.view")
    ballot = services.get_ballot(ballot_id)
    rows = [[row["receipt"], json.dumps(row["vote"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)]
            for row in services.ballot_box(ballot)]
    return _csv_response(["receipt", "vote"], rows, f"scrutin-{ballot.id}-urne.csv")


# --- proxies ---------------------------------------------------------------------------------------


def _proxy_form(formdata=None) -> ProxyForm:
    form = ProxyForm() if formdata is None else ProxyForm(formdata=formdata)
    form.level.choices = [(level.code, governance.level_label(level)) for level in governance.levels()]
    today = local_today()
    everyone = select(Member).options(selectinload(Member.status_changes)).order_by(Member.full_name, Member.id)
    active = [m for m in db.session.scalars(everyone)
              if (status := m.status_on(today)) is not None and status.is_active]
    form.grantor_id.choices = [("", "—")] + [(str(m.id), m.full_name) for m in active]
    form.holder_id.choices = [("", _("Nobody named (blank proxy)"))] + [(str(m.id), m.full_name) for m in active]
    return form


def _member_field(raw: str, name: str, *, required: bool) -> Member | None:
    if not raw:
        if required:
            raise InvalidInput(_("Choose a member."), fields={name: [_("Choose a member.")]})
        return None
    if not raw.isdigit():
        raise InvalidInput(_("Unknown member."), fields={name: [_("Unknown member.")]})
    found = db.session.get(Member, int(raw))
    if found is None:
        raise InvalidInput(_("Unknown member."), fields={name: [_("Unknown member.")]})
    return found


@bp.route("/scrutins/pouvoirs", methods=["GET", "POST"])
@login_required
def proxies():
    member = _member()
    policy.require(member, "ballots.manage")
    form = _proxy_form()
    if request.method == "GET":
        form.context.data = request.args.get("contexte", "")
        form.level.data = form.level.data or "general_assembly"
        form.day.data = local_today()
    status = 200
    if form.validate_on_submit():
        try:
            services.grant_proxy(
                context=form.context.data.strip(), level=governance.level_by_code(form.level.data),
                day=form.day.data, grantor=_member_field(form.grantor_id.data, "grantor_id", required=True),
                holder=_member_field(form.holder_id.data, "holder_id", required=False),
                document=form.document.data or "", recorded_by=member)
        except DomainError as error:
            db.session.rollback()
            if isinstance(error, InvalidInput):
                show_errors(form, error)
            else:
                flash(error.message, "error")
            status = error.status_code
        else:
            flash(_("Proxy recorded."), "success")
            return redirect(url_for("votes.proxies", contexte=form.context.data.strip()))
    elif form.errors:
        status = 422
    context = (form.context.data or "").strip()
    recorded = db.session.scalars(select(Proxy).where(Proxy.context == context).order_by(Proxy.id)).all() \
        if context else []
    return render_template("votes/proxies.html", form=form, context=context, recorded=recorded), status

