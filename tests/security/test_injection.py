"""Hostile text in every main form: refused with a message or stored, and never executable.

Each text field of the main forms is sent the whole corpus of tests/security/payloads.py
through the real page (test client, signed-in member with the right role). For each
payload the response is not a 500; the payload is refused with a message (a field error
or a flash message) or stored; and the page that shows it is parsed and compared with
the same page after a harmless value: no script that is not one of /static's, no on*
attribute, no javascript: URL, and no element the harmless value did not produce
(Markdown fields may add the safe subset of tags their renderer allows). Template
syntax comes back as typed. The search boxes are sent every payload too; with a benign
data set they must find nothing, the SQL payloads included, and break nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from app.deliberation import services as deliberation
from app.extensions import db
from app.governance.services import level_by_code, matter_by_code
from app.meetings import services as meetings
from app.meetings.assembly import services as ga
from app.members.models import MemberStatus, RoleKind
from app.timeutil import local_today
from app.workgroups import services as workgroups
from tests.conftest import sign_in
from tests.security.fixtures_input import (
    ACTIVE_TAGS,
    MARKDOWN_TAGS,
    delta,
    executable_markup,
    field_errors,
    flash_errors,
    new_elements,
    parse,
    tag_counts,
    text_of,
    without_flashes,
)
from tests.security.payloads import PAYLOADS, SQL_PAYLOADS

HARMLESS = "Texte témoin ordinaire"
BODY = "La coopérative organise ses décisions en quatre niveaux.\n\nChaque membre participe."


@dataclass
class Target:
    """One text field: how to send a value, and which page shows it afterwards.

    view: the page where the value appears; None means the redirect's Location (a new
    object has its own page). accumulates: the page lists every value sent so far (comments,
    agenda items), so it is compared before/after each submission instead of with a page
    holding only the harmless value.
    """

    submit: Callable[[str], object]
    view: str | None = None
    # When the redirect does not lead to where the value shows: the URL to read, from the response.
    view_of: Callable[[object], str] | None = None
    accumulates: bool = False
    markdown: bool = False
    # Fields shown as typed (not rendered from Markdown): their text must be on the page.
    shown_as_text: bool = True
    # Where the value's text is read on the page, when not the page's whole text.
    value_text: Callable[[object], str] | None = None
    extra_allowed: set[str] = field(default_factory=set)


def _normal(text: str) -> str:
    return " ".join(text.split())


def _literal(text: str, markdown: bool) -> str:
    """Text compared as typed: spaces aside, and in Markdown the emphasis and heading marks
    (``__class__`` is rightly shown as bold "class", ``#{7*7}`` as a heading)."""
    text = "".join(text.split())
    return text.translate(str.maketrans("", "", "_*#")) if markdown else text


def _page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return without_flashes(parse(response.get_data(as_text=True)))


def _location(response) -> str:
    return response.headers["Location"].split("#", 1)[0]


def run_corpus(client, target: Target, field_name: str) -> dict[str, int]:
    """Send every payload; return how many were stored and refused. Fails listing every problem."""
    problems: list[str] = []
    outcome = {"stored": 0, "refused": 0}

    def shown_page(response, before_url: str | None):
        url = target.view or (target.view_of(response) if target.view_of else _location(response))
        response_page = client.get(url)
        assert response_page.status_code == 200, (url, response_page.status_code)
        tree = parse(response_page.get_data(as_text=True))
        errors = flash_errors(tree)
        return without_flashes(tree), errors

    # The harmless value: what a stored value normally adds to the page. Sent twice to a page that
    # accumulates, as the first value may also change the page's frame (an "empty agenda" line goes).
    expected_delta = None
    for harmless in (HARMLESS, HARMLESS + " bis") if target.accumulates else (HARMLESS,):
        before = tag_counts(_page(client, target.view)) if target.accumulates else None
        response = target.submit(harmless)
        assert response.status_code in (302, 303), (field_name, response.status_code,
                                                    response.get_data(as_text=True)[:3000])
        baseline_tree, errors = shown_page(response, None)
        assert not errors, (field_name, errors)
        if target.shown_as_text:
            assert harmless in text_of(baseline_tree), (field_name, text_of(baseline_tree)[-1500:])
        baseline = tag_counts(baseline_tree)
        expected_delta = delta(baseline, before) if before is not None else None
    refusal_baselines: dict[tuple, object] = {}
    allowed = (MARKDOWN_TAGS if target.markdown else set()) | target.extra_allowed

    # The page as it is before each submission: the one read after the previous one (a refusal
    # answered 4xx changed nothing), so each payload costs one request and one page.
    current = baseline
    for payload in PAYLOADS:
        label = f"{field_name} <- {payload.name}"
        response = target.submit(payload.text)
        status = response.status_code
        if status >= 500:
            problems.append(f"{label}: HTTP {status}")
            continue
        if status in (302, 303):
            tree, errors = shown_page(response, None)
            refused = bool(errors)
            before_counts, current = current, tag_counts(tree)
        else:
            tree = parse(response.get_data(as_text=True))
            errors = flash_errors(tree) + field_errors(tree)
            refused = True
            # 200: the profile page re-renders a refused form with 200 (the others say 422).
            if status not in (200, 400, 409, 413, 422):
                problems.append(f"{label}: refused with HTTP {status}")
            tree = without_flashes(tree)
            before_counts = current
        found = executable_markup(tree)
        if found:
            problems.append(f"{label}: executable markup {found[:3]}")
        if refused:
            outcome["refused"] += 1
            if not errors:
                problems.append(f"{label}: refused (HTTP {status}) without a message")
            # Refusals come as a re-rendered form or as the error page: each kind of page (status and
            # title) is compared with the first of its kind. A re-rendered form holds the value in an
            # input or textarea only: no new active element.
            shape = (status, " ".join(tree.xpath("//title//text()")).split("·")[0].strip())
            first = refusal_baselines.setdefault(shape, tag_counts(tree))
            extra = {tag: n for tag, n in new_elements(tag_counts(tree), first | baseline).items()
                     if tag in ACTIVE_TAGS}
            if extra:
                problems.append(f"{label}: refused page has new elements {extra}")
            continue
        outcome["stored"] += 1
        counts = tag_counts(tree)
        if target.accumulates:
            extra = new_elements(delta(counts, before_counts), expected_delta, allowed=allowed)
        else:
            extra = new_elements(counts, baseline, allowed=allowed)
        if extra:
            problems.append(f"{label}: new elements {extra}")
        text = _normal(text_of(tree))
        # Evaluated, {{7*7}} would read 49 and {% for %} would repeat: the text must read as typed.
        # (Spaces aside: a diff shows the words of a text in separate elements.)
        shown = target.value_text(tree) if target.value_text else text
        if payload.kind == "template" and _literal(payload.text, target.markdown) not in _literal(shown,
                                                                                                  target.markdown):
            problems.append(f"{label}: template text not shown as typed")
        if target.shown_as_text and payload.kind in ("xss", "sql", "entity", "css") \
                and _normal(payload.text)[:60] not in text:
            problems.append(f"{label}: stored value not shown as typed")
    assert not problems, "\n".join(problems)
    return outcome


# --- who and what -----------------------------------------------------------------------------------


@pytest.fixture
def member(make_member):
    return make_member(MemberStatus.ES, name="Aline Autrice", email="aline@example.org")


@pytest.fixture
def manager(make_member):
    return make_member(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER, RoleKind.ADMINISTRATOR],
                       name="Gaston Gérant", email="gerant@example.org", shares=10)


def _open_proposal(author, body=BODY):
    proposal = deliberation.create_proposal(author, title="Des bureaux partagés", summary="", body=body,
                                            matter_id=matter_by_code("everyday").id, level_id=None,
                                            theme_ids=[], coauthor_ids=[])
    deliberation.open_for_debate(proposal, author)
    return proposal


PROPOSAL_FIELDS = ["title", "summary", "body"]


@pytest.mark.parametrize("name", PROPOSAL_FIELDS)
def test_proposal_fields(client, member, name):
    sign_in(client, member)
    matter = str(matter_by_code("everyday").id)

    def submit(text):
        data = {"title": "Proposition", "summary": "", "body": BODY, "matter_id": matter, "level_id": ""}
        data[name] = text
        return client.post("/propositions/nouvelle", data=data)

    run_corpus(client, Target(submit, markdown=name == "body", shown_as_text=name != "body"), f"proposal.{name}")


def test_comment_body(client, member, make_member):
    proposal = _open_proposal(make_member())
    sign_in(client, member)
    url = f"/propositions/{proposal.id}"
    target = Target(lambda text: client.post(f"{url}/commentaires", data={"body": text, "stance": "for"}),
                    view=url, accumulates=True, markdown=True, shown_as_text=False)
    run_corpus(client, target, "comment.body")


@pytest.mark.parametrize("name", ["body", "rationale"])
def test_amendment_fields(client, member, make_member, name):
    proposal = _open_proposal(make_member())
    sign_in(client, member)
    url = f"/propositions/{proposal.id}"

    def submit(text):
        data = {"body": BODY + "\n\nUn ajout.", "rationale": "Parce que.", "base_revision": "1", "section": ""}
        data[name] = text
        return client.post(f"{url}/amendements/nouveau", data=data)

    def fragment(response):
        return f"/amendements/{response.headers['Location'].rsplit('#amendment-', 1)[1]}/fragment"

    # The amendment shows as a word diff of the text (escaped words, <ins>/<del>), the rationale as text.
    def inserted(tree):
        # The diff interleaves the old words (<del>) and the new ones (<ins>): the value is the latter.
        return " ".join(node.text_content() for node in tree.iter("ins"))

    target = Target(submit, view_of=fragment, shown_as_text=name == "rationale",
                    extra_allowed={"ins", "del", "span"} if name == "body" else set(),
                    value_text=inserted if name == "body" else None)
    run_corpus(client, target, f"amendment.{name}")


@pytest.mark.parametrize("name", ["name", "question", "expected_output"])
def test_workgroup_mandate_fields(client, member, name):
    sign_in(client, member)

    def submit(text):
        data = {"origin": "initiative", "name": "Charte", "question": "Quelle charte ?",
                "expected_output": "Une proposition", "reports_to_level_id": str(level_by_code("seminar").id),
                "due_on": (local_today() + timedelta(days=10)).isoformat()}
        data[name] = text
        return client.post("/groupes-de-travail/nouveau", data=data)

    run_corpus(client, Target(submit), f"workgroup.{name}")


@pytest.fixture
def workgroup(manager, member):
    return workgroups.create_by_decision(
        manager, name="Bureaux partagés", question="Comment partager ?", expected_output="",
        due_on=local_today() + timedelta(days=30), reports_to_level_id=level_by_code("seminar").id,
        decided_by_level_id=level_by_code("seminar").id, decision_reference="Séminaire de mars",
        facilitator_ids=[member.id], member_ids=[], open_membership=True)


def test_workgroup_notes(client, member, workgroup):
    sign_in(client, member)
    url = f"/groupes-de-travail/{workgroup.id}"

    def submit(text):
        db.session.refresh(workgroup)
        return client.post(f"{url}/notes", data={"body": text, "base_revision": str(workgroup.notes_revision)})

    run_corpus(client, Target(submit, view=url, accumulates=True), "workgroup.notes")


def test_workgroup_message(client, member, workgroup):
    sign_in(client, member)
    url = f"/groupes-de-travail/{workgroup.id}"
    target = Target(lambda text: client.post(f"{url}/message", data={"body": text}), view=url, accumulates=True,
                    markdown=True, shown_as_text=False)
    run_corpus(client, target, "workgroup.message")


@pytest.mark.parametrize("name", ["full_name", "bio", "skills", "themes"])
def test_profile_fields(client, member, name):
    sign_in(client, member)

    def submit(text):
        data = {"full_name": "Aline Autrice", "bio": "", "skills": "", "themes": "", "language": ""}
        data[name] = text
        return client.post("/profil", data=data)

    # Skills and themes are split at commas (and shown joined): their text is not shown as one string.
    run_corpus(client, Target(submit, view=f"/membres/{member.id}", shown_as_text=name in ("full_name", "bio")),
               f"profile.{name}")


@pytest.mark.parametrize("name", ["title", "description"])
def test_meeting_agenda_item(client, manager, name):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    meeting = meetings.create_meeting(kind="seminar", title="Séminaire de printemps", starts_at=starts,
                                      ends_at=starts + timedelta(hours=7), facilitator_ids=[manager.id],
                                      created_by=manager)
    sign_in(client, manager)
    url = f"/seances/{meeting.id}"

    def submit(text):
        data = {"kind": "topic", "proposal_id": "", "title": "Vie coopérative", "description": "",
                "duration_minutes": ""}
        data[name] = text
        return client.post(f"{url}/ordre-du-jour", data=data)

    run_corpus(client, Target(submit, view=url, accumulates=True), f"meeting_item.{name}")


@pytest.mark.parametrize("name", ["title", "question", "options"])
def test_ballot_fields(client, manager, name):
    sign_in(client, manager)

    def submit(text):
        data = {"title": "Choisir le lieu", "question": "Où ?", "subject_kind": "question", "level": "seminar",
                "method": "majority_judgment", "secrecy": "secret", "visibility": "live",
                "options": "Lyon\nGrenoble", "seats": "1", "context": "", "majority": "", "majority_base": "",
                "opens_at": "", "closes_at": ""}
        # One option per line: a payload's own line breaks would make it several options.
        data[name] = text.replace("\n", " ") + "\nGrenoble" if name == "options" else text
        return client.post("/scrutins/nouveau", data=data)

    def opened(response):
        # A draft's page does not list the options: open the ballot, its vote form shows them.
        url = _location(response)
        assert client.post(f"{url}/ouvrir").status_code == 302
        return url

    run_corpus(client, Target(submit, view_of=opened if name == "options" else None), f"ballot.{name}")


@pytest.mark.parametrize("name", ["title", "text"])
def test_assembly_resolution(client, manager, name, monkeypatch):
    monkeypatch.setattr(ga, "send_email", lambda *args, **kwargs: None)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=40)
    assembly = ga.create_assembly(manager, title="Assemblée générale", starts_at=starts,
                                  ends_at=starts + timedelta(hours=3), place="Lyon", scope="ordinary")
    sign_in(client, manager)
    url = f"/assemblees/{assembly.meeting_id}"

    def submit(text):
        data = {"title": "Approbation des comptes", "text": "L'assemblée approuve.", "kind": "ordinary",
                "proposer": "gerance", "gerance_supports": "on"}
        data[name] = text
        return client.post(f"{url}/resolutions", data=data)

    run_corpus(client, Target(submit, view=url, accumulates=True), f"resolution.{name}")


# --- the search boxes ---------------------------------------------------------------------------------


SEARCHES = {"directory": "/membres?q=", "proposal_search": "/recherche?q=", "proposal_list": "/propositions?q="}


@pytest.mark.parametrize("name", list(SEARCHES))
def test_search_boxes_find_nothing_and_break_nothing(client, member, make_member, name):
    for n in range(3):
        make_member(name=f"Camille Martin {chr(65 + n)}")
    _open_proposal(member)
    sign_in(client, member)
    from urllib.parse import quote

    def get(query):
        return client.get(SEARCHES[name] + quote(query, safe=""))

    # A query that finds something, and one that finds nothing: the payloads must look like the second.
    found = get("Camille" if name == "directory" else "bureaux")
    nothing = get("zzzaucunresultat")
    assert found.status_code == nothing.status_code == 200
    hit, miss = tag_counts(parse(found.get_data(as_text=True))), tag_counts(parse(nothing.get_data(as_text=True)))
    assert new_elements(hit, miss), "the query that matches must list something"
    problems = []
    for payload in PAYLOADS:
        response = get(payload.text)
        if response.status_code >= 500:
            problems.append(f"{payload.name}: HTTP {response.status_code}")
            continue
        tree = without_flashes(parse(response.get_data(as_text=True)))
        if executable_markup(tree):
            problems.append(f"{payload.name}: {executable_markup(tree)[:3]}")
        if response.status_code != 200:
            # Refused (a NUL byte): with the reason, and nothing searched.
            if response.status_code != 422 or not field_errors(tree):
                problems.append(f"{payload.name}: HTTP {response.status_code} without a reason")
            continue
        extra = new_elements(tag_counts(tree), miss)
        if extra:
            problems.append(f"{payload.name}: found or added {extra}")
    assert not problems, "\n".join(problems)
    # Nothing was changed by the SQL payloads: the members and the proposal are all still there.
    assert new_elements(tag_counts(parse(get("Camille" if name == "directory" else "bureaux")
                                         .get_data(as_text=True))), miss) == new_elements(hit, miss)
    assert len(SQL_PAYLOADS) >= 5


def test_the_checks_themselves_see_what_they_look_for():
    """The page checks used above, on pages that do have the problems."""
    clean = parse('<html><head><script src="/static/js/live.js"></script></head><body><p>Texte</p>'
                  '<a href="/propositions/1">lien</a><a href="java   script:x">relatif</a></body></html>')
    assert executable_markup(clean) == []
    for bad in ('<img src=x onerror="alert(1)">', '<a href="java\tscript:alert(1)">x</a>',
                '<a href=" JAVASCRIPT:alert(1)">x</a>', "<script>alert(1)</script>",
                '<script src="https://evil.example/x.js"></script>', '<iframe src="/"></iframe>',
                '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
                '<div style="width: expression(alert(1))">x</div>', '<form action="javascript:alert(1)"></form>'):
        assert executable_markup(parse(f"<html><body><p>Texte</p>{bad}</body></html>")), bad
    added = parse("<html><body><p>Texte</p><p><b>gras</b></p></body></html>")
    assert new_elements(tag_counts(added), tag_counts(clean)) == {"p": 1, "b": 1}
    assert new_elements(tag_counts(added), tag_counts(clean), allowed={"p", "b"}) == {}
