"""Who may do what, route by route: the one table the authorisation matrix checks.

One line per (endpoint, HTTP method) of ``app.url_map`` — pages and the /api/v1 resources —
and one line per Socket.IO event handler of every namespace, with the expected answer for
each role of the cooperative:

    anon      nobody signed in
    cape      an entrepreneur in the trial contract (CAPE)
    es        a salaried entrepreneur (ES)
    esa       an associate (ESA)
    cogerant  a co-manager (co-gérant), also an associate
    admin     the administrator (responsable administration-gestion), also an associate
    wg_b      the facilitator of workgroup B, facing workgroup A's pages
    former    a former member, still on workgroup A's roster, with the session opened before leaving

None of these roles owns the world's objects (tests/security/conftest.py): the proposal, the
comment, the amendment, the notes, the notice and the API token all belong to other members,
so every answer here is what a member gets from their status and roles alone.

Tokens of the HTTP table:
    ok         2xx, or a redirect elsewhere than the sign-in page (done, or a form shown again)
    login      redirect to the sign-in page (pages) or 401 (API)
    flash      redirect back with an error message (a button refused; nothing changed)
    403 404 …  that status code (400/409/422: allowed, but the request or the state is refused)
Tokens of the Socket.IO table:
    refused    the connection itself is refused (anonymous, former member; any cookie on /projector)
    ok         acknowledged {"ok": true}
    forbidden, 404, invalid, conflict …   the acknowledgement's error code

A refusal (login, flash, 403, 404) must also leave every table of the database unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ROLES = ("anon", "cape", "es", "esa", "cogerant", "admin", "wg_b", "former")
DENIALS = {"login", "flash", "403", "404"}
EVENT_DENIALS = {"refused", "forbidden", "404", "login"}
PROJECTOR = "/projector"
EVENT_CODES = {"forbidden": "forbidden", "not_found": "404", "invalid_input": "invalid", "unauthenticated": "login"}

# --- URL parameters: by argument name, then per endpoint ----------------------------------------

# Which world object fills each URL argument; workgroup pages face group A, the one wg_b is not in.
PARAMS: dict[str, Callable[[Any], Any]] = {
    "proposal_id": lambda w: w.proposal,
    "comment_id": lambda w: w.comment,
    "amendment_id": lambda w: w.amendment,
    "record_id": lambda w: w.record,
    "ballot_id": lambda w: w.ballot,
    "workgroup_id": lambda w: w.group_a,
    "message_id": lambda w: w.message,
    "report_id": lambda w: w.report,
    "old": lambda w: w.notes_old,
    "new": lambda w: w.notes_new,
    "meeting_id": lambda w: w.meeting,
    "item_id": lambda w: w.item,
    "document_id": lambda w: w.document,
    "resolution_id": lambda w: w.resolution,
    "member_id": lambda w: w.subject,
    "notice_id": lambda w: w.notice,
    "token_id": lambda w: w.token,
    "number": lambda w: w.revision,
    # A generated document's RQ job: the world queues none (no Redis), so this one is nobody's.
    "job_id": lambda w: "0123456789abcdef0123456789abcdef",
}

# Endpoints whose arguments mean something else than their name says elsewhere.
ENDPOINT_PARAMS: dict[str, Callable[[Any], dict]] = {
    "static": lambda w: {"filename": "img/facettes.svg"},
    "members.accept_invitation": lambda w: {"token": w.tokens["invitation"]},
    "members.reset_password": lambda w: {"token": w.tokens["reset"]},
    "meetings.projector": lambda w: {"meeting_id": w.meeting, "token": w.tokens["projector"]},
    "meetings.projector_fragment": lambda w: {"meeting_id": w.meeting, "token": w.tokens["projector"]},
    "meetings.reply_link": lambda w: {"meeting_id": w.meeting, "token": w.tokens["reply"]},
    "meetings.console_action": lambda w: {"meeting_id": w.meeting, "action_name": "pause"},
    "workgroups_api.WorkgroupMember": lambda w: {"workgroup_id": w.group_a, "member_id": w.member_a},
    "assembly.csv_export": lambda w: {"meeting_id": w.assembly, "what": "presence"},
    "assembly.minutes_draft": lambda w: {"meeting_id": w.assembly, "fmt": "md"},
    "assembly.resolution_vote": lambda w: {"meeting_id": w.assembly, "resolution_id": w.resolution,
                                           "action": "ouvrir"},
    # No procès-verbal is final in the world: the register's entry 1 does not exist, for anybody.
    "assembly.register_entry": lambda w: {"number": 1},
    "assembly.register_export": lambda w: {"number": 1, "fmt": "md"},
    "assembly.rectify": lambda w: {"number": 1},
}
# Every assembly page takes the assembly's meeting, not the seminar.
ASSEMBLY_BLUEPRINT = "assembly."

# --- request bodies: valid where it matters, so that a refusal is the policy's and not the form's ---

def _checkin_code(world) -> str:
    # The projector's code changes every few minutes: read it when the request is sent.
    from app.meetings import services

    return services.shown_code(services.get_meeting(world.meeting)).code


def _today() -> str:
    from app.timeutil import local_today

    return local_today().isoformat()


FORMS: dict[tuple[str, str], Callable[[Any], dict]] = {
    ("workgroups.invite", "POST"): lambda w: {"member_id": w.member_b},
    ("workgroups.remove", "POST"): lambda w: {"member_id": w.member_a},
    ("workgroups.message", "POST"): lambda w: {"body": "Un message"},
    ("workgroups.save_notes", "POST"): lambda w: {"body": "Notes réécrites", "base_revision": w.notes_new},
    ("workgroups.report", "POST"): lambda w: {"recommendation": "reject", "body": "Un autre rapport"},
    ("workgroups.meeting", "POST"): lambda w: {"held_on": _today(), "attendees": w.member_a},
    ("workgroups.draft_proposal", "POST"): lambda w: {"title": "Un brouillon du groupe", "body": "Texte",
                                                      "matter_id": w.matter},
    ("workgroups.send_proposal", "POST"): lambda w: {"workgroup_id": w.group_a, "reason": "À préparer"},
    ("meetings.add_item", "POST"): lambda w: {"kind": "topic", "title": "Un nouveau point"},
    ("meetings.add_document", "POST"): lambda w: {"doc_title": "Annexe", "doc_url": "https://example.org/a.pdf"},
    ("meetings.save_notes", "POST"): lambda w: {"item_id": w.item, "notes": "Les notes du point"},
    ("meetings.hand", "POST"): lambda w: {"stance": "for"},
    ("meetings.checkin", "POST"): lambda w: {"code": _checkin_code(w), "mode": "on_site"},
    ("meetings.mark_present", "POST"): lambda w: {"member_id": w.gerant, "mode": "on_site"},
    ("deliberation.add_comment", "POST"): lambda w: {"body": "Mon avis", "stance": "for"},
}
JSON: dict[tuple[str, str], Callable[[Any], dict]] = {
    ("ballots_api.Ballots", "POST"): lambda w: {"title": "Un nouveau scrutin", "level": "seminar"},
    ("ballots_api.cancel_ballot", "POST"): lambda w: {"reason": "Ouvert par erreur"},
    ("deliberation_api.ProposalById", "PATCH"): lambda w: {"base_revision": w.revision, "title": "Titre changé"},
    ("deliberation_api.CommentById", "PATCH"): lambda w: {"body": "Avis changé"},
    ("deliberation_api.AmendmentById", "POST"): lambda w: {"action": "accept"},
    ("deliberation_api.Transitions", "POST"): lambda w: {"action": "withdraw", "reason": "Plus utile"},
    ("deliberation_api.Decision", "POST"): lambda w: {"outcome": "adopted", "source": "meeting:1",
                                                      "decided_on": _today()},
    ("workgroups_api.WorkgroupMembers", "POST"): lambda w: {"member_id": w.member_b},
    ("workgroups_api.WorkgroupMessages", "POST"): lambda w: {"body": "Un message"},
    ("workgroups_api.WorkgroupNotes", "PUT"): lambda w: {"body": "Notes réécrites", "base_revision": w.notes_new},
    ("workgroups_api.WorkgroupReports", "POST"): lambda w: {"recommendation": "reject", "body": "Un autre rapport"},
    ("workgroups_api.WorkgroupMeetings", "POST"): lambda w: {"held_on": _today(), "attendee_ids": [w.member_a]},
    ("workgroups_api.WorkgroupProposals", "POST"): lambda w: {"proposal_id": w.proposal},
    ("proxies_api.Proxies", "POST"): lambda w: {"context": "seminar-autumn", "level": "seminar",
                                                "grantor_id": w.member_a, "holder_id": w.member_b},
}


def default_params(endpoint: str, arguments, world) -> dict:
    if endpoint in ENDPOINT_PARAMS:
        return ENDPOINT_PARAMS[endpoint](world)
    values = {name: PARAMS[name](world) for name in arguments}
    if endpoint.startswith(ASSEMBLY_BLUEPRINT) and "meeting_id" in values:
        values["meeting_id"] = world.assembly
    return values


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    expected: dict[str, str]
    rule: Any = None  # the werkzeug Rule, attached by bind()

    def url(self, world) -> str:
        # The rule itself builds the path, so each row names exactly the rule it checks.
        _, path = self.rule.build(default_params(self.endpoint, self.rule.arguments, world), append_unknown=False)
        return path

    def request_kwargs(self, world) -> dict:
        key = (self.endpoint, self.method)
        if key in JSON:
            return {"json": JSON[key](world)}
        if key in FORMS:
            return {"data": FORMS[key](world)}
        if self.method in {"POST", "PUT", "PATCH"} and self.rule.rule.startswith("/api/"):
            return {"json": {}}
        return {}


@dataclass(frozen=True)
class EventRow:
    namespace: str
    event: str
    room: str | None  # join/state: the room kind the row is about
    expected: dict[str, str]
    payload: Callable[[Any], Any] = lambda w: None
    auth: Callable[[Any], Any] | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace} {self.event}" + (f" {self.room}" if self.room else "")


def parse(text: str) -> dict[tuple[str, str], dict[str, str]]:
    table: dict[tuple[str, str], dict[str, str]] = {}
    for line in text.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        endpoint, method, *tokens = line.split()
        if len(tokens) != len(ROLES):
            raise ValueError(f"{endpoint} {method}: {len(tokens)} answers for {len(ROLES)} roles")
        if (endpoint, method) in table:
            raise ValueError(f"{endpoint} {method} listed twice")
        table[(endpoint, method)] = dict(zip(ROLES, tokens, strict=True))
    return table


# --- the table ---------------------------------------------------------------------------------------

#  endpoint                               method  anon     cape     es       esa      cogerant admin    wg_b     former
HTTP = parse("""
home.home                                 GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.accept_amendment             POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.amendment_to_vote            POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.amendment_fragment           GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.decline_amendment            POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.withdraw_amendment           POST    login    flash    flash    flash    flash    flash    flash    login
api.index                                 GET     ok       ok       ok       ok       ok       ok       ok       ok
deliberation_api.AmendmentById            GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.AmendmentById            POST    login    403      403      403      403      403      403      login
ballots_api.Ballots                       GET     login    ok       ok       ok       ok       ok       ok       login
ballots_api.Ballots                       POST    login    403      403      403      ok       ok       403      login
ballots_api.BallotById                    GET     login    ok       ok       ok       ok       ok       ok       login
ballots_api.ballot_box                    GET     login    409      409      409      409      409      409      login
ballots_api.cancel_ballot                 POST    login    403      403      403      ok       ok       403      login
ballots_api.close_ballot                  POST    login    403      403      403      ok       ok       403      login
ballots_api.open_ballot                   POST    login    403      403      403      409      409      403      login
ballots_api.publish_ballot                POST    login    403      403      403      409      409      403      login
ballots_api.result                        GET     login    409      409      409      409      409      409      login
ballots_api.turnout                       GET     login    ok       ok       ok       ok       ok       ok       login
ballots_api.cast_vote                     POST    login    422      422      422      422      422      422      login
deliberation_api.CommentById              DELETE  login    403      403      403      403      403      403      login
deliberation_api.CommentById              GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.CommentById              PATCH   login    403      403      403      403      403      403      login
deliberation_api.CommentHistory           GET     login    ok       ok       ok       ok       ok       ok       login
api.csrf_token                            GET     login    ok       ok       ok       ok       ok       ok       login
api-docs.openapi_swagger_ui               GET     ok       ok       ok       ok       ok       ok       ok       ok
meetings_api.Meetings                     GET     login    ok       ok       ok       ok       ok       ok       login
meetings_api.MeetingById                  GET     login    ok       ok       ok       ok       ok       ok       login
meetings_api.MeetingCheckin               POST    login    422      422      422      422      422      422      login
meetings_api.MeetingHand                  DELETE  login    409      409      409      409      409      409      login
meetings_api.MeetingHand                  POST    login    422      422      422      422      422      422      login
meetings_api.MeetingReply                 PUT     login    422      422      422      422      422      422      login
meetings_api.MeetingState                 GET     login    ok       ok       ok       ok       ok       ok       login
meetings_api.MemberAttendance             GET     login    ok       ok       ok       ok       ok       ok       login
members_api.Members                       GET     login    ok       ok       ok       ok       ok       ok       login
members_api.MemberById                    GET     login    ok       ok       ok       ok       ok       ok       login
members_api.Me                            GET     login    ok       ok       ok       ok       ok       ok       login
members_api.Me                            PATCH   login    ok       ok       ok       ok       ok       ok       login
members_api.MyTokens                      GET     login    ok       ok       ok       ok       ok       ok       login
members_api.MyTokens                      POST    login    422      422      422      422      422      422      login
members_api.MyToken                       DELETE  login    404      404      404      404      404      404      login
api-docs.openapi_json                     GET     ok       ok       ok       ok       ok       ok       ok       ok
deliberation_api.Proposals                GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.Proposals                POST    login    422      422      422      422      422      422      login
deliberation_api.ProposalById             GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.ProposalById             PATCH   login    403      403      403      403      403      403      login
deliberation_api.Amendments               GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.Amendments               POST    login    422      422      422      422      422      422      login
deliberation_api.Comments                 GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.Comments                 POST    login    422      422      422      422      422      422      login
deliberation_api.Compare                  GET     login    422      422      422      422      422      422      login
deliberation_api.Decision                 POST    login    403      403      403      409      409      403      login
deliberation_api.EscalationRequests       DELETE  login    404      404      404      404      404      404      login
deliberation_api.EscalationRequests       GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.EscalationRequests       POST    login    ok       ok       ok       ok       ok       ok       login
deliberation_api.Revisions                GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.RevisionByNumber         GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.Schedule                 POST    login    422      422      422      422      422      422      login
deliberation_api.SenseChecks              DELETE  login    404      404      404      404      404      404      login
deliberation_api.SenseChecks              GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.SenseChecks              PUT     login    422      422      422      422      422      422      login
deliberation_api.Transitions              GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.Transitions              POST    login    403      403      403      403      403      403      login
proxies_api.Proxies                       GET     login    422      422      422      422      422      422      login
proxies_api.Proxies                       POST    login    403      403      403      ok       ok       403      login
deliberation_api.Register                 GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.RegisterEntry            GET     login    ok       ok       ok       ok       ok       ok       login
deliberation_api.RegisterEntry            PATCH   login    403      403      403      ok       ok       403      login
deliberation_api.Search                   GET     login    422      422      422      422      422      422      login
workgroups_api.Workgroups                 GET     login    ok       ok       ok       ok       ok       ok       login
workgroups_api.Workgroups                 POST    login    422      422      422      422      422      422      login
workgroups_api.WorkgroupById              GET     login    ok       ok       ok       ok       ok       ok       login
workgroups_api.WorkgroupClose             POST    login    403      403      403      ok       ok       403      login
workgroups_api.WorkgroupJoin              POST    login    409      409      409      409      409      409      login
workgroups_api.WorkgroupLeave             POST    login    409      409      409      409      409      409      login
workgroups_api.WorkgroupMeetings          GET     login    ok       ok       ok       ok       ok       ok       login
workgroups_api.WorkgroupMeetings          POST    login    403      403      403      403      403      403      login
workgroups_api.WorkgroupMembers           POST    login    403      403      403      ok       ok       403      login
workgroups_api.WorkgroupMember            DELETE  login    403      403      403      ok       ok       403      login
workgroups_api.WorkgroupMessages          GET     login    ok       ok       ok       ok       ok       ok       login
workgroups_api.WorkgroupMessages          POST    login    403      403      403      403      403      403      login
workgroups_api.WorkgroupNotes             GET     login    ok       ok       ok       ok       ok       ok       login
workgroups_api.WorkgroupNotes             PUT     login    403      403      403      403      403      403      login
workgroups_api.WorkgroupProposals         GET     login    ok       ok       ok       ok       ok       ok       login
workgroups_api.WorkgroupProposals         POST    login    409      409      409      409      409      409      login
workgroups_api.WorkgroupReports           GET     login    ok       ok       ok       ok       ok       ok       login
workgroups_api.WorkgroupReports           POST    login    403      403      403      ok       ok       403      login
workgroups_api.WorkgroupStart             POST    login    403      403      403      409      409      403      login
workgroups_api.WorkgroupSuggestions       GET     login    ok       ok       ok       ok       ok       ok       login
workgroups_api.WorkgroupSupport           POST    login    409      409      409      409      409      409      login
assembly.assemblies                       GET     login    ok       ok       ok       ok       ok       ok       login
assembly.assemblies                       POST    login    422      422      422      422      422      422      login
assembly.assembly                         GET     login    ok       ok       ok       ok       ok       ok       login
assembly.csv_export                       GET     login    ok       ok       ok       ok       ok       ok       login
assembly.bureau                           POST    login    403      403      403      422      422      403      login
assembly.close                            POST    login    403      403      403      ok       ok       403      login
assembly.convene                          POST    login    403      403      403      ok       ok       403      login
assembly.summary                          POST    login    403      403      403      ok       ok       403      login
assembly.attendance_sheet                 GET     login    ok       ok       ok       ok       ok       ok       login
assembly.incident                         POST    login    403      403      403      422      422      403      login
assembly.letters                          GET     login    403      403      403      ok       ok       403      login
assembly.grant_proxy                      POST    login    422      422      422      422      422      422      login
assembly.mark_present                     POST    login    422      422      422      422      422      422      login
assembly.minutes_preview                  GET     login    ok       ok       ok       ok       ok       ok       login
assembly.minutes_draft                    GET     login    422      422      422      422      422      422      login
assembly.finalize                         POST    login    403      403      403      409      409      403      login
assembly.quorum_json                      GET     login    ok       ok       ok       ok       ok       ok       login
assembly.add_resolution                   POST    login    403      403      403      422      422      403      login
assembly.resolution_vote                  POST    login    403      403      403      ok       ok       403      login
assembly.second_convocation               POST    login    422      422      422      422      422      422      login
assembly.record_consent                   POST    login    422      422      422      422      422      422      login
assembly.profile                          GET     login    ok       ok       ok       ok       ok       ok       login
assembly.profile                          POST    login    403      403      403      403      422      403      login
assembly.register_entry                   GET     login    404      404      404      404      404      404      login
assembly.register_export                  GET     login    404      404      404      404      404      404      login
assembly.rectify                          POST    login    404      404      404      404      404      404      login
documents.status                          GET     login    404      404      404      404      404      404      login
documents.download                        GET     login    404      404      404      404      404      404      login
deliberation.comment_fragment             GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.comment_history              GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.edit_comment                 GET     login    403      403      403      403      403      403      login
deliberation.edit_comment                 POST    login    403      403      403      403      403      403      login
deliberation.withdraw_comment             POST    login    flash    flash    flash    flash    flash    flash    login
members.sign_in                           GET     ok       ok       ok       ok       ok       ok       ok       ok
members.sign_in                           POST    ok       ok       ok       ok       ok       ok       ok       ok
members.sign_out                          POST    login    login    login    login    login    login    login    login
favicon                                   GET     ok       ok       ok       ok       ok       ok       ok       ok
workgroups.dashboard                      GET     login    ok       ok       ok       ok       ok       ok       login
workgroups.workgroup_page                 GET     login    ok       ok       ok       ok       ok       ok       login
workgroups.draft_proposal                 POST    login    flash    flash    flash    flash    flash    flash    login
workgroups.close                          POST    login    flash    flash    flash    ok       ok       flash    login
workgroups.invite                         POST    login    flash    flash    flash    ok       ok       flash    login
workgroups.join                           POST    login    flash    flash    flash    flash    flash    flash    login
workgroups.leave                          POST    login    flash    flash    flash    flash    flash    flash    login
workgroups.meeting                        POST    login    flash    flash    flash    flash    flash    flash    login
workgroups.message                        POST    login    flash    flash    flash    flash    flash    flash    login
workgroups.message_fragment               GET     login    ok       ok       ok       ok       ok       ok       login
workgroups.save_notes                     POST    login    flash    flash    flash    flash    flash    flash    login
workgroups.notes_diff                     GET     login    ok       ok       ok       ok       ok       ok       login
workgroups.remove                         POST    login    flash    flash    flash    ok       ok       flash    login
workgroups.report                         POST    login    flash    flash    flash    ok       ok       flash    login
workgroups.start                          POST    login    flash    flash    flash    flash    flash    flash    login
workgroups.support                        POST    login    flash    flash    flash    flash    flash    flash    login
workgroups.new_workgroup                  GET     login    ok       ok       ok       ok       ok       ok       login
workgroups.new_workgroup                  POST    login    422      422      422      422      422      422      login
workgroups.report_page                    GET     login    ok       ok       ok       ok       ok       ok       login
health.healthz                            GET     ok       ok       ok       ok       ok       ok       ok       ok
members.accept_invitation                 GET     ok       ok       ok       ok       ok       ok       ok       ok
members.accept_invitation                 POST    ok       ok       ok       ok       ok       ok       ok       ok
members.request_invitation                POST    login    login    login    login    login    login    login    login
members.choose_language                   POST    ok       ok       ok       ok       ok       ok       ok       ok
members.directory                         GET     login    ok       ok       ok       ok       ok       ok       login
members.member_page                       GET     login    ok       ok       ok       ok       ok       ok       login
members.resend_invitation                 POST    login    403      403      403      403      422      403      login
members.set_shares                        POST    login    403      403      403      403      422      403      login
meetings.member_history                   GET     login    ok       ok       ok       ok       ok       ok       login
members.assign_role                       POST    login    403      403      403      403      422      403      login
members.record_status                     POST    login    403      403      403      403      422      403      login
members.import_members                    GET     login    403      403      403      403      ok       403      login
members.import_members                    POST    login    403      403      403      403      422      403      login
members.import_sample                     GET     login    403      403      403      403      ok       403      login
members.new_member                        GET     login    403      403      403      403      ok       403      login
members.new_member                        POST    login    403      403      403      403      422      403      login
members.forgot_password                   GET     ok       ok       ok       ok       ok       ok       ok       ok
members.forgot_password                   POST    ok       ok       ok       ok       ok       ok       ok       ok
members.reset_password                    GET     ok       ok       ok       ok       ok       ok       ok       ok
members.reset_password                    POST    ok       ok       ok       ok       ok       ok       ok       ok
notifications.notices                     GET     login    ok       ok       ok       ok       ok       ok       login
notifications.open_notice                 POST    login    404      404      404      404      404      404      login
notifications.unread                      GET     login    ok       ok       ok       ok       ok       ok       login
notifications.preferences                 GET     login    ok       ok       ok       ok       ok       ok       login
notifications.preferences                 POST    login    422      422      422      422      422      422      login
notifications.mark_all_read               POST    login    ok       ok       ok       ok       ok       ok       login
members.edit_profile                      GET     login    ok       ok       ok       ok       ok       ok       login
members.edit_profile                      POST    login    ok       ok       ok       ok       ok       ok       login
members.api_tokens                        GET     login    ok       ok       ok       ok       ok       ok       login
members.api_tokens                        POST    login    ok       ok       ok       ok       ok       ok       login
members.revoke_api_token                  POST    login    404      404      404      404      404      404      login
deliberation.proposal_list                GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.proposal_page                GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.new_amendment                GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.new_amendment                POST    login    422      422      422      422      422      422      login
deliberation.sense_check                  POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.add_comment                  POST    login    ok       ok       ok       ok       ok       ok       login
deliberation.record_decision              POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.request_escalation           POST    login    ok       ok       ok       ok       ok       ok       login
deliberation.escalate                     POST    login    flash    flash    flash    ok       ok       flash    login
workgroups.send_proposal                  GET     login    ok       ok       ok       ok       ok       ok       login
workgroups.send_proposal                  POST    login    409      409      409      409      409      409      login
deliberation.schedule                     POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.start_vote                   POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.edit_proposal                GET     login    403      403      403      403      403      403      login
deliberation.edit_proposal                POST    login    403      403      403      403      403      403      login
deliberation.open_proposal                POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.prepare_proposal             POST    login    flash    flash    flash    ok       ok       flash    login
deliberation.withdraw_proposal            POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.reopen_debate                POST    login    flash    flash    flash    flash    flash    flash    login
deliberation.follow                       POST    login    ok       ok       ok       ok       ok       ok       login
deliberation.revisions                    GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.new_proposal                 GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.new_proposal                 POST    login    422      422      422      422      422      422      login
deliberation.search_page                  GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.register                     GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.register_csv                 GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.register_entry               GET     login    ok       ok       ok       ok       ok       ok       login
deliberation.register_entry               POST    login    403      403      403      ok       ok       403      login
votes.ballots                             GET     login    ok       ok       ok       ok       ok       ok       login
votes.ballot                              GET     login    ok       ok       ok       ok       ok       ok       login
votes.cancel_ballot                       POST    login    403      403      403      422      422      403      login
votes.close_ballot                        POST    login    403      403      403      ok       ok       403      login
votes.tally_fragment                      GET     login    ok       ok       ok       ok       ok       ok       login
votes.open_ballot                         POST    login    403      403      403      409      409      403      login
votes.publish_ballot                      POST    login    403      403      403      409      409      403      login
votes.result                              GET     login    ok       ok       ok       ok       ok       ok       login
votes.result_csv                          GET     login    409      409      409      409      409      409      login
votes.box_csv                             GET     login    409      409      409      409      409      409      login
votes.box_json                            GET     login    409      409      409      409      409      409      login
votes.vote                                POST    login    422      422      422      422      422      422      login
votes.named_votes_csv                     GET     login    409      409      409      409      409      409      login
votes.new_ballot                          GET     login    403      403      403      ok       ok       403      login
votes.new_ballot                          POST    login    403      403      403      422      422      403      login
votes.proxies                             GET     login    403      403      403      ok       ok       403      login
votes.proxies                             POST    login    403      403      403      422      422      403      login
meetings.meetings                         GET     login    ok       ok       ok       ok       ok       ok       login
meetings.meeting                          GET     login    ok       ok       ok       ok       ok       ok       login
meetings.minutes_markdown                 GET     login    ok       ok       ok       ok       ok       ok       login
meetings.minutes_pdf                      GET     login    ok       ok       ok       ok       ok       ok       login
meetings.console                          GET     login    403      403      403      ok       ok       403      login
meetings.console_action                   POST    login    403      403      403      ok       ok       403      login
meetings.console_fragment                 GET     login    403      403      403      ok       ok       403      login
meetings.mark_present                     POST    login    403      403      403      ok       ok       403      login
meetings.open_ballot                      POST    login    403      403      403      422      422      403      login
meetings.convene                          POST    login    403      403      403      ok       ok       403      login
meetings.remove_document                  POST    login    403      403      403      ok       ok       403      login
meetings.hand                             POST    login    409      409      409      409      409      409      login
meetings.edit_meeting                     GET     login    403      403      403      ok       ok       403      login
meetings.edit_meeting                     POST    login    403      403      403      422      422      403      login
meetings.notes_page                       GET     login    403      403      403      ok       ok       403      login
meetings.save_notes                       POST    login    403      403      403      ok       ok       403      login
meetings.add_item                         POST    login    403      403      403      ok       ok       403      login
meetings.move_item                        POST    login    403      403      403      422      422      403      login
meetings.add_document                     POST    login    403      403      403      ok       ok       403      login
meetings.remove_item                      POST    login    403      403      403      409      409      403      login
meetings.checkin                          GET     login    ok       ok       ok       ok       ok       ok       login
meetings.checkin                          POST    login    ok       ok       ok       ok       ok       ok       login
meetings.projector                        GET     ok       ok       ok       ok       ok       ok       ok       ok
meetings.projector_fragment               GET     ok       ok       ok       ok       ok       ok       ok       ok
meetings.reply                            POST    login    422      422      422      422      422      422      login
meetings.reply_link                       GET     ok       ok       ok       ok       ok       ok       ok       ok
meetings.reply_link                       POST    422      422      422      422      422      422      422      422
meetings.phone                            GET     login    ok       ok       ok       ok       ok       ok       login
meetings.phone_fragment                   GET     login    ok       ok       ok       ok       ok       ok       login
meetings.triads_page                      GET     login    ok       ok       ok       ok       ok       ok       login
meetings.triads_page                      POST    login    403      403      403      ok       ok       403      login
meetings.triads_csv                       GET     login    ok       ok       ok       ok       ok       ok       login
meetings.triads_swap                      POST    login    403      403      403      422      422      403      login
meetings.overview                         GET     login    ok       ok       ok       ok       ok       ok       login
meetings.calendar                         GET     login    403      403      403      ok       ok       403      login
meetings.calendar                         POST    login    403      403      403      422      422      403      login
meetings.new_meeting                      GET     login    403      403      403      ok       ok       403      login
meetings.new_meeting                      POST    login    403      403      403      422      422      403      login
static                                    GET     ok       ok       ok       ok       ok       ok       ok       ok
""")


# --- Socket.IO: one row per handler of every namespace; join and state once per room kind ------------

def _room(kind: str) -> Callable[[Any], dict]:
    # A member's room is somebody else's (the proposal's author): it carries their own notifications.
    targets = {"member": "subject", "proposal": "proposal", "ballot": "ballot", "meeting": "meeting",
               "workgroup": "group_a"}
    return lambda w: {"room": f"{kind}:{getattr(w, targets[kind])}"}


EVENT_PAYLOADS: dict[tuple[str, str, str | None], Callable[[Any], Any]] = {
    **{("/", event, kind): _room(kind) for event in ("join", "state")
       for kind in ("member", "proposal", "ballot", "meeting", "workgroup")},
    ("/", "leave", None): _room("proposal"),
    ("/", "meeting.checkin", None): lambda w: {"meeting": w.meeting, "code": _checkin_code(w), "mode": "on_site"},
    ("/", "meeting.hand", None): lambda w: {"meeting": w.meeting, "stance": "for"},
    ("/", "meeting.lower_hand", None): lambda w: {"meeting": w.meeting},
    ("/", "proposal.sense_check", None): lambda w: {"proposal": w.proposal, "opinion": "agree", "reason": ""},
    ("/", "vote", None): lambda w: {"ballot": w.ballot, "choice": {"choice": "for"}, "key": "matrix-key-0123456789"},
}
# The projector's namespace opens with its signed link, whatever cookie comes along; the "connect"
# row tries without it, the others with it.
PROJECTOR_AUTH: dict[str, Callable[[Any], Any] | None] = {
    "connect": None,
    "disconnect": lambda w: {"meeting": w.meeting, "token": w.tokens["projector"]},
    "state": lambda w: {"meeting": w.meeting, "token": w.tokens["projector"]},
}

# namespace event                room      anon      cape      es        esa       cogerant  admin     wg_b      former
EVENTS_TEXT = """
/          connect              -         refused   ok        ok        ok        ok        ok        ok        refused
/          join                 member    refused   forbidden forbidden forbidden forbidden forbidden forbidden refused
/          join                 proposal  refused   ok        ok        ok        ok        ok        ok        refused
/          join                 ballot    refused   ok        ok        ok        ok        ok        ok        refused
/          join                 meeting   refused   ok        ok        ok        ok        ok        ok        refused
/          join                 workgroup refused   ok        ok        ok        ok        ok        ok        refused
/          state                member    refused   forbidden forbidden forbidden forbidden forbidden forbidden refused
/          state                proposal  refused   ok        ok        ok        ok        ok        ok        refused
/          state                ballot    refused   ok        ok        ok        ok        ok        ok        refused
/          state                meeting   refused   ok        ok        ok        ok        ok        ok        refused
/          state                workgroup refused   ok        ok        ok        ok        ok        ok        refused
/          leave                -         refused   ok        ok        ok        ok        ok        ok        refused
/          meeting.checkin      -         refused   ok        ok        ok        ok        ok        ok        refused
/          meeting.hand         -         refused   conflict  conflict  conflict  conflict  conflict  conflict  refused
/          meeting.lower_hand   -         refused   conflict  conflict  conflict  conflict  conflict  conflict  refused
/          proposal.sense_check -         refused   ok        ok        ok        ok        ok        ok        refused
/          vote                 -         refused   ok        ok        ok        ok        ok        ok        refused
/projector connect              -         refused   refused   refused   refused   refused   refused   refused   refused
/projector disconnect           -         ok        ok        ok        ok        ok        ok        ok        ok
/projector state                -         ok        ok        ok        ok        ok        ok        ok        ok
"""


def parse_events(text: str) -> list[EventRow]:
    rows = []
    for line in text.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        namespace, event, room, *tokens = line.split()
        if len(tokens) != len(ROLES):
            raise ValueError(f"{namespace} {event} {room}: {len(tokens)} answers for {len(ROLES)} roles")
        room = None if room == "-" else room
        expected = dict(zip(ROLES, tokens, strict=True))
        if namespace == PROJECTOR:
            rows.append(EventRow(namespace, event, room, expected, auth=PROJECTOR_AUTH[event]))
        else:
            payload = EVENT_PAYLOADS.get((namespace, event, room), lambda w: None)
            rows.append(EventRow(namespace, event, room, expected, payload=payload))
    keys = [row.key for row in rows]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"listed twice: {sorted(duplicates)}")
    return rows


EVENTS = parse_events(EVENTS_TEXT)
