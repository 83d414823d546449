"""The API fuzzed from its own OpenAPI document (schemathesis), against a realistic cooperative.

Every operation of /api/v1/openapi.json receives generated requests (schemathesis' coverage
phase: valid boundary values; then its fuzzing phase: hypothesis, valid and invalid). None
may answer 5xx; each answer must be what the document says (status code, content type,
response schema and headers); every error has the API's one JSON shape; invalid input is
refused with a 4xx; and an operation that needs a member refuses the same request without
a token or with a wrong one.

The caller is a co-manager with a personal token, in a cooperative with proposals as draft,
in debate and decided, comments, amendments, a register line, ballots from draft to published, a proxy,
workgroups and a meeting in session. In valid requests, the ids the generator draws are
mostly turned into ids of that world, so requests reach the services, not only 404s.

The fuzzer commits for real (it creates, votes, closes…): it runs on a database of its own,
dropped at the end, like the other `no_db_transaction` tests; the rest of the suite never
sees its rows. Generation is derandomized (hypothesis' `derandomize`, a fixed seed): the
same code sends the same requests on every run. The last tests keep the failures the
fuzzing found fixed (docs/security-fuzz.md lists them).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

import jsonschema
import pytest
import schemathesis
import sqlalchemy as sa
from flask import request_started
from flask_migrate import upgrade
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.extensions import db
from tests.conftest import DATABASE_URL, _drop_database, _password_hash, _reset_database

# Fuzzing-phase examples per operation; with the coverage phase and the probes, 1,425 requests.
MAX_EXAMPLES = 6
MIN_REQUESTS = 1000

CONFIG = schemathesis.Config.from_dict({
    "seed": 20260312,
    "generation": {
        "mode": "all",  # valid inputs reach the services; invalid ones must be refused with a 4xx
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,  # hypothesis' derandomize: the same requests on every run
        "database": "none",  # nothing replayed from an earlier run, so every run is the same
        "with-security-parameters": False,  # the token below authenticates; no made-up credentials
    },
    "phases": {
        # Boundary values of every parameter and field, valid ones only: the fuzzing phase
        # sends the invalid ones (all of them here would be 2,000 more requests).
        "coverage": {"generation": {"mode": "positive"}},
        "stateful": {"enabled": False},
    },
})

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, ignored_auth]
ERROR_KEYS = {"code", "status", "message"}
# Body and query fields holding ids, and the kind of row they name.
ID_FIELDS = {
    "member_id": "member", "grantor_id": "member", "holder_id": "member", "responsible_id": "member",
    "on_behalf_of": "member", "attendee_ids": "member", "member_ids": "member", "facilitator_ids": "member",
    "coauthor_ids": "member", "proposal_id": "proposal", "subject_id": "proposal", "parent_id": "comment",
    "matter_id": "matter", "level_id": "level", "reports_to_level_id": "level", "decided_by_level_id": "level",
    "to_level_id": "level", "theme_id": "theme", "theme_ids": "theme", "skill_ids": "skill",
}
# Path parameters, and the kind of row they name.
PATH_IDS = {
    "member_id": "member", "proposal_id": "proposal", "comment_id": "comment", "amendment_id": "amendment",
    "record_id": "record", "ballot_id": "ballot", "workgroup_id": "workgroup", "meeting_id": "meeting",
    "token_id": "token", "number": "revision",
}


@dataclass
class World:
    token: str = ""
    token_id: int = 0
    ids: dict[str, list[int]] = field(default_factory=dict)  # row kind -> ids that exist
    requests: int = 0  # requests the application received under /api/v1 (the document's excepted)
    statuses: dict[int, int] = field(default_factory=dict)
    operations: set[str] = field(default_factory=set)
    auth_checked: set[str] = field(default_factory=set)  # operations whose 2xx was probed without the token


WORLD = World()


def _fuzz_url() -> str:
    url = sa.engine.make_url(DATABASE_URL)
    if url.get_backend_name() == "sqlite":
        root, ext = os.path.splitext(url.database)
        return url.set(database=f"{root}_fuzz{ext}").render_as_string(hide_password=False)
    return url.set(database=f"{url.database}_fuzz").render_as_string(hide_password=False)


def _build_world() -> None:
    """The cooperative the fuzzer works in, made through the services as members would."""
    from app.deliberation import services as deliberation
    from app.governance.models import Level, Matter
    from app.governance.services import level_by_code, matter_by_code
    from app.meetings import services as meetings
    from app.members import services as members
    from app.members.models import MemberStatus, RoleKind
    from app.timeutil import local_today, utcnow
    from app.votes import services as votes
    from app.workgroups import services as workgroups

    since = date(2024, 1, 1)

    def member(name, status=MemberStatus.ES, roles=()):
        status = MemberStatus(status)
        created = members.create_member(email=f"{name.split()[0].lower()}@example.org", full_name=name,
                                        status=status, status_since=since, shares=1 if status.is_associate else 0,
                                        language="en")
        created.password_hash, created.activated_at = _password_hash(), utcnow()
        for kind in roles:
            members.assign_role(created, RoleKind(kind), since, date(2027, 12, 31))
        return created

    gaston = member("Gaston Gérant", MemberStatus.ESA, roles=[RoleKind.CO_MANAGER])
    aline = member("Aline Autrice")
    bruno = member("Bruno Bénévole", MemberStatus.CAPE)
    voters = [member(f"Votant{n} Membre") for n in range(1, 4)]
    members.update_profile(aline, skills=["facilitation", "formation"], themes=["mobilité", "urbanisme"])

    # Deliberation: a draft, proposals in debate (one online, one at a seminar) with comments,
    # sense checks and amendments, one decided (its line in the register).
    everyday, organisation = matter_by_code("everyday").id, matter_by_code("organisation").id
    body = "Les bureaux sont partagés.\n\n## Horaires\n\nDe 8 h à 19 h.\n\n## Clés\n\nUne par trinôme."
    themes = [theme.id for theme in aline.themes]

    def proposal(author, title, matter, level=None, opened=True, coauthors=()):
        made = deliberation.create_proposal(author, title=title, summary="", body=body, matter_id=matter,
                                            level_id=level_by_code(level).id if level else None, theme_ids=themes,
                                            coauthor_ids=[m.id for m in coauthors])
        if opened:
            deliberation.open_for_debate(made, author)
        return made

    draft = proposal(gaston, "Un brouillon", everyday, opened=False)
    online = proposal(gaston, "Des bureaux partagés", everyday, coauthors=[aline])
    seminar = proposal(aline, "Des trinômes", organisation)
    decided = proposal(gaston, "Horaires d'été", everyday, level="seminar")
    comments = [deliberation.add_comment(online, aline, "Bonne idée", "for"),
                deliberation.add_comment(seminar, gaston, "Pourquoi trois ?", "question")]
    comments.append(deliberation.add_comment(online, gaston, "Merci", "neutral", comments[0].id))
    deliberation.give_sense_check(online, aline, "agree")
    deliberation.give_sense_check(seminar, gaston, "agree")
    amendments = [deliberation.propose_amendment(online, aline, "Des bureaux ouverts à tous.", "Plus simple"),
                  deliberation.propose_amendment(seminar, gaston, "Des binômes.", "")]
    deliberation.accept_amendment(amendments[0], gaston, "")  # a second revision to compare
    amendments.append(deliberation.propose_amendment(online, aline, "Des bureaux ouverts le samedi.", ""))
    deliberation.schedule_for_meeting(decided, gaston, "Séminaire de mars")
    record = deliberation.record_decision(decided, "adopted", "meeting:1", date(2026, 3, 14), actor=gaston)

    # Votes: a draft ballot, an open one with votes, a closed one, a published one; a proxy.
    level = level_by_code("seminar")
    ballots = [votes.create_ballot(title=f"Scrutin {n}", level=level, created_by=gaston) for n in range(4)]
    for ballot in ballots[1:]:
        votes.open_ballot(ballot, by=gaston)
        for voter in voters:
            votes.cast_vote(ballot, voter, {"choice": "for"}, secrets.token_urlsafe(16))
    for ballot in ballots[2:]:
        votes.close_ballot(ballot, by=gaston)
    votes.publish_ballot(ballots[3], by=gaston)
    votes.grant_proxy(context="seminaire-mars", level=level, day=local_today(), grantor=voters[0], holder=aline,
                      recorded_by=gaston)

    # Workgroups: one a seminar decided (Gaston facilitates, Aline is in it), one initiative.
    group = workgroups.create_by_decision(
        gaston, name="Bureaux", question="Comment partager ?", expected_output="Une proposition",
        due_on=local_today() + timedelta(days=30), reports_to_level_id=level.id, decided_by_level_id=level.id,
        decision_reference="Séminaire de mars, point 4", facilitator_ids=[gaston.id], member_ids=[aline.id])
    workgroups.post_message(group, aline, "Bonjour")
    workgroups.save_notes(group, gaston, "Premières notes", 0)
    workgroups.record_meeting(group, gaston, held_on=local_today(), attendee_ids=[gaston.id, aline.id],
                              notes="Tour de table")
    initiative = workgroups.propose_initiative(aline, name="Mobilité", question="Quels déplacements ?",
                                               due_on=local_today() + timedelta(days=60),
                                               reports_to_level_id=level.id)

    # Meetings: a seminar in session, debate open, Gaston checked in; another next month.
    now = utcnow()
    running = meetings.create_meeting(kind="seminar", title="Séminaire", starts_at=now - timedelta(hours=1),
                                      ends_at=now + timedelta(hours=6), place="Lyon", facilitator_ids=[gaston.id],
                                      created_by=gaston)
    later = meetings.create_meeting(kind="seminar", title="Séminaire d'été", starts_at=now + timedelta(days=30),
                                    ends_at=now + timedelta(days=30, hours=7), facilitator_ids=[gaston.id],
                                    created_by=gaston)
    for meeting, title in ((running, "Charte"), (running, "Trinômes"), (later, "Bilan")):
        meetings.add_item(meeting, gaston, kind="topic", title=title)
    meetings.mark_present(running, gaston, gaston)
    meetings.start_session(running, gaston)
    meetings.open_debate(running, gaston)

    WORLD.token, token = members.create_api_token(gaston, "fuzzing")
    spare = [members.create_api_token(gaston, f"spare {n}")[1] for n in range(2)]
    db.session.flush()
    WORLD.ids = {
        "member": [m.id for m in (gaston, aline, bruno, *voters)],
        "proposal": [p.id for p in (draft, online, seminar, decided)],
        "revision": [1, 2],
        "comment": [c.id for c in comments],
        "amendment": [a.id for a in amendments],
        "record": [record.id],
        "ballot": [b.id for b in ballots],
        "workgroup": [group.id, initiative.id],
        "meeting": [running.id, later.id],
        "token": [t.id for t in spare],  # never the fuzzing token (see steer)
        "level": list(db.session.scalars(sa.select(Level.id))),
        "matter": list(db.session.scalars(sa.select(Matter.id))),
        "theme": themes,
        "skill": [skill.id for skill in aline.skills],
    }
    WORLD.token_id = token.id


@pytest.fixture(scope="module")
def fuzz_app():
    url = _fuzz_url()
    _reset_database(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        _build_world()
        db.session.commit()

    def count(sender, **extra):
        from flask import request

        if request.path.startswith("/api/v1") and request.path != "/api/v1/openapi.json":
            WORLD.requests += 1

    # Counted where they arrive: the probes some checks send (without the token…) included.
    request_started.connect(count, app)
    try:
        yield app
    finally:
        request_started.disconnect(count, app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _drop_database(url)


@pytest.fixture
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


def _existing(kind: str, drawn):
    """Most drawn ids become ids of the world, chosen by the drawn value (so still
    deterministic); one in four stays as drawn: mostly unknown, a 404 or a 422."""
    known = WORLD.ids.get(kind)
    if known and isinstance(drawn, int) and not isinstance(drawn, bool) and drawn % 4:
        return known[drawn % len(known)]
    return drawn


def steer(case) -> None:
    """Turn the ids of a valid request into ids of the world (invalid requests stay as drawn:
    changing them could make them valid)."""
    drawn = str((case.path_parameters or {}).get("token_id", "")).strip()
    if drawn.isdigit() and int(drawn) == WORLD.token_id:
        # Whatever the mode (the URL reads "7", 7 or "٧" alike): revoking the fuzzing token
        # would turn every later request into a 401.
        case.path_parameters["token_id"] = WORLD.ids["token"][0]
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if case.path_parameters:
        for name, value in list(case.path_parameters.items()):
            if name in PATH_IDS:
                case.path_parameters[name] = _existing(PATH_IDS[name], value)
    for container in (case.query, case.body):
        if not isinstance(container, dict):
            continue
        for name, value in list(container.items()):
            kind = ID_FIELDS.get(name)
            if kind and isinstance(value, list):
                container[name] = [_existing(kind, item) for item in value]
            elif kind:
                container[name] = _existing(kind, value)


def assert_error_shape(response) -> None:
    """The API's one error shape (app/api/errors.py), on every 4xx."""
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and ERROR_KEYS <= set(body) <= ERROR_KEYS | {"errors"}, body
    assert body["code"] == response.status_code, body
    assert isinstance(body["status"], str) and body["status"], body
    assert isinstance(body["message"], str) and body["message"], body
    for name, messages in body.get("errors", {}).items():
        assert isinstance(name, str) and isinstance(messages, list) and messages, body
        assert all(isinstance(message, str) for message in messages), body


def assert_pagination_header(case, response) -> None:
    """X-Pagination is documented as a JSON object (OpenAPI `content`, which schemathesis does
    not read): decode it and check it against its documented schema here."""
    values = response.headers.get("x-pagination")
    if values is None:
        return
    documented = case.operation.schema.raw_schema["components"]["schemas"]["PaginationMetadata"]
    jsonschema.validate(json.loads(values[0]), {**documented, "additionalProperties": False})


def _unbounded_integers(schema: dict, components: dict, where: str, seen=frozenset()):
    """Where `schema` (what a client sends) has an integer without a minimum and a maximum."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from _unbounded_integers(components[name], components, where, seen | {name})
        return
    if schema.get("readOnly"):
        return
    if schema.get("type") == "integer" and not {"minimum", "maximum"} <= set(schema):
        yield where
    for name, inner in schema.get("properties", {}).items():
        yield from _unbounded_integers(inner, components, f"{where}.{name}", seen)
    if "items" in schema:
        yield from _unbounded_integers(schema["items"], components, f"{where}[]", seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for inner in schema.get(key, []):
            yield from _unbounded_integers(inner, components, where, seen)


def test_every_integer_a_client_sends_is_bounded(app):
    """Ids and numbers end up in SQL, whose integers are finite: an unbounded one was a 500
    (an overflow in the driver) that random generation rarely reaches. Bounded, the document
    says what is accepted and the fuzzer's boundary cases try both ends."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    components = spec["components"]["schemas"]
    unbounded = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            label = f"{method.upper()} {path}"
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                unbounded += _unbounded_integers(parameter.get("schema", {}), components,
                                                 f"{label} {parameter.get('in')}:{parameter.get('name')}")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded_integers(media["schema"], components, f"{label} body")
    assert unbounded == []


@pytest.mark.no_db_transaction  # its own database (fuzz_app), committed for real
@schema.parametrize()
def test_every_operation_answers_as_documented(case):
    WORLD.operations.add(case.operation.label)
    steer(case)
    headers = {"Authorization": f"Bearer {WORLD.token}", "Accept-Language": "en"}
    response = case.call(headers=headers)
    WORLD.statuses[response.status_code] = WORLD.statuses.get(response.status_code, 0) + 1
    # The token-less probes, once per operation: the answer depends on the operation, not the input.
    checks = [c for c in CHECKS if c is not ignored_auth or case.operation.label not in WORLD.auth_checked]
    case.validate_response(response, checks=checks, headers=headers)
    if 200 <= response.status_code < 300:
        WORLD.auth_checked.add(case.operation.label)
    if response.status_code >= 400:
        assert_error_shape(response)
    assert_pagination_header(case, response)


@pytest.mark.no_db_transaction
def test_the_fuzzing_sent_enough_requests(request):
    """Runs after the fuzzing (pytest keeps the file's order): it made at least MIN_REQUESTS."""
    if not any(item.name == "test_every_operation_answers_as_documented" for item in request.session.items):
        pytest.skip("the fuzzing test was not selected")
    statuses = ", ".join(f"{code}: {count}" for code, count in sorted(WORLD.statuses.items()))
    print(f"\nAPI fuzzing: {WORLD.requests} requests, {len(WORLD.operations)} operations ({statuses})")
    assert WORLD.requests >= MIN_REQUESTS
    # Valid requests reached the services: far more than one success per operation.
    assert sum(count for code, count in WORLD.statuses.items() if code < 300) >= len(WORLD.operations) * 2


# --- what the fuzzing found stays fixed (in the usual rolled-back transaction) -----------------


@pytest.fixture
def manager(anonymous, make_member, token_of):
    """(client, headers): a co-manager calling with a personal token."""
    from app.members.models import MemberStatus, RoleKind

    member = make_member(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER])
    return anonymous, {"Authorization": f"Bearer {token_of(member)}"}


@pytest.mark.parametrize("method, path, body", [
    ("GET", f"/api/v1/proposals/{2**70}", None),
    ("GET", f"/api/v1/register/{2**63}", None),
    ("GET", f"/api/v1/proposals?level_id={2**70}", None),
    ("POST", "/api/v1/proposals", {"title": "T", "body": "B", "matter_id": 2**70}),
    ("POST", "/api/v1/ballots", {"title": "B", "level": "seminar", "seats": 2**40}),
    ("POST", "/api/v1/proxies", {"context": "c", "level": "seminar", "grantor_id": 2**70, "holder_id": None}),
])
def test_huge_numbers_are_refused_not_overflowed(manager, method, path, body):
    client, headers = manager
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code in (404, 422), response.get_json()


def test_a_nul_anywhere_in_a_json_body_is_a_422_naming_each_field(manager):
    client, headers = manager
    response = client.post("/api/v1/ballots", headers=headers, json={
        "title": "Vote\x00", "level": "seminar", "method": "approval", "options": ["Lyon", "Gre\x00noble"]})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"title": ["Contains a NUL character, which cannot be stored."],
                                             "options.1": ["Contains a NUL character, which cannot be stored."]}
    proxy = client.post("/api/v1/proxies", headers=headers, json={
        "context": "\x00", "level": "seminar", "grantor_id": 1, "holder_id": None})
    assert proxy.status_code == 422 and list(proxy.get_json()["errors"]) == ["context"]


def test_a_date_time_outside_the_calendar_once_in_utc_is_a_422(manager):
    client, headers = manager
    response = client.post("/api/v1/ballots", headers=headers, json={
        "title": "Vote", "level": "seminar", "opens_at": "9999-12-31T23:00:00-05:00"})
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["opens_at"]


def test_a_body_nested_too_deep_is_a_400(manager):
    client, headers = manager
    response = client.patch("/api/v1/members/me", data="[" * 100_000 + "]" * 100_000,
                            headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["message"] == "The request body is not valid JSON."
