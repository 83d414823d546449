"""The demo cooperative: a believable Kaleido'Scop to try Facettes on (`flask demo`).

Modelled on the cooperative's own text (the seed): CAPE, ES and ESA members, one
non-employee associate and one former member, status histories over the last years,
two co-managers, the administrator, tutors following newcomers, and the skills and
themes the cooperative lists. Dates are counted back from today, so the 30-month
warning of an ES near the 3-year deadline always shows. No randomness: the same day
gives the same cooperative.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.members import services
from app.members.models import Member, MemberStatus, RoleKind
from app.timeutil import add_months, local_today, utcnow

DEMO_PASSWORD = "facettes-demo"
DEMO_DOMAIN = "kaleidoscop.example"  # .example is reserved: no demo e-mail can reach anyone

CAPE, ES, ESA = MemberStatus.CAPE, MemberStatus.ES, MemberStatus.ESA
EXTERNAL, FORMER = MemberStatus.EXTERNAL_ASSOCIATE, MemberStatus.FORMER

# The seed's "compétences-métiers principales", plus research-action it also names.
SKILLS = {
    "amo": "assistance à maîtrise d’ouvrage",
    "amu": "assistance à maîtrise d’usage",
    "formation": "formateur-trice",
    "facilitation": "facilitateur-trice",
    "socio": "sociologue",
    "transfo": "accompagnateur-trice des transformations",
    "ra": "recherche-action",
}


@dataclass(frozen=True)
class DemoMember:
    name: str
    # (status, months before today), oldest first: the member's status history.
    path: tuple[tuple[MemberStatus, int], ...]
    shares: int = 0
    skills: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    bio: str = ""
    language: str | None = None

    @property
    def email(self) -> str:
        return demo_email(self.name)


def demo_email(name: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    first, _, last = plain.lower().replace("'", "").replace("’", "").partition(" ")
    return f"{first}.{last.replace(' ', '-')}@{DEMO_DOMAIN}"


MEMBERS: tuple[DemoMember, ...] = (
    DemoMember(
        "Sophie Marchand", ((CAPE, 100), (ES, 94), (ESA, 76)), 15, ("formation",),
        ("organisation des collectifs", "économie sociale et solidaire"),
        "Responsable administration-gestion de la coopérative : comptes d’activité, paie, suivi des "
        "entrées. Formatrice en gestion coopérative le reste du temps.",
    ),
    DemoMember(
        "Claire Dumas", ((CAPE, 108), (ES, 102), (ESA, 84)), 30, ("facilitation", "amu"),
        ("urbanisme participatif", "participation citoyenne", "démocratie locale"),
        "Facilitatrice de concertations sur les projets urbains, co-gérante depuis deux ans. Aime les "
        "ateliers en plein air et les cartes dessinées à plusieurs mains.",
    ),
    DemoMember(
        "Karim Benali", ((ES, 70), (ESA, 40)), 20, ("amo",),
        ("aménagement urbain", "mobilité durable", "politiques publiques"),
        "Ancien chargé de mission en collectivité, accompagne les maîtres d’ouvrage publics dans leurs "
        "projets de mobilité. Co-gérant.",
    ),
    DemoMember(
        "Hugo Chevalier", ((ES, 110), (ESA, 90)), 25, ("transfo",),
        ("transformation des organisations", "économie sociale et solidaire"),
        "Un des fondateurs de Kaleido’Scop, ancien co-gérant. Accompagne associations et SCOP dans leurs "
        "changements de gouvernance.",
    ),
    DemoMember(
        "Mathieu Girard", ((CAPE, 64), (ES, 58), (ESA, 30)), 10, ("socio", "ra"),
        ("diagnostics d’usage", "expérimentation dans l’espace public"),
        "Sociologue, mène des diagnostics d’usage et des recherches-actions avec les habitants. Tuteur "
        "d’Inès pour ses premiers mois.",
    ),
    DemoMember(
        "Nadia Haddad", ((ES, 56), (ESA, 36)), 10, ("facilitation", "formation"),
        ("interculturalité", "genre"),
        "Formatrice et facilitatrice, travaille le dialogue interculturel et l’égalité dans les collectifs. "
        "Tutrice de Samuel.",
    ),
    DemoMember(
        "Élise Fontaine", ((CAPE, 52), (ES, 46), (ESA, 22)), 8, ("amu",),
        ("habitat participatif", "développement durable"),
        "Accompagne des groupes d’habitat participatif, de la première réunion à l’emménagement.",
    ),
    DemoMember(
        "Julien Roux", ((ES, 44), (ESA, 18)), 6, ("formation",),
        ("communication", "participation citoyenne"),
        "Formateur en communication participative ; anime le groupe de travail sur l’image de la coopérative.",
    ),
    DemoMember(
        "Thomas Lefèvre", ((CAPE, 40), (ES, 34), (ESA, 10)), 5, ("amo",),
        ("mobilité durable", "aménagement urbain"),
        "Urbaniste, assiste les communes rurales dans leurs projets d’aménagement de centre-bourg.",
    ),
    DemoMember(
        "Amandine Perrin", ((ES, 38), (ESA, 14)), 5, ("socio",),
        ("genre", "politiques publiques"),
        "Sociologue des politiques publiques, évalue des dispositifs de participation citoyenne.",
    ),
    DemoMember(
        "Fatou Diallo", ((CAPE, 36), (ES, 31), (ESA, 2)), 3, ("facilitation",),
        ("coopération internationale", "interculturalité"),
        "Facilite des projets de coopération entre collectivités d’ici et d’Afrique de l’Ouest. Associée "
        "depuis peu.",
    ),
    DemoMember(
        "Léa Moreau", ((CAPE, 34), (ES, 28)), 0, ("facilitation",),
        ("démocratie locale", "participation citoyenne"),
        "Anime des budgets participatifs et des conseils citoyens. Sa candidature au sociétariat est en "
        "préparation pour la prochaine AG.",
    ),
    DemoMember(
        "Maxime Dubois", ((ES, 32),), 0, ("transfo",),
        ("transformation des organisations",),
        "Accompagne les équipes qui changent d’organisation ; réfléchit encore à sa prise de parts.",
    ),
    DemoMember(
        "Sarah O’Connor", ((CAPE, 28), (ES, 20)), 0, ("formation",),
        ("coopération internationale", "interculturalité"),
        "Trainer in intercultural facilitation, arrived from Dublin; runs workshops in English and French.",
        language="en",
    ),
    DemoMember(
        "Gaëlle Rousseau", ((ES, 14),), 0, ("amu",),
        ("habitat participatif", "diagnostics d’usage"),
        "Architecte de formation, aide les habitants à programmer les espaces partagés de leurs immeubles.",
    ),
    DemoMember(
        "Antoine Blanc", ((CAPE, 22), (ES, 12)), 0, ("socio",),
        ("expérimentation dans l’espace public", "urbanisme participatif"),
        "Conçoit des installations éphémères pour tester des usages de l’espace public avec les passants.",
    ),
    DemoMember(
        "Manon Guérin", ((ES, 9),), 0, ("facilitation",),
        ("communication", "développement durable"),
        "Facilitatrice graphique : fresques, cartes mentales et comptes rendus dessinés.",
    ),
    DemoMember(
        "Samuel Petit", ((ES, 5),), 0, ("amo",),
        ("mobilité durable",),
        "Ingénieur en mobilités, arrivé au printemps ; suivi par Nadia pendant son tutorat.",
    ),
    DemoMember(
        "Zoé Lemaire", ((CAPE, 16), (ES, 7)), 0, ("transfo",),
        ("organisation des collectifs", "genre"),
        "Accompagne des collectifs militants dans leur organisation interne.",
    ),
    DemoMember(
        "Inès Bouchard", ((CAPE, 3),), 0, ("facilitation",),
        ("participation citoyenne",),
        "Teste son activité de facilitation en CAPE ; entrée décidée au dernier séminaire, suivie par Mathieu.",
    ),
    DemoMember(
        "Romain Garnier", ((CAPE, 7),), 0, ("formation",),
        ("économie sociale et solidaire",),
        "Formateur en création d’entreprise coopérative, en CAPE depuis l’été.",
    ),
    DemoMember(
        "Chloé Lambert", ((CAPE, 1),), 0, ("socio",),
        ("genre", "politiques publiques"),
        "Vient d’arriver : enquêtes sociologiques sur l’égalité dans les politiques locales.",
    ),
    DemoMember(
        "Yanis Mercier", ((CAPE, 10),), 0, ("amu",),
        ("aménagement urbain",),
        "Accompagne les usagers dans la conception de tiers-lieux ; prépare son passage en ES.",
    ),
    DemoMember(
        "Bernadette Collin", ((EXTERNAL, 66),), 20, (),
        ("économie sociale et solidaire", "démocratie locale"),
        "Ancienne élue locale, associée non salariée : elle soutient le projet et vote en AG.",
    ),
    DemoMember(
        "Pierre Aubert", ((CAPE, 96), (ES, 90), (ESA, 72), (FORMER, 14)), 0, ("amo",),
        ("aménagement urbain",),
        "Parti créer un bureau d’études ; ses parts lui ont été remboursées.",
    ),
)

ADMINISTRATOR = "Sophie Marchand"
# (member, months before today it started): co-managers are appointed by the AG for at most 4 years.
CO_MANAGERS = (("Claire Dumas", 24), ("Karim Benali", 12))
PAST_CO_MANAGERS = (("Hugo Chevalier", 60),)
# (tutor, newcomer, months before today, duration in months): 6 to 12 months, as the seed says.
TUTORS = (("Mathieu Girard", "Inès Bouchard", 3, 9), ("Nadia Haddad", "Samuel Petit", 5, 10),
          ("Élise Fontaine", "Gaëlle Rousseau", 14, 10))

NOTES = {
    ES: "Entrée décidée en séminaire interne",
    ESA: "Admission comme associé·e votée en assemblée générale",
    FORMER: "Départ, après un parcours de sortie",
}

ADMIN_EMAIL = demo_email(ADMINISTRATOR)


class DemoSkipped(Exception):
    """The database already holds members: the demo only fills an empty one."""

    def __init__(self, already_loaded: bool):
        super().__init__("demo already loaded" if already_loaded else "database not empty")
        self.already_loaded = already_loaded


def load_demo(today: date | None = None) -> list[Member]:
    """Create the demo cooperative in an empty database; flushes, the caller commits."""
    if db.session.scalar(select(func.count()).select_from(Member)):
        raise DemoSkipped(already_loaded=services.find_by_email(ADMIN_EMAIL) is not None)
    today = today or local_today()

    def months_ago(months: int) -> date:
        return add_months(today, -months)

    # One hash for every account: the password is public anyway, and 25 argon2 hashes take seconds.
    password_hash = services.hash_password(DEMO_PASSWORD)
    by_name: dict[str, Member] = {}
    admin = None
    for spec in sorted(MEMBERS, key=lambda m: m.name != ADMINISTRATOR):  # the admin records the others
        (first_status, first_months), *later = spec.path
        initial_shares = spec.shares if first_status.is_associate else 0
        member = services.create_member(
            email=spec.email, full_name=spec.name, status=first_status, status_since=months_ago(first_months),
            shares=initial_shares, language=spec.language, recorded_by=admin,
        )
        for status, months in later:
            services.record_status(member, status, months_ago(months), recorded_by=admin, note=NOTES.get(status, ""))
        if member.shares != spec.shares:
            services.set_shares(member, spec.shares)
        services.update_profile(member, bio=spec.bio, skills=[SKILLS[key] for key in spec.skills],
                                themes=list(spec.themes))
        member.password_hash = password_hash
        member.activated_at = member.invited_at = utcnow()
        by_name[spec.name] = member
        if spec.name == ADMINISTRATOR:
            admin = member
            services.assign_role(member, RoleKind.ADMINISTRATOR, months_ago(72),
                                 note="Poste mutualisé de responsable administration-gestion")

    for name, months in CO_MANAGERS + PAST_CO_MANAGERS:
        starts = months_ago(months)
        services.assign_role(by_name[name], RoleKind.CO_MANAGER, starts, add_months(starts, 48) - timedelta(days=1),
                             note="Nommé·e par l’assemblée générale pour quatre ans")
    for tutor, newcomer, months, duration in TUTORS:
        starts = months_ago(months)
        services.assign_role(by_name[tutor], RoleKind.TUTOR, starts, add_months(starts, duration),
                             tutee=by_name[newcomer])
    db.session.flush()
    return [by_name[spec.name] for spec in MEMBERS]
