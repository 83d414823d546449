"""Operations of the general assembly: profile, preparation, convocation, holding it.

They check the policy, validate, change state and flush; the request commits. They take
``now`` so tests never depend on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import policy
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.governance import services as governance
from app.governance.models import AssemblyKind, LevelCode, MajorityBase, Method, Secrecy
from app.meetings.assembly import rules
from app.meetings.assembly.models import (
    Assembly,
    AssemblyRule,
    AssemblyScope,
    ConvocationConsent,
    LegalForm,
    LegalProfile,
    Proposer,
    RemoteIncident,
    Resolution,
)
from app.meetings.models import Attendance, CheckinMode, Meeting, MeetingKind
from app.meetings.services.common import get_active_member
from app.meetings.services.planning import create_meeting
from app.members.models import Member
from app.notifications.mail import send_email
from app.notifications.services import in_language_of
from app.timeutil import local_zone, utcnow
from app.votes import services as votes
from app.votes.models import BallotState, Participation, Proxy, SubjectKind

TEXT_MAX = 20_000


# --- legal profile ----------------------------------------------------------------------


def profile() -> LegalProfile:
    """The one legal profile, created with the model statutes' values the first time."""
    row = db.session.scalar(select(LegalProfile).order_by(LegalProfile.id).limit(1))
    if row is None:
        row = LegalProfile(name="", legal_form=LegalForm.SCOP_SARL.value, registered_office="",
                           registration_number="", remote_counts_as_present=True)
        _set_rules(row, rules.DEFAULTS[row.legal_form])
        db.session.add(row)
        db.session.flush()
    return row


def _set_rules(row: LegalProfile, values: dict) -> None:
    existing = {(r.assembly_kind, r.convocation): r for r in row.rules}
    for (kind, convocation), rule in values.items():
        target = existing.get((kind, convocation))
        if target is None:
            target = AssemblyRule(assembly_kind=kind, convocation=convocation)
            row.rules.append(target)
        target.quorum_num, target.quorum_den = ((rule.quorum.numerator, rule.quorum.denominator)
                                                if rule.quorum else (None, None))
        target.majority_num, target.majority_den = rule.majority.numerator, rule.majority.denominator
        target.majority_strict, target.majority_base = rule.strict, rule.base


def rule_of(row: LegalProfile, kind: str, convocation: int) -> rules.Rule:
    r = row.rule(kind, convocation)
    return rules.Rule(r.quorum, r.majority, r.majority_strict, r.majority_base)


def update_profile(actor: Member, *, name: str, legal_form: str, registered_office: str = "",
                   registration_number: str = "", remote_counts_as_present: bool = True,
                   assembly_rules: dict | None = None) -> LegalProfile:
    """Edit the profile. `assembly_rules` maps (kind, convocation) to a rules.Rule; a change of
    legal form without rules resets them to that form's defaults. Nothing crosses a legal floor."""
    policy.require(actor, "assembly.profile")
    row = profile()
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors["name"] = [_("A name of 1 to 200 characters is required.")]
    if legal_form not in {f.value for f in LegalForm}:
        errors["legal_form"] = [_("SCOP SARL or SCOP SA.")]
    for field, value, maximum in (("registered_office", registered_office, 300),
                                  ("registration_number", registration_number, 100)):
        if len((value or "").strip()) > maximum:
            errors[field] = [_("At most %(n)d characters.", n=maximum)]
    if errors:
        raise InvalidInput(_("The legal profile was not changed."), fields=errors)
    if assembly_rules is None:
        values = (rules.DEFAULTS[legal_form] if legal_form != row.legal_form
                  else {key: rule_of(row, *key) for key in rules.DEFAULTS[legal_form]})
    else:
        values = {key: rule_of(row, *key) for key in rules.DEFAULTS[legal_form]} | dict(assembly_rules)
    for (kind, convocation), rule in values.items():
        key = f"{kind}_{convocation}"
        if (kind, convocation) not in rules.DEFAULTS[legal_form] or not isinstance(rule, rules.Rule):
            errors[key] = [_("Unknown assembly or convocation.")]
            continue
        if rule.base not in rules.BASE_RANK:
            errors[key] = [_("Unknown majority base.")]
            continue
        if not (isinstance(rule.majority, Fraction) and 0 < rule.majority <= 1) or (
                rule.quorum is not None and not (isinstance(rule.quorum, Fraction) and 0 < rule.quorum <= 1)):
            errors[key] = [_("Fractions greater than 0 and at most 1.")]
            continue
        if rule.strict and rule.majority == 1:
            errors[key] = [_("«More than all votes» cannot be reached: use unanimity (at least 1).")]
            continue
        breaches = rules.floor_breaches(legal_form, kind, convocation, rule)
        if breaches:
            floor = rules.FLOORS[legal_form][(kind, convocation)]
            errors[key] = [_("Below the legal floor (%(article)s Code de commerce): quorum at least %(quorum)s, "
                             "majority at least %(majority)s of %(base)s.",
                             article=rules.ARTICLES[(legal_form, kind)],
                             quorum=str(floor.quorum) if floor.quorum else _("none"),
                             majority=("more than " if floor.strict else "") + str(floor.majority),
                             base=base_label(floor.base))]
    if errors:
        raise InvalidInput(_("The legal profile was not changed: a rule is below the law's floor."),
                           fields=errors)
    row.name, row.legal_form = name, legal_form
    row.registered_office, row.registration_number = registered_office.strip(), registration_number.strip()
    row.remote_counts_as_present = bool(remote_counts_as_present)
    _set_rules(row, values)
    db.session.flush()
    return row


def base_label(base: str) -> str:
    return {MajorityBase.VOTES_CAST: _("the votes cast"),
            MajorityBase.PRESENT_OR_REPRESENTED: _("the votes of associates present or represented"),
            MajorityBase.WHOLE_ELECTORATE: _("all associates")}[MajorityBase(base)]


# --- preparing an assembly --------------------------------------------------------------


def get_assembly(meeting_id) -> Assembly:
    row = db.session.scalar(select(Assembly).where(Assembly.meeting_id == meeting_id))
    if row is None:
        raise NotFound(_("No such general assembly."))
    return row


def create_assembly(actor: Member, *, title: str, starts_at: datetime, ends_at: datetime, place: str = "",
                    remote_link: str = "", scope: str = AssemblyScope.ORDINARY, convocation: int = 1,
                    first_meeting: Meeting | None = None, facilitator_ids=()) -> Assembly:
    policy.require(actor, "assembly.manage")
    errors: dict[str, list[str]] = {}
    if scope not in {s.value for s in AssemblyScope}:
        errors["scope"] = [_("Ordinary, extraordinary, or both.")]
    if convocation not in (1, 2) or isinstance(convocation, bool):
        errors["convocation"] = [_("First or second convocation.")]
    elif convocation == 2 and first_meeting is None:
        errors["convocation"] = [_("A second convocation follows a first one that lacked quorum.")]
    if errors:
        raise InvalidInput(_("The general assembly could not be planned."), fields=errors)
    meeting = create_meeting(kind=MeetingKind.GENERAL_ASSEMBLY, title=title, starts_at=starts_at, ends_at=ends_at,
                             place=place, remote_link=remote_link, facilitator_ids=list(facilitator_ids) or [actor.id],
                             created_by=actor, assembly=True)
    assembly = Assembly(meeting=meeting, scope=str(scope), convocation=convocation,
                        first_meeting_id=first_meeting.id if first_meeting else None,
                        chair_capacity="", documents="", debates_summary="")
    db.session.add(assembly)
    db.session.flush()
    return assembly


def kinds_of(assembly: Assembly) -> list[str]:
    if assembly.scope == AssemblyScope.BOTH:
        return [AssemblyKind.ORDINARY.value, AssemblyKind.EXTRAORDINARY.value]
    return [assembly.scope]


def add_resolution(assembly: Assembly, actor: Member, *, title: str, text: str, kind: str,
                   proposer: str = Proposer.GERANCE, gerance_supports: bool | None = None, secret: bool = False,
                   now: datetime | None = None) -> Resolution:
    now = now or utcnow()
    policy.require(actor, "assembly.manage", assembly)
    errors: dict[str, list[str]] = {}
    title, text = (title or "").strip(), (text or "").strip()
    if not title or len(title) > 200:
        errors["title"] = [_("A title of 1 to 200 characters is required.")]
    if not text or len(text) > TEXT_MAX:
        errors["text"] = [_("The resolution's text is required (at most %(n)d characters).", n=TEXT_MAX)]
    if kind not in kinds_of(assembly):
        errors["kind"] = [_("This assembly is %(scope)s: the resolution must be of its kind.",
                            scope=scope_label(assembly.scope))]
    if proposer not in {p.value for p in Proposer}:
        errors["proposer"] = [_("The gérance or associates.")]
    if errors:
        raise InvalidInput(_("The resolution was not added."), fields=errors)
    if assembly.closed_at is not None or any(r.ballot_id for r in assembly.resolutions):
        raise Conflict(_("Voting has begun: the agenda can no longer change."))
    if assembly.convocation_date is not None:
        # Once convened, only associates may add resolutions, until 5 days before (model statutes).
        days_left = (_local_day(assembly.meeting.starts_at) - _local_day(now)).days
        if proposer != Proposer.ASSOCIATES or days_left < rules.ADD_RESOLUTION_DAYS:
            raise Conflict(_("The assembly is convened: only associates may still add a resolution, until "
                             "%(n)d days before the meeting (model statutes).", n=rules.ADD_RESOLUTION_DAYS))
    number = (db.session.scalar(select(func.max(Resolution.number)).where(Resolution.assembly_id == assembly.id))
              or 0) + 1
    supports = (proposer == Proposer.GERANCE) if gerance_supports is None else bool(gerance_supports)
    resolution = Resolution(assembly=assembly, number=number, title=title, text=text, kind=kind,
                            proposer=proposer, gerance_supports=supports, secret=bool(secret))
    db.session.add(resolution)
    db.session.flush()
    return resolution


def scope_label(scope: str) -> str:
    return {"ordinary": _("ordinary"), "extraordinary": _("extraordinary"),
            "both": _("ordinary and extraordinary")}[scope]


def _local_day(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def electorate_day(assembly: Assembly, now: datetime | None = None) -> date:
    return assembly.convocation_date or _local_day(now or utcnow())


def electorate(assembly: Assembly, now: datetime | None = None) -> list[Member]:
    """The associates on the convocation date (loi 78-763 art. 12, 14), from the status history."""
    level = governance.level_by_code(LevelCode.GENERAL_ASSEMBLY)
    return governance.electorate_on(level, electorate_day(assembly, now))


# --- convocation ---------------------------------------------------------------------


def record_consent(member: Member, actor: Member, *, given_on: date, document: str = "") -> ConvocationConsent:
    """An associate's prior written agreement to electronic convocation (R223-20)."""
    policy.require(actor, "assembly.manage")
    if not isinstance(given_on, date):
        raise InvalidInput(_("The date the consent was given is required."), fields={"given_on": [_("A date.")]})
    row = db.session.scalar(select(ConvocationConsent).where(ConvocationConsent.member_id == member.id))
    if row is None:
        row = ConvocationConsent(member_id=member.id, given_on=given_on)
        db.session.add(row)
    row.given_on, row.withdrawn_on, row.document = given_on, None, (document or "").strip()
    row.recorded_by_id = actor.id
    db.session.flush()
    return row


def withdraw_consent(member: Member, actor: Member, *, on: date) -> ConvocationConsent:
    policy.require(actor, "assembly.manage")
    row = db.session.scalar(select(ConvocationConsent).where(ConvocationConsent.member_id == member.id))
    if row is None or row.withdrawn_on is not None:
        raise Conflict(_("%(name)s has not consented to electronic convocation.", name=member.full_name))
    if on < row.given_on:
        raise InvalidInput(_("A consent is withdrawn after it was given."), fields={"on": [_("Too early.")]})
    row.withdrawn_on = on
    db.session.flush()
    return row


def consents_electronically(member: Member, day: date) -> bool:
    row = db.session.scalar(select(ConvocationConsent).where(ConvocationConsent.member_id == member.id))
    return row is not None and row.is_valid_on(day)


@dataclass(frozen=True)
class ConvocationOutcome:
    emailed: list[Member]
    by_letter: list[Member]


def earliest_meeting_day(today: date) -> date:
    return today + timedelta(days=rules.CONVOCATION_DAYS)


def convene(assembly: Assembly, actor: Member, *, now: datetime | None = None) -> ConvocationOutcome:
    """Send the convocation: e-mail to consenting associates, letters (PDF) for the others."""
    now = now or utcnow()
    policy.require(actor, "assembly.manage", assembly)
    meeting = assembly.meeting
    today, day = _local_day(now), _local_day(meeting.starts_at)
    if (day - today).days < rules.CONVOCATION_DAYS:
        raise Conflict(_("Too late to convene: the convocation must be sent at least %(n)d days before the meeting "
                         "(R223-20 Code de commerce). Sent today, it convenes a meeting on %(date)s at the earliest.",
                         n=rules.CONVOCATION_DAYS, date=format_date(earliest_meeting_day(today), "long")))
    if not assembly.resolutions:
        raise Conflict(_("Add the resolutions first: the convocation states the agenda."))
    if any(r.ballot_id for r in assembly.resolutions):
        raise Conflict(_("Voting has begun: the assembly can no longer be convened again."))
    assembly.convocation_date = today
    meeting.convened_at, meeting.convocation_count = now, (meeting.convocation_count or 0) + 1
    emailed, letters = [], []
    rows = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    existing = {a.member_id: a for a in rows}
    for member in electorate(assembly):
        row = existing.get(member.id) or Attendance(meeting_id=meeting.id, member_id=member.id)
        row.convoked, row.convoked_at = True, now
        db.session.add(row)
        if consents_electronically(member, today):
            with in_language_of(member):
                send_email(member.email, _("Convocation: %(title)s", title=meeting.title),
                           convocation_text(assembly, member))
            emailed.append(member)
        else:
            letters.append(member)
    db.session.flush()
    return ConvocationOutcome(emailed, letters)


def convocation_text(assembly: Assembly, member: Member | None = None) -> str:
    meeting = assembly.meeting
    row = profile()
    starts = meeting.starts_at.astimezone(local_zone())
    lines = [
        _("%(name)s, %(form)s", name=row.name or "—", form=legal_form_label(row.legal_form)),
        "",
        _("Dear %(name)s,", name=member.full_name) if member else "",
        _("You are convened to the %(scope)s general assembly (%(n)s convocation) on %(date)s at %(place)s.",
          scope=scope_label(assembly.scope), n=convocation_label(assembly.convocation),
          date=format_date(starts.date(), "full") + " " + starts.strftime("%H:%M"), place=meeting.place or "—"),
        "",
        _("Agenda"),
    ]
    for r in assembly.resolutions:
        lines.append(_("Resolution %(n)d (%(kind)s): %(title)s", n=r.number, kind=kind_label(r.kind), title=r.title))
    lines += ["", _("Text of the resolutions"), ""]
    for r in assembly.resolutions:
        lines += [_("Resolution %(n)d: %(title)s", n=r.number, title=r.title), r.text, ""]
    lines.append(_("If you cannot attend, you may give a proxy to another associate."))
    return "\n".join(lines)


def legal_form_label(form: str) -> str:
    return {"scop_sarl": "SCOP SARL", "scop_sa": "SCOP SA"}[form]


def convocation_label(n: int) -> str:
    return _("first") if n == 1 else _("second")


def kind_label(kind: str) -> str:
    return {"ordinary": _("ordinary"), "extraordinary": _("extraordinary")}[kind]


# --- proxies, attendance, quorum -------------------------------------------------------------


def grant_proxy(assembly: Assembly, actor: Member, *, grantor: Member, holder: Member | None,
                document: str = "", now: datetime | None = None) -> Proxy:
    """A pouvoir for every resolution of the sitting: to another associate, within the cap."""
    policy.require(actor, "assembly.manage", assembly)
    level = governance.level_by_code(LevelCode.GENERAL_ASSEMBLY)
    return votes.grant_proxy(context=assembly.meeting.context, level=level, day=electorate_day(assembly, now),
                             grantor=grantor, holder=holder, document=document, recorded_by=actor)


@dataclass(frozen=True)
class Quorum:
    kind: str
    convocation: int
    electorate: int
    present: int
    remote: int
    represented: int
    blank_proxies: int
    required: int | None  # None: no quorum on this convocation
    quorum: Fraction | None

    @property
    def present_or_represented(self) -> int:
        return self.present + self.remote + self.represented

    @property
    def reached(self) -> bool:
        return self.required is None or self.present_or_represented >= self.required


def attendance_lines(assembly: Assembly, now: datetime | None = None) -> list[tuple[Member, str]]:
    """Each associate of the electorate with present / remote / represented / absent."""
    meeting = assembly.meeting
    voters = electorate(assembly, now)
    rows = {a.member_id: a for a in db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))}
    in_room = {mid for mid, a in rows.items() if a.checked_in_at is not None}
    remote_ok = profile().remote_counts_as_present
    proxies = {p.grantor_id: p for p in db.session.scalars(select(Proxy).where(Proxy.context == meeting.context))}
    lines = []
    for member in voters:
        row = rows.get(member.id)
        if member.id in in_room:
            state = "remote" if row.checkin_mode == CheckinMode.REMOTE else "present"
            if state == "remote" and not remote_ok:
                state = "absent"
        elif member.id in proxies and (proxies[member.id].holder_id is None or proxies[member.id].holder_id in in_room):
            state = "represented"  # a named proxy counts only when its holder is there
        else:
            state = "absent"
        lines.append((member, state))
    return lines


def quorum(assembly: Assembly, kind: str, now: datetime | None = None) -> Quorum:
    lines = attendance_lines(assembly, now)
    rule = rule_of(profile(), kind, assembly.convocation)
    total = len(lines)
    required = None if rule.quorum is None else -(-rule.quorum.numerator * total // rule.quorum.denominator)
    count = lambda s: sum(1 for _m, state in lines if state == s)  # noqa: E731
    blank = db.session.scalar(select(func.count()).select_from(Proxy).where(
        Proxy.context == assembly.meeting.context, Proxy.holder_id.is_(None))) or 0
    return Quorum(kind=kind, convocation=assembly.convocation, electorate=total, present=count("present"),
                  remote=count("remote"), represented=count("represented"), blank_proxies=blank,
                  required=required, quorum=rule.quorum)


def set_bureau(assembly: Assembly, actor: Member, *, chair_id, chair_capacity: str, secretary_id=None,
               scrutineer_ids=()) -> Assembly:
    policy.require(actor, "assembly.manage", assembly)
    errors: dict[str, list[str]] = {}
    capacity = (chair_capacity or "").strip()
    if not capacity or len(capacity) > 200:
        errors["chair_capacity"] = [_("State the chair's capacity (e.g. co-manager).")]
    ids = list(scrutineer_ids or [])
    if len(ids) > 2:
        errors["scrutineers"] = [_("At most two scrutineers.")]
    people = {}
    for field, value in (("chair", chair_id), ("secretary", secretary_id), *[("scrutineers", i) for i in ids]):
        if value:
            try:
                people.setdefault(field, []).append(get_active_member(value, field))
            except InvalidInput as error:
                errors.update(error.fields)
    if not chair_id:
        errors["chair"] = [_("Name the chair.")]
    if errors:
        raise InvalidInput(_("The bureau was not recorded."), fields=errors)
    assembly.chair, assembly.chair_capacity = people["chair"][0], capacity
    assembly.secretary = people.get("secretary", [None])[0]
    scrutineers = people.get("scrutineers", []) + [None, None]
    assembly.scrutineer1, assembly.scrutineer2 = scrutineers[0], scrutineers[1]
    db.session.flush()
    return assembly


def record_incident(assembly: Assembly, actor: Member, description: str, *, now: datetime | None = None):
    policy.require(actor, "assembly.manage", assembly)
    description = (description or "").strip()
    if not description or len(description) > 2000:
        raise InvalidInput(_("Describe the incident (at most 2000 characters)."),
                           fields={"description": [_("Required.")]})
    incident = RemoteIncident(assembly=assembly, occurred_at=now or utcnow(), description=description,
                              recorded_by_id=actor.id)
    db.session.add(incident)
    db.session.flush()
    return incident


def save_summary(assembly: Assembly, actor: Member, *, debates_summary: str, documents: str = "") -> Assembly:
    policy.require(actor, "assembly.manage", assembly)
    if len(debates_summary or "") > TEXT_MAX or len(documents or "") > TEXT_MAX:
        raise InvalidInput(_("At most %(n)d characters.", n=TEXT_MAX), fields={"debates_summary": [_("Too long.")]})
    if assembly.closed_at is not None:
        raise Conflict(_("The assembly is closed: its record is what the minutes say."))
    assembly.debates_summary, assembly.documents = (debates_summary or "").strip(), (documents or "").strip()
    db.session.flush()
    return assembly


# --- voting resolutions ---------------------------------------------------------------


def open_resolution(resolution: Resolution, actor: Member, *, now: datetime | None = None):
    """Put one resolution to the vote, with its kind's majority; refused before quorum."""
    now = now or utcnow()
    assembly = resolution.assembly
    policy.require(actor, "assembly.manage", assembly)
    if assembly.convocation_date is None:
        raise Conflict(_("The assembly has not been convened."))
    if assembly.closed_at is not None:
        raise Conflict(_("The assembly is closed."))
    if resolution.ballot_id is not None:
        raise Conflict(_("Resolution %(n)d has already been put to the vote.", n=resolution.number))
    state = quorum(assembly, resolution.kind, now)
    if not state.reached:
        raise Conflict(_("Quorum not reached for the %(kind)s assembly: %(have)d associates present or represented "
                         "of %(total)d, %(need)d required. The resolution cannot be put to the vote.",
                         kind=kind_label(resolution.kind), have=state.present_or_represented, total=state.electorate,
                         need=state.required))
    rule = rule_of(profile(), resolution.kind, assembly.convocation)
    ballot = votes.create_ballot(
        title=_("Resolution %(n)d: %(title)s", n=resolution.number, title=resolution.title)[:300],
        level=governance.level_by_code(LevelCode.GENERAL_ASSEMBLY), subject_kind=SubjectKind.RESOLUTION,
        subject_id=resolution.id, question=resolution.text, method=Method.YES_NO,
        secrecy=Secrecy.SECRET if resolution.secret else Secrecy.NAMED, context=assembly.meeting.context,
        majority=rule.majority, majority_strict=rule.strict, majority_base=rule.base, quorum=rule.quorum,
        created_by=actor)
    votes.open_ballot(ballot, by=actor, now=now, electorate=electorate(assembly, now))
    resolution.ballot = ballot
    db.session.flush()
    return ballot


def close_resolution(resolution: Resolution, actor: Member, *, now: datetime | None = None) -> dict:
    """Cast the blank proxies as the model statutes say, then close and tally."""
    now = now or utcnow()
    assembly = resolution.assembly
    policy.require(actor, "assembly.manage", assembly)
    if resolution.ballot is None:
        raise Conflict(_("Resolution %(n)d has not been put to the vote.", n=resolution.number))
    ballot = resolution.ballot
    voted = set(db.session.scalars(select(Participation.elector_id).where(Participation.ballot_id == ballot.id)))
    blank = db.session.scalars(select(Proxy).where(Proxy.context == assembly.meeting.context,
                                                   Proxy.holder_id.is_(None)).order_by(Proxy.id))
    choice = {"choice": "for" if resolution.gerance_supports else "against"}
    for proxy in blank:
        if proxy.grantor_id not in voted and votes.is_elector(ballot, proxy.grantor):
            votes.cast_vote(ballot, actor, choice, f"blank-proxy-ballot-{ballot.id}-grantor-{proxy.grantor_id}",
                            on_behalf_of=proxy.grantor, now=now, blank_proxy=True)
    state = quorum(assembly, resolution.kind, now)
    count = votes.turnout(ballot)
    present = min(max(state.present_or_represented, count.voted), count.electorate)
    return votes.close_ballot(ballot, by=actor, now=now, present_or_represented=present)


def second_convocation(assembly: Assembly, actor: Member, *, starts_at: datetime, ends_at: datetime,
                       now: datetime | None = None) -> Assembly:
    """A new sitting on second convocation for what the first could not decide: resolutions of a
    kind without quorum, and those rejected for want of a majority of all associates (L223-29)."""
    policy.require(actor, "assembly.manage", assembly)
    if assembly.convocation != 1:
        raise Conflict(_("Only a first convocation leads to a second one."))
    row = profile()
    lacking = {kind for kind in kinds_of(assembly) if not quorum(assembly, kind, now).reached}
    carried = []
    for r in assembly.resolutions:
        if r.ballot_id is None and r.kind in lacking:
            carried.append(r)
        elif (r.ballot is not None and r.ballot.result_json and not votes.stored_result(r.ballot).get("adopted")
              and rule_of(row, r.kind, 1).base == MajorityBase.WHOLE_ELECTORATE):
            carried.append(r)
    if not carried:
        raise Conflict(_("Quorum is reached and no resolution lacked the majority of all associates: "
                         "the assembly deliberates on first convocation."))
    meeting = assembly.meeting
    second = create_assembly(actor, title=meeting.title + " — " + _("second convocation"), starts_at=starts_at,
                             ends_at=ends_at, place=meeting.place, remote_link=meeting.remote_link,
                             scope=assembly.scope, convocation=2, first_meeting=meeting,
                             facilitator_ids=[f.id for f in meeting.facilitators])
    for number, r in enumerate(carried, start=1):
        second.resolutions.append(Resolution(number=number, title=r.title, text=r.text, kind=r.kind,
                                             proposer=r.proposer, gerance_supports=r.gerance_supports,
                                             secret=r.secret))
    db.session.flush()
    return second


def close_assembly(assembly: Assembly, actor: Member, *, now: datetime | None = None) -> Assembly:
    policy.require(actor, "assembly.manage", assembly)
    if assembly.closed_at is not None:
        raise Conflict(_("The assembly is already closed."))
    if any(r.ballot is not None and r.ballot.state == BallotState.OPEN for r in assembly.resolutions):
        raise Conflict(_("A resolution is still being voted: close its vote first."))
    assembly.closed_at = now or utcnow()
    db.session.flush()
    return assembly


def electorate_on_day(day: date) -> list[Member]:
    """The associates on a date, before any assembly exists (scripts, forms)."""
    return governance.electorate_on(governance.level_by_code(LevelCode.GENERAL_ASSEMBLY), day)
