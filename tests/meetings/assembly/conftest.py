"""Fixtures of the general-assembly tests: a SCOP's associates, an assembly, a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.meetings.assembly import services as ga
from app.members.models import MemberStatus, RoleKind

MEETING_AT = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
CONVENED_AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 19 days before
IN_SESSION = MEETING_AT + timedelta(minutes=30)


@pytest.fixture
def gerant(make_member):
    return make_member(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER, RoleKind.ADMINISTRATOR],
                       name="Gaston Gérant", email="gerant@example.org", language="en", shares=10)


@pytest.fixture
def associates(make_member, gerant):
    """Nine associates besides the gérant: ten voters."""
    return [gerant] + [make_member(MemberStatus.ESA, since=date(2024, 1, 1), name=f"Associé {n}", shares=n,
                                   language="en") for n in range(1, 10)]


@pytest.fixture
def mails(monkeypatch):
    sent = []
    monkeypatch.setattr(ga, "send_email", lambda to, subject, body, attachments=(): sent.append((to, subject, body)))
    return sent


@pytest.fixture
def make_assembly(gerant, mails):
    def make(*, scope="ordinary", resolutions=(("Approbation des comptes 2025", "ordinary", True),),
             convene=True, starts_at=MEETING_AT):
        assembly = ga.create_assembly(gerant, title="Assemblée générale 2026", starts_at=starts_at,
                                      ends_at=starts_at + timedelta(hours=3), place="Salle du Conseil, Lyon",
                                      scope=scope)
        for title, kind, supported in resolutions:
            ga.add_resolution(assembly, gerant, title=title, text=f"L'assemblée décide : {title}.", kind=kind,
                              proposer="gerance" if supported else "associates", gerance_supports=supported)
        if convene:
            ga.convene(assembly, gerant, now=CONVENED_AT)
        return assembly

    return make


def check_in(assembly, gerant, members, mode="on_site"):
    from app.meetings import services

    for member in members:
        services.mark_present(assembly.meeting, gerant, member, mode=mode, now=IN_SESSION)


def vote(resolution, voters, choice, *, holder=None):
    from app.votes import services as votes

    for member in voters:
        if holder is None:
            key = f"vote-key-{member.id}-{resolution.id}-xxxxxxxx"
            votes.cast_vote(resolution.ballot, member, {"choice": choice}, key, now=IN_SESSION)
        else:
            key = f"vote-key-{member.id}-{resolution.id}-by-proxy"
            votes.cast_vote(resolution.ballot, holder, {"choice": choice}, key,
                            on_behalf_of=member, now=IN_SESSION)
