"""CSV import of members: formats people really export, every bad row reported, all or nothing."""

import io
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.errors import InvalidInput
from app.extensions import db
from app.members import importer, services
from app.members.importer import ImportRejected, import_csv, parse_status_label
from app.members.models import Member, MemberStatus, Skill, Theme
from tests.conftest import link_in, sign_in

SAMPLE_FILE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "members-import.csv"


def member_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Member))


def by_email(email: str) -> Member:
    return db.session.scalar(select(Member).where(Member.email == email))


def rejected(raw: bytes, **kwargs) -> list[tuple]:
    """(line, column, code) of every error, messages in English."""
    with force_locale("en"), pytest.raises(ImportRejected) as caught:
        import_csv(raw, recorded_by=None, send_invitations=False, **kwargs)
    return [(e.line, e.column, e.code) for e in caught.value.errors]


# --- valid files ---------------------------------------------------------------------------------


def test_comma_file_with_english_headers_creates_members_and_invites_them(client, admin, smtp_server):
    raw = (
        "full_name,email,status,status_since,shares,language,skills,themes\n"
        "Camille Martin,Camille.Martin@Example.org,cape,2026-09-01,0,fr,sociologue,\"genre, démocratie locale\"\n"
        "Yannick Le Gall,yannick@example.org,es,2025-03-15,,en,,\n"
        "Aïcha Benkacem,aicha@example.org,esa,2022-01-10,5,,\"facilitateur-trice, formateur-trice\",\n"
    ).encode()
    before = member_count()
    report = import_csv(raw, recorded_by=admin, send_invitations=True)
    db.session.commit()  # invitations leave after the commit, as at the end of a request

    assert report.created == 3 and report.invited == 3
    assert member_count() == before + 3
    camille = by_email("camille.martin@example.org")
    assert camille.full_name == "Camille Martin"
    assert camille.status_on(date(2026, 9, 1)) is MemberStatus.CAPE
    assert camille.status_on(date(2026, 8, 31)) is None
    assert camille.status_changes[0].recorded_by == admin
    assert [s.label for s in camille.skills] == ["sociologue"]
    assert [t.label for t in camille.themes] == ["démocratie locale", "genre"]
    assert camille.language == "fr" and camille.shares == 0
    yannick = by_email("yannick@example.org")
    assert yannick.status_on(date(2025, 3, 15)) is MemberStatus.ES and yannick.language == "en"
    aicha = by_email("aicha@example.org")
    assert aicha.status_on(date(2022, 1, 10)) is MemberStatus.ESA and aicha.shares == 5
    assert [s.label for s in aicha.skills] == ["facilitateur-trice", "formateur-trice"]

    assert sorted(m["To"] for m in smtp_server.messages) == [
        "aicha@example.org", "camille.martin@example.org", "yannick@example.org"]
    # The invitation works: the member reaches the page where they choose a password.
    message = next(m for m in smtp_server.messages if m["To"] == "aicha@example.org")
    page = client.get(link_in(message, "/invitation/"))
    assert page.status_code == 200 and "Aïcha" in page.get_data(as_text=True)


def test_semicolons_bom_french_headers_labels_and_dates(smtp_server):
    raw = (
        "\ufeffPrénom;Nom;Adresse e-mail;Statut;Depuis;Parts sociales;Langue;Compétences;Thématiques\n"
        "Zoé;Lemaire;zoe@example.org;Entrepreneure-salariée;01/02/2024;;Français;sociologue;genre\n"
        "Hugo;Chevalier;hugo@example.org;ESA;1/9/2020;1 000;;;\n"
        "Bernadette;Collin;bernadette@example.org;Associée non salariée;2020-06-30 00:00:00;20;;;\n"
        "Pierre;Aubert;pierre@example.org;ancien membre;31.12.2023;0;;;\n"
        "Inès;Bouchard;ines@example.org;cape;15/10/2026;;EN;;\n"
        ";;;;;;;;\n"  # the empty rows a spreadsheet leaves at the end
    ).encode()
    report = import_csv(raw, recorded_by=None, send_invitations=True)
    db.session.commit()

    assert report.created == 5
    zoe = by_email("zoe@example.org")
    assert zoe.full_name == "Zoé Lemaire" and zoe.language == "fr"
    assert zoe.status_on(date(2024, 2, 1)) is MemberStatus.ES
    assert by_email("hugo@example.org").shares == 1000
    assert by_email("hugo@example.org").status_on(date(2020, 9, 1)) is MemberStatus.ESA
    bernadette = by_email("bernadette@example.org")
    assert bernadette.status_on(date(2020, 6, 30)) is MemberStatus.EXTERNAL_ASSOCIATE
    assert by_email("pierre@example.org").status_on(date(2023, 12, 31)) is MemberStatus.FORMER
    assert by_email("ines@example.org").language == "en"
    # A former member could not sign in: no invitation for them.
    assert report.invited == 4
    assert "pierre@example.org" not in {m["To"] for m in smtp_server.messages}
    assert len(smtp_server.messages) == 4


def test_windows_1252_file_from_a_french_excel_is_read():
    raw = ("nom;courriel;statut;depuis;parts\r\n"
           "Gaëlle Rousseau;gaelle@example.org;associé non salarié;03/04/2021;2\r\n").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the point of the test: this is not UTF-8
    report = import_csv(raw, recorded_by=None, send_invitations=False)
    gaelle = report.members[0]
    assert gaelle.full_name == "Gaëlle Rousseau"
    assert gaelle.status_on(date(2021, 4, 3)) is MemberStatus.EXTERNAL_ASSOCIATE


def test_earlier_cape_is_recorded_and_counts_for_the_associate_deadline(monkeypatch):
    raw = ("nom;courriel;statut;depuis;cape_depuis\n"
           "Léa Moreau;lea@example.org;ES;01/06/2024;01/12/2023\n"
           "Sans Cape;sans@example.org;ES;01/06/2024;\n").encode()
    import_csv(raw, recorded_by=None, send_invitations=False)
    monkeypatch.setattr(services, "local_today", lambda: date(2026, 11, 30))
    lea = by_email("lea@example.org")
    assert [(c.status, c.effective_on) for c in lea.status_changes] == [
        ("cape", date(2023, 12, 1)), ("es", date(2024, 6, 1))]
    # Code du travail L7331-3: 3 years of ES minus the 183 days under CAPE.
    deadline = services.associate_deadline(lea)
    assert deadline.cape_days == 183 and deadline.deadline == date(2026, 11, 30)
    assert services.associate_deadline(by_email("sans@example.org")).deadline == date(2027, 6, 1)


def test_cape_start_must_come_before_a_later_status():
    raw = (b"nom;courriel;statut;depuis;cape_depuis\n"
           b"A;a@example.org;cape;2025-01-01;2024-01-01\n"
           b"B;b@example.org;es;2025-01-01;2025-01-01\n"
           b"C;c@example.org;es;2025-01-01;hier\n")
    assert rejected(raw) == [(2, "cape_depuis", "bad_cape"), (3, "cape_depuis", "bad_cape"),
                             (4, "cape_depuis", "bad_date")]
    assert member_count() == 0


def test_skills_and_themes_reuse_existing_labels_and_are_shared_between_rows(make_member):
    existing = make_member()
    services.update_profile(existing, skills="sociologue", themes="genre")
    raw = ("name,email,status,since,skills,themes,bio\n"
           "A,a@example.org,es,2025-01-01,\"sociologue; facilitateur-trice, sociologue\",genre,Une présentation.\n"
           "B,b@example.org,es,2025-01-01,facilitateur-trice,,\n"
           "C,c@example.org,es,2025-01-01,,,\n").encode()
    import_csv(raw, recorded_by=None, send_invitations=False)
    a, b, c = (by_email(f"{x}@example.org") for x in "abc")
    assert [s.label for s in a.skills] == ["facilitateur-trice", "sociologue"]
    assert [t.label for t in a.themes] == ["genre"] and a.bio == "Une présentation."
    assert [s.label for s in b.skills] == ["facilitateur-trice"] and b.themes == []
    assert c.skills == [] and c.themes == [] and c.bio == ""
    # One row per label: "sociologue" and "genre" were reused, "facilitateur-trice" created once.
    assert db.session.scalar(select(func.count()).select_from(Skill)) == 2
    assert db.session.scalar(select(func.count()).select_from(Theme)) == 1
    assert a.skills[1] is existing.skills[0]


def test_no_invite_creates_without_sending(smtp_server):
    raw = b"name,email,status,since\nAnn Lee,ann@example.org,es,2025-01-01\n"
    report = import_csv(raw, recorded_by=None, send_invitations=False)
    db.session.commit()
    assert report.created == 1 and report.invited == 0
    assert by_email("ann@example.org").invited_at is None
    assert smtp_server.messages == []


@pytest.mark.parametrize("label, status", [
    ("CAPE", MemberStatus.CAPE), ("cape", MemberStatus.CAPE),
    ("ES", MemberStatus.ES), ("entrepreneur salarié", MemberStatus.ES), ("Entrepreneur·e salarié·e", MemberStatus.ES),
    ("esa", MemberStatus.ESA), ("ENTREPRENEUR-SALARIÉ-ASSOCIÉ", MemberStatus.ESA),
    ("external_associate", MemberStatus.EXTERNAL_ASSOCIATE), ("associé non salarié", MemberStatus.EXTERNAL_ASSOCIATE),
    ("ASSOCIE NON-SALARIE", MemberStatus.EXTERNAL_ASSOCIATE),
    ("associé·e non salarié·e", MemberStatus.EXTERNAL_ASSOCIATE),
    ("former", MemberStatus.FORMER), ("Ancien membre", MemberStatus.FORMER), ("ancien·ne membre", MemberStatus.FORMER),
    ("salarié", None), ("associé", None), ("", None), ("e s a x", None),
])
def test_status_codes_and_french_labels(label, status):
    assert parse_status_label(label) is status


# --- rejected files: every problem, its line, nothing written ---------------------------------------


def test_several_bad_rows_are_all_reported_with_their_lines_and_nothing_is_imported(make_member):
    make_member(email="deja@example.org")
    raw = (
        "nom;courriel;statut;depuis;parts;presentation\n"           # line 1
        "Bonne Ligne;ok@example.org;es;2025-01-01;0;\n"              # 2: fine
        ";sans-nom@example.org;es;2025-01-01;;\n"                     # 3: no name
        "Mauvais Statut;statut@example.org;salarié;2025-01-01;;\n"    # 4: unknown status
        "\n"                                                          # 5: blank, skipped but counted
        "Mauvaise Date;date@example.org;ES;2025-02-30;;\n"            # 6: no such date
        "Date Courte;court@example.org;ES;01/09/25;;\n"               # 7: two-digit year
        "Mauvais Courriel;pas-une-adresse;ES;2025-01-01;;\n"          # 8: bad e-mail
        "Doublon;OK@example.org;cape;2025-01-01;;\n"                  # 9: same address as line 2
        "Déjà Là;deja@example.org;cape;2025-01-01;;\n"               # 10: already in the database
        "Parts Négatives;neg@example.org;es;2025-01-01;-2;\n"         # 11: negative shares
        "Parts Décimales;dec@example.org;es;2025-01-01;2,5;\n"        # 12: not a whole number
        "Associée Sans Parts;esa@example.org;esa;2025-01-01;0;\"Une présentation\n"
        "sur deux lignes\"\n"                                         # 13-14: associate without shares
        "Après Multiligne;;es;;;\n"                                   # 15: no e-mail, no date
        "Langue;langue@example.org;es;2025-01-01;;\n"                 # 16: fine
    ).encode()
    before = member_count()
    errors = rejected(raw)
    assert errors == [
        (3, "nom", "missing_name"),
        (4, "statut", "unknown_status"),
        (6, "depuis", "bad_date"),
        (7, "depuis", "bad_date"),
        (8, "courriel", "bad_email"),
        (9, "courriel", "duplicate_email"),
        (10, "courriel", "email_taken"),
        (11, "parts", "bad_shares"),
        (12, "parts", "bad_shares"),
        (13, "parts", "associate_without_shares"),
        (15, "courriel", "missing_email"),
        (15, "depuis", "bad_date"),
    ]
    assert member_count() == before
    assert by_email("ok@example.org") is None


def test_messages_name_the_value_and_the_fix():
    raw = b"nom,email,statut,depuis\nA,a@example.org,salarie,2025-01-01\nB,a@example.org,es,2025-02-30\n"
    with force_locale("en"), pytest.raises(ImportRejected) as caught:
        import_csv(raw, recorded_by=None, send_invitations=False)
    messages = [e.message for e in caught.value.errors]
    assert "salarie" in messages[0] and "associé non salarié" in messages[0]
    assert messages[1] == "The address a@example.org is already on line 2."
    assert messages[2] == "The date “2025-02-30” does not exist."


@pytest.mark.parametrize("raw, expected", [
    (b"", [(None, None, "empty")]),
    (b"  \r\n\r\n", [(None, None, "empty")]),
    (b"nom;courriel;statut;depuis\r\n", [(None, None, "no_rows")]),
    (b"nom;courriel;statut;depuis\r\n;;;\r\n", [(None, None, "no_rows")]),
    (b"nom;statut\nA;es\n", [(1, None, "missing_column"), (1, None, "missing_column")]),
    (b"prenom;email;statut;depuis\nA;a@example.org;es;2025-01-01\n", [(1, None, "missing_column")]),
    (b"nom;email;statut;depuis;telephone\nA;a@example.org;es;2025-01-01;06\n",
     [(1, "telephone", "unknown_column")]),
    (b"nom;email;courriel;statut;depuis\nA;a@example.org;a@example.org;es;2025-01-01\n",
     [(1, "courriel", "duplicate_column")]),
    (b"nom;email;statut;depuis\nA;a@example.org;es;2025-01-01;surplus\n", [(2, None, "too_many_cells")]),
    (b"nom;email;statut;depuis;\nA;a@example.org;es;2025-01-01;valeur\n", [(2, None, "unnamed_column")]),
    (b"PK\x03\x04\x14\x00\x06\x00", [(None, None, "not_csv")]),
    ("nom;email;statut;depuis\n".encode("utf-16"), [(None, None, "encoding")]),
    (b"nom;email;statut;depuis\nA\x81;a@example.org;es;2025-01-01\n", [(None, None, "encoding")]),
])
def test_file_level_problems(raw, expected):
    assert rejected(raw) == expected
    assert member_count() == 0


def test_trailing_empty_columns_and_short_rows_are_accepted():
    raw = b"nom;email;statut;depuis;parts;;\nA;a@example.org;es;2025-01-01;;;\nB;b@example.org;cape;2025-01-01\n"
    report = import_csv(raw, recorded_by=None, send_invitations=False)
    assert report.created == 2


def test_row_and_size_limits(app, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    rows = "".join(f"M{i},m{i}@example.org,es,2025-01-01\n" for i in range(4))
    assert rejected(("name,email,status,since\n" + rows).encode()) == [(None, None, "too_many_rows")]
    three = "name,email,status,since\n" + "".join(f"M{i},m{i}@example.org,es,2025-01-01\n" for i in range(3))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", len(three) - 1)
    assert rejected(three.encode()) == [(None, None, "too_large")]
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", len(three))
    assert import_csv(three.encode(), recorded_by=None, send_invitations=False).created == 3


def test_dates_too_far_ahead_or_before_1900_are_refused():
    raw = b"name,email,status,since\nA,a@example.org,es,2205-09-01\nB,b@example.org,es,01/01/1899\n"
    assert rejected(raw) == [(2, "since", "bad_date"), (3, "since", "bad_date")]


def test_failure_while_creating_leaves_nothing_behind(monkeypatch):
    # Validation passed, then the database disagreed (someone else took the address meanwhile):
    # the savepoint removes the members already created from the same file.
    real_create = services.create_member
    calls = []

    def create_then_fail(**kwargs):
        calls.append(kwargs["email"])
        if len(calls) == 2:
            raise InvalidInput("The member could not be created.", fields={"email": ["Already used."]})
        return real_create(**kwargs)

    monkeypatch.setattr(services, "create_member", create_then_fail)
    raw = b"name,email,status,since\nA,a@example.org,es,2025-01-01\nB,b@example.org,es,2025-01-01\n"
    assert rejected(raw) == [(3, None, "conflict")]
    assert calls == ["a@example.org", "b@example.org"]
    assert by_email("a@example.org") is None and member_count() == 0


def test_sample_file_is_the_one_served_and_imports_cleanly(client, admin):
    assert SAMPLE_FILE.read_bytes() == importer.sample_csv()
    sign_in(client, admin)
    response = client.get("/membres/import/exemple.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data == SAMPLE_FILE.read_bytes()
    report = import_csv(response.data, recorded_by=admin, send_invitations=False)
    assert report.created == len(importer.SAMPLE_ROWS)


# --- the page ---------------------------------------------------------------------------------------


def upload(client, raw: bytes, name="membres.csv"):
    return client.post("/membres/import", data={"file": (io.BytesIO(raw), name)},
                       content_type="multipart/form-data", headers={"Accept-Language": "en"})


def test_page_shows_the_format_and_the_sample(client, admin):
    sign_in(client, admin)
    page = client.get("/membres/import", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert "/membres/import/exemple.csv" in html
    assert "camille.martin@example.org" in html  # the example table
    assert "associé non salarié" in html


def test_admin_uploads_a_file_and_members_are_created_and_invited(client, admin, smtp_server):
    sign_in(client, admin)
    raw = "nom;courriel;statut;depuis;parts\nLéa Moreau;lea@example.org;ES;01/06/2024;\n".encode("utf-8-sig")
    response = upload(client, raw)
    assert response.status_code == 302
    lea = by_email("lea@example.org")
    assert lea.status_on(date(2024, 6, 1)) is MemberStatus.ES
    assert lea.status_changes[0].recorded_by == admin
    assert [m["To"] for m in smtp_server.messages] == ["lea@example.org"]
    assert "1 members imported" in client.get("/membres", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_rejected_upload_answers_422_lists_every_error_and_imports_nothing(client, admin, smtp_server):
    sign_in(client, admin)
    before = member_count()
    raw = (b"nom;courriel;statut;depuis\n"
           b"Bon;bon@example.org;es;2025-01-01\n"
           b"Mauvais;mauvais@example.org;zz-inconnu;2025-01-01\n"
           b"Date;date@example.org;es;31/13/2025\n")
    response = upload(client, raw)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "zz-inconnu" in html and "31/13/2025" in html
    assert "<td>3</td><td>statut</td>" in html and "<td>4</td><td>depuis</td>" in html
    assert member_count() == before and by_email("bon@example.org") is None
    assert smtp_server.messages == []


def test_upload_without_a_file_is_refused(client, admin):
    sign_in(client, admin)
    response = client.post("/membres/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_upload_over_the_size_limit_is_refused(app, client, admin, monkeypatch):
    sign_in(client, admin)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    raw = b"name,email,status,since\n" + b"A,a@example.org,es,2025-01-01\n" * 100
    assert upload(client, raw).status_code == 413
    assert member_count() == 1  # the admin only


def test_non_admin_may_neither_see_nor_use_the_import(client, make_member):
    member = make_member(name="Simple Membre")
    sign_in(client, member)
    assert client.get("/membres/import").status_code == 403
    assert client.get("/membres/import/exemple.csv").status_code == 403
    response = upload(client, b"name,email,status,since\nA,intrus@example.org,es,2025-01-01\n")
    assert response.status_code == 403
    assert by_email("intrus@example.org") is None


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/membres/import")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
