"""A realistic cooperative to check every route against every role (tests/security/route_table.py).

The world is made through the services, as members would make it: an open proposal with a
comment, an amendment and a decision in the register, an open ballot, two invitation-only
workgroups (A with its notes, messages and a report; B facilitated by the "wg_b" role), a
seminar in session, a convened general assembly, a notice and an API token that belong to
somebody else. The roles under test own none of it: they face it as bystanders, with their
status and roles only; the owners are "world" members outside the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.members.models import MemberStatus, RoleKind
from app.timeutil import local_today, utcnow

# Filled by the matrix tests, printed at the end of the run: what was checked.
CHECKED: dict[str, tuple[int, int, int]] = {}


def pytest_terminal_summary(terminalreporter):
    for what, (rows, pairs, refusals) in CHECKED.items():
        terminalreporter.write_line(f"authorisation matrix: {what}: {rows} rows, {pairs} (row, role) pairs, "
                                    f"{refusals} refusals checked to leave the database unchanged")


@dataclass
class World:
    """Only ids and strings: every request runs in its own savepoint, rolled back afterwards,
    so ORM objects would go stale between requests."""

    roles: dict[str, int | None] = field(default_factory=dict)  # role name -> member id (None: anonymous)
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["ids"][name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def world(make_member, monkeypatch) -> World:
    from app.deliberation import services as deliberation
    from app.governance.services import level_by_code, matter_by_code
    from app.meetings import services as meetings
    from app.meetings.assembly import services as ga
    from app.meetings.services import triads
    from app.members import services as members
    from app.notifications import services as notifications
    from app.votes import services as votes
    from app.workgroups import services as workgroups

    # Convocations are e-mailed; the matrix is about who may send them, not the mail itself.
    monkeypatch.setattr(ga, "send_email", lambda *args, **kwargs: None)
    w = World()
    since = date(2024, 1, 1)

    # --- the roles under test ---------------------------------------------------------------
    roles = {
        "cape": make_member(MemberStatus.CAPE, since=since, name="Camille Cape"),
        "es": make_member(MemberStatus.ES, since=since, name="Étienne Salarié"),
        "esa": make_member(MemberStatus.ESA, since=since, name="Estelle Associée"),
        "cogerant": make_member(MemberStatus.ESA, since=since, roles=[RoleKind.CO_MANAGER], name="Corinne Cogérante"),
        "admin": make_member(MemberStatus.ESA, since=since, roles=[RoleKind.ADMINISTRATOR], name="Adrien Admin"),
        "wg_b": make_member(MemberStatus.ES, since=since, name="Bérénice du groupe B"),
        "former": make_member(MemberStatus.ES, since=since, name="Fabien Parti"),
    }

    # --- the world's own members (owners of everything) -------------------------------------
    gerant = make_member(MemberStatus.ESA, since=since, roles=[RoleKind.CO_MANAGER], name="Gaston Gérant", shares=5)
    author = make_member(MemberStatus.ES, since=since, name="Aline Autrice")
    amender = make_member(MemberStatus.ESA, since=since, name="Amédée Amendeur")
    lead_a = make_member(MemberStatus.ES, since=since, name="Léa Animatrice A")
    member_a = make_member(MemberStatus.CAPE, since=since, name="Marc Membre A")
    member_b = make_member(MemberStatus.ESA, since=since, name="Nina Membre B")
    newcomer = make_member(MemberStatus.CAPE, since=since, name="Noé Nouveau", activated=False)

    # --- deliberation ---------------------------------------------------------------------------
    proposal = deliberation.create_proposal(
        author, title="Des bureaux partagés", summary="", body="Premier paragraphe.\n\nSecond paragraphe.",
        matter_id=matter_by_code("everyday").id)
    deliberation.open_for_debate(proposal, author)
    comment = deliberation.add_comment(proposal, author, "Un premier avis.", "for")
    amendment = deliberation.propose_amendment(proposal, amender, "Un autre texte.\n\nSecond paragraphe.",
                                               rationale="Plus clair")
    draft = deliberation.create_proposal(author, title="Un brouillon", body="Pas encore prêt.",
                                         matter_id=matter_by_code("everyday").id)
    decided = deliberation.create_proposal(author, title="Une décision prise", body="Adoptée.",
                                           matter_id=matter_by_code("everyday").id,
                                           level_id=level_by_code("seminar").id)
    deliberation.open_for_debate(decided, author)
    deliberation.schedule_for_meeting(decided, gerant, "Séminaire d'automne")
    record = deliberation.record_decision(decided, "adopted", "meeting:1", local_today(), actor=gerant)

    # --- votes ----------------------------------------------------------------------------------
    ballot = votes.open_ballot(votes.create_ballot(title="Adopter la charte", level=level_by_code("seminar")))

    # --- workgroups: A (invitation-only, with its notes) and B -----------------------------------
    mandate = {"question": "Comment partager les bureaux ?", "expected_output": "Une proposition",
               "due_on": local_today() + timedelta(days=30), "reports_to_level_id": level_by_code("seminar").id,
               "decided_by_level_id": level_by_code("seminar").id, "decision_reference": "Séminaire de mars",
               "open_membership": False}
    group_a = workgroups.create_by_decision(gerant, name="Groupe A", facilitator_ids=[lead_a.id],
                                            member_ids=[member_a.id, roles["former"].id], **mandate)
    group_b = workgroups.create_by_decision(gerant, name="Groupe B", facilitator_ids=[roles["wg_b"].id],
                                            member_ids=[member_b.id], **mandate)
    first_notes = workgroups.save_notes(group_a, lead_a, "Nos notes, première version.", 0)
    second_notes = workgroups.save_notes(group_a, member_a, "Nos notes, seconde version.", first_notes.number)
    message = workgroups.post_message(group_a, member_a, "Bonjour le groupe A")
    report = workgroups.deliver_report(group_a, lead_a, recommendation="adopt", body="Nous recommandons.")

    # --- a seminar in session now, with a document, a raised hand and trinômes -------------------
    now = utcnow()
    meeting = meetings.create_meeting(kind="seminar", title="Séminaire d'automne", starts_at=now - timedelta(hours=1),
                                      ends_at=now + timedelta(hours=6), place="Lyon", facilitator_ids=[gerant.id],
                                      created_by=gerant)
    item = meetings.add_item(meeting, gerant, kind="topic", title="Vie coopérative")
    meetings.add_item(meeting, gerant, kind="topic", title="Trinômes")
    document = meetings.add_document(item, gerant, title="Charte", url="https://example.org/charte.pdf")
    for person in (author, amender, lead_a, member_a, member_b):
        meetings.mark_present(meeting, gerant, person)
    meetings.start_session(meeting, gerant)
    meetings.open_debate(meeting, gerant)
    triads.generate(meeting, gerant, seed=1)

    # --- a convened general assembly with one resolution ------------------------------------------
    assembly_at = now + timedelta(days=30)
    assembly = ga.create_assembly(gerant, title="Assemblée générale", starts_at=assembly_at,
                                  ends_at=assembly_at + timedelta(hours=3), place="Lyon")
    resolution = ga.add_resolution(assembly, gerant, title="Approbation des comptes", text="L'assemblée approuve.",
                                   kind="ordinary", gerance_supports=True)
    ga.convene(assembly, gerant)

    # --- things that belong to somebody else --------------------------------------------------------
    notice = notifications.notify(author, "mention", "Vous êtes mentionnée.")
    _, token = members.create_api_token(author, "Script d'Aline")

    # The former member left after all of the above: they keep a workgroup seat and a session cookie.
    members.record_status(roles["former"], MemberStatus.FORMER, local_today() - timedelta(days=1), recorded_by=gerant)
    db.session.flush()

    w.roles = {"anon": None, **{name: member.id for name, member in roles.items()}}
    w.ids.update(
        proposal=proposal.id, draft=draft.id, comment=comment.id, amendment=amendment.id, record=record.id,
        ballot=ballot.id, group_a=group_a.id, group_b=group_b.id, notes_old=first_notes.number,
        notes_new=second_notes.number, message=message.id, report=report.id, meeting=meeting.id, item=item.id,
        document=document.id, assembly=assembly.meeting_id, resolution=resolution.id, notice=notice.id,
        token=token.id, subject=author.id, member_a=member_a.id, member_b=member_b.id, newcomer=newcomer.id,
        gerant=gerant.id, level_seminar=level_by_code("seminar").id, matter=matter_by_code("everyday").id,
        revision=proposal.revision_number,
    )
    w.tokens.update(
        projector=meetings.projector_token(meeting),
        reply=meetings.reply_token(meeting, member_a),
        invitation=members.make_link_token(newcomer, "invitation"),
        reset=members.make_link_token(author, "reset"),
    )
    db.session.commit()
    db.session.remove()
    return w
