"""The procès-verbal: every element of R223-24 / R225-106 in PDF, DOCX and ODT; the register."""

import io
import zipfile
from datetime import timedelta

import pytest

from app.errors import Conflict, InvalidInput
from app.meetings.assembly import minutes
from app.meetings.assembly import services as ga

from .conftest import IN_SESSION, check_in, vote


@pytest.fixture
def held(gerant, associates, make_assembly):
    """An AGO+AGE of the demo-like cooperative, held and closed."""
    ga.update_profile(gerant, name="Facettes SCOP", legal_form="scop_sarl",
                      registered_office="12 rue des Tisserands, 69001 Lyon", registration_number="RCS Lyon 123 456 789")
    ga.record_consent(associates[1], gerant, given_on=ga._local_day(IN_SESSION) - timedelta(days=400))
    assembly = make_assembly(scope="both", resolutions=(
        ("Approbation des comptes 2025", "ordinary", True),
        ("Modification de l'article 12 des statuts", "extraordinary", True),
        ("Motion sur les locaux", "ordinary", False)))
    check_in(assembly, gerant, associates[:6])
    check_in(assembly, gerant, associates[6:8], mode="remote")
    ga.grant_proxy(assembly, gerant, grantor=associates[8], holder=associates[2], document="Pouvoir signé")
    ga.grant_proxy(assembly, gerant, grantor=associates[9], holder=None, document="Pouvoir en blanc")
    ga.set_bureau(assembly, gerant, chair_id=gerant.id, chair_capacity="Co-gérant", secretary_id=associates[1].id,
                  scrutineer_ids=[associates[3].id, associates[4].id])
    ga.save_summary(assembly, gerant, debates_summary="Discussion nourrie sur le budget des locaux.",
                    documents="Rapport de gestion 2025 ; comptes annuels 2025")
    ga.record_incident(assembly, gerant, "Coupure de la visioconférence de l'Associé 6 pendant 4 minutes",
                       now=IN_SESSION)
    first, second, third = assembly.resolutions
    for resolution, fors, againsts, abstains in ((first, 7, 1, 0), (second, 6, 1, 1), (third, 2, 4, 2)):
        ga.open_resolution(resolution, gerant, now=IN_SESSION)
        voters = associates[:8]
        vote(resolution, voters[:fors], "for")
        vote(resolution, voters[fors:fors + againsts], "against")
        vote(resolution, voters[fors + againsts:fors + againsts + abstains], "abstain")
        vote(resolution, [associates[8]], "for", holder=associates[2])
        ga.close_resolution(resolution, gerant, now=IN_SESSION)
    return assembly


def _required(assembly, associates) -> list[str]:
    return [
        "Minutes of the ordinary and extraordinary general assembly",  # kind
        "June 20, 2026", "Salle du Conseil, Lyon",  # date and place (R223-24)
        "Chair: Gaston Gérant, Co-gérant",  # chair and capacity
        "convened on June 1, 2026 (first convocation)",  # how convened (R225-106)
        "Resolution 2 (extraordinary): Modification de l'article 12 des statuts",  # agenda (R225-106)
        "Associé 1", "remote (deemed present)", "represented by Associé 2", "represented (blank proxy)",
        "Secretary: Associé 1", "Scrutineers: Associé 3, Associé 4",  # bureau (R225-106)
        "quorum reached", "Rapport de gestion 2025",  # quorum, documents submitted
        "Discussion nourrie sur le budget des locaux.",  # summary of debates
        "L'assemblée décide : Approbation des comptes 2025.",  # text of each resolution
        "For: 9 — against: 1 — abstentions: 0. ADOPTED",
        "REJECTED", "Coupure de la visioconférence",  # result; incidents
        "closed at", "Signature", "Co-manager",  # closing time, signature blocks
        "Facettes SCOP", "RCS Lyon 123 456 789",
    ]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _normal(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


def test_domain_r223_24_r225_106_final_pv_in_pdf_docx_odt(held, gerant, associates):
    with pytest.raises(Conflict) as error:
        minutes.finalize(held, gerant)
    assert "draft" in error.value.message
    draft = minutes.build_blocks(held)
    assert "DRAFT — PROJET" in minutes.plain_text(draft)
    assert "PROJET" in _pdf_text(minutes.to_pdf(draft, draft=True))
    ga.close_assembly(held, gerant, now=IN_SESSION + timedelta(hours=2))
    entry = minutes.finalize(held, gerant)
    blocks = minutes.entry_blocks(entry)
    assert f"Minutes register no. {entry.number}" in minutes.plain_text(blocks)

    pdf = minutes.to_pdf(blocks, sha256=entry.sha256)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    pdf_text = _normal(_pdf_text(pdf))
    assert f"Page 1 of {pages}" in pdf_text and f"Page {pages} of {pages}" in pdf_text
    fonts = [f for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert all("/FontFile2" in f.get_object()["/FontDescriptor"] or "/FontFile3" in f.get_object()["/FontDescriptor"]
               for f in (font.get_object()["/DescendantFonts"][0] if "/DescendantFonts" in font.get_object()
                         else font for font in fonts))
    assert entry.sha256 in pdf_text.replace(" ", "")

    import docx

    document = docx.Document(io.BytesIO(minutes.to_docx(blocks, sha256=entry.sha256)))
    docx_text = "\n".join([p.text for p in document.paragraphs] +
                          [c.text for t in document.tables for r in t.rows for c in r.cells])
    docx_text = _normal(docx_text)

    from odf import teletype
    from odf.opendocument import load

    odt = load(io.BytesIO(minutes.to_odt(blocks, sha256=entry.sha256)))
    from odf.text import H, P

    odt_text = _normal("\n".join(teletype.extractText(e) for kind in (H, P) for e in odt.getElementsByType(kind)))
    for needle in _required(held, associates):
        needle = _normal(needle)
        assert needle in pdf_text, ("pdf", needle)
        assert needle in docx_text, ("docx", needle)
        assert needle in odt_text, ("odt", needle)
    mimetype = zipfile.ZipFile(io.BytesIO(minutes.to_odt(blocks))).read("mimetype")
    assert mimetype == b"application/vnd.oasis.opendocument.text"


def test_minutes_register_numbers_without_gaps_and_never_modified(held, gerant, make_assembly):
    ga.close_assembly(held, gerant, now=IN_SESSION + timedelta(hours=2))
    entry = minutes.finalize(held, gerant)
    with pytest.raises(Conflict):
        minutes.finalize(held, gerant)  # one final PV per assembly
    with pytest.raises(Conflict) as error:
        minutes.edit_final(entry, gerant, content="autre")
    assert "rectification" in error.value.message
    with pytest.raises(InvalidInput):
        minutes.rectify(entry, gerant, "  ")
    fix = minutes.rectify(entry, gerant, "Le nom du scrutateur était Associé 5.")
    assert (fix.number, fix.rectifies_id) == (entry.number + 1, entry.id)
    assert "Rectification of the minutes no." in minutes.plain_text(minutes.entry_blocks(fix))
    entry.content = "falsified"
    from app.extensions import db

    with pytest.raises(RuntimeError):
        db.session.flush()


def test_attendance_sheet_and_csv(held):
    text = _normal(_pdf_text(minutes.attendance_sheet_pdf(held)))
    assert "Attendance sheet" in text and "Signature" in text and "Associé 9" in text
    rows = minutes.attendance_csv(held).splitlines()
    assert rows[0] == "associate,email,shares,attendance" and len(rows) == 11
    assert any(",represented" in row for row in rows)
    results = minutes.results_csv(held).splitlines()
    assert results[1].startswith("1,Approbation des comptes 2025,ordinary,9,1,0,10,whole_electorate,6,yes")
