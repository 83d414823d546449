"""Build a held general assembly and write its procès-verbal (the committed example, the bench).

    .venv/bin/python scripts/assembly_example.py            # docs/examples/proces-verbal-exemple.pdf

It runs on a throwaway SQLite database built by the migrations, loads the demo cooperative
(`flask demo`) and holds an ordinary and extraordinary assembly through the services, as
the platform does. `build_assembly` is reused by bench/assembly_pv.py with more associates.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MEETING_AT = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
CONVENED_AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
IN_SESSION = MEETING_AT + timedelta(minutes=30)

RESOLUTIONS = [
    ("Approbation des comptes de l'exercice 2025", "ordinary", True,
     "L'assemblée générale, après avoir entendu le rapport de gestion de la gérance, approuve les comptes de "
     "l'exercice clos le 31 décembre 2025 tels qu'ils lui ont été présentés."),
    ("Affectation des excédents", "ordinary", True,
     "L'assemblée générale décide d'affecter les excédents nets de gestion : 45 % aux réserves impartageables, "
     "40 % à la part travail, 15 % aux parts sociales."),
    ("Admission de nouveaux associés", "ordinary", True,
     "L'assemblée générale prend acte des candidatures présentées et admet les entrepreneurs-salariés candidats "
     "en qualité d'associés."),
    ("Modification de l'article 12 des statuts (transfert du siège social)", "extraordinary", True,
     "L'assemblée générale extraordinaire décide de transférer le siège social et de modifier l'article 12 "
     "des statuts en conséquence."),
    ("Motion d'associés sur les locaux partagés", "ordinary", False,
     "Les associés proposent d'étudier la location d'un second local partagé dès 2027."),
]


def make_app(path: str):
    os.environ.setdefault("FACETTES_CONFIG", "testing")
    from app import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", WTF_CSRF_ENABLED=False)
    return app


def build_assembly(*, associates: int | None = None, resolutions: int | None = None):
    """The demo cooperative (plus generated associates up to `associates`) holding an assembly."""
    from app.extensions import db
    from app.meetings import services as meetings
    from app.meetings.assembly import services as ga
    from app.members import services as members
    from app.members.demo import load_demo
    from app.members.models import MemberStatus, RoleKind
    from app.votes import services as votes

    load_demo(date(2026, 5, 1))
    db.session.flush()
    day = CONVENED_AT.date()
    gerant = next(m for m in ga.electorate_on_day(day) if m.has_role_on(RoleKind.CO_MANAGER, day))
    admin = next(m for m in db.session.scalars(db.select(members.Member))
                 if m.has_role_on(RoleKind.ADMINISTRATOR, date.today()))
    ga.update_profile(admin, name="Kaleido'Scop", legal_form="scop_sarl",
                      registered_office="12 rue des Tisserands, 69001 Lyon",
                      registration_number="RCS Lyon 812 345 678")
    existing = len(ga.electorate_on_day(day))
    for n in range(max(0, (associates or 0) - existing)):
        members.create_member(email=f"associe{n}@bench.example", full_name=f"Associé·e {n + 1:03d}",
                              status=MemberStatus.ESA, status_since=date(2024, 1, 1), shares=1 + n % 7)
    db.session.flush()
    texts = RESOLUTIONS if resolutions is None else [
        (f"Résolution de test {n + 1}", "ordinary" if n % 4 else "extraordinary", n % 5 != 4,
         RESOLUTIONS[n % len(RESOLUTIONS)][3]) for n in range(resolutions)]
    assembly = ga.create_assembly(gerant, title="Assemblée générale annuelle 2026", starts_at=MEETING_AT,
                                  ends_at=MEETING_AT + timedelta(hours=3), place="Salle du Conseil, 69001 Lyon",
                                  scope="both")
    for title, kind, supported, text in texts:
        ga.add_resolution(assembly, gerant, title=title, text=text, kind=kind,
                          proposer="gerance" if supported else "associates", gerance_supports=supported)
    voters = ga.electorate(assembly, CONVENED_AT)
    for member in voters[: max(1, len(voters) // 3)]:
        ga.record_consent(member, gerant, given_on=date(2025, 1, 15), document="Formulaire signé")
    ga.convene(assembly, gerant, now=CONVENED_AT)
    voters = ga.electorate(assembly)
    present = voters[: len(voters) * 7 // 10]
    remote = voters[len(present): len(present) + max(1, len(voters) // 10)]
    absent = voters[len(present) + len(remote):]
    for member in present:
        meetings.mark_present(assembly.meeting, gerant, member, now=IN_SESSION)
    for member in remote:
        meetings.mark_present(assembly.meeting, gerant, member, mode="remote", now=IN_SESSION)
    cap = votes.proxy_cap(len(voters))
    proxies = []
    for i, member in enumerate(absent[: len(absent) // 2]):
        holder = present[(i // cap) % len(present)]
        ga.grant_proxy(assembly, gerant, grantor=member, holder=holder, document="Pouvoir signé remis au bureau")
        proxies.append((holder, member))
    if len(absent) >= 2:
        ga.grant_proxy(assembly, gerant, grantor=absent[-1], holder=None, document="Pouvoir retourné sans nom")
    others = [m for m in voters if m.id != gerant.id]
    ga.set_bureau(assembly, gerant, chair_id=gerant.id, chair_capacity="co-gérant·e",
                  secretary_id=others[0].id, scrutineer_ids=[others[1].id, others[2].id])
    ga.save_summary(assembly, gerant, documents="Rapport de gestion de la gérance ; comptes annuels 2025 ; "
                    "rapport du réviseur coopératif ; projet de statuts modifiés",
                    debates_summary="La gérance présente les comptes ; questions sur la part travail et sur le "
                    "coût des locaux. Les associés débattent du transfert du siège, jugé nécessaire.")
    ga.record_incident(assembly, gerant, "Connexion d'un associé à distance interrompue pendant 4 minutes "
                       "lors du vote de la résolution 2 ; il a pu voter après reconnexion.", now=IN_SESSION)
    for index, resolution in enumerate(assembly.resolutions):
        ga.open_resolution(resolution, gerant, now=IN_SESSION)
        ballot = resolution.ballot
        for k, member in enumerate(present + remote):
            choice = "for" if (k + index) % 9 else ("against" if k % 2 else "abstain")
            if not resolution.gerance_supports:
                choice = "against" if k % 3 else "for"
            votes.cast_vote(ballot, member, {"choice": choice}, f"example-{ballot.id}-{member.id}-vote",
                            now=IN_SESSION)
        for holder, grantor in proxies:
            votes.cast_vote(ballot, holder, {"choice": "for"}, f"example-{ballot.id}-{grantor.id}-proxy",
                            on_behalf_of=grantor, now=IN_SESSION)
        ga.close_resolution(resolution, gerant, now=IN_SESSION)
    ga.close_assembly(assembly, gerant, now=MEETING_AT + timedelta(hours=2, minutes=40))
    db.session.flush()
    return assembly, gerant


def main() -> None:
    from app.extensions import db
    from app.meetings.assembly import minutes

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(os.path.join(tmp, "example.sqlite"))
        with app.app_context(), app.test_request_context():
            from flask_migrate import upgrade

            upgrade()
            assembly, gerant = build_assembly()
            entry = minutes.finalize(assembly, gerant)
            db.session.commit()
            pdf = minutes.to_pdf(minutes.entry_blocks(entry), sha256=entry.sha256)
            root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            target = os.path.join(root, "docs", "examples", "proces-verbal-exemple.pdf")
            with open(target, "wb") as out:
                out.write(pdf)
            print(f"{target}: {len(pdf)} bytes, minutes no. {entry.number}, sha256 {entry.sha256}")


if __name__ == "__main__":
    main()
