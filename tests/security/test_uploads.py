"""Uploads are checked by size and by content: too large is a 413, not a CSV is refused, nothing imported.

The member import (/membres/import) is the application's only upload; the last test fails
if another one appears without being added here.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import lxml.html
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.members import services
from app.members.models import Member
from tests.conftest import sign_in

APP_DIR = Path(__file__).resolve().parents[2] / "app"
FRENCH = {"Accept-Language": "fr"}
GOOD_ROW = b"Camille Martin,camille@example.org,es,2025-01-01\n"
HEADER = b"name,email,status,since\n"


def member_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Member))


def upload(client, raw: bytes, name: str = "membres.csv"):
    return client.post("/membres/import", data={"file": (io.BytesIO(raw), name)},
                       content_type="multipart/form-data", headers=FRENCH)


def french(message: str, **values) -> str:
    """The French text of a message, as the page shows it (whether or not the catalogue has it yet)."""
    with force_locale("fr"):
        return " ".join(_(message, **values).split())  # as text() reads the page: no-break spaces too


def text(response) -> str:
    """The page's visible text, whitespace collapsed (messages are compared as a reader sees them)."""
    return " ".join(lxml.html.document_fromstring(response.get_data(as_text=True)).text_content().split())


@pytest.fixture
def signed_in_admin(client, admin):
    sign_in(client, admin)
    return admin


def xlsx_bytes() -> bytes:
    """A (minimal) Excel workbook: a ZIP holding the OOXML parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as workbook:
        workbook.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        workbook.writestr("xl/workbook.xml", "<workbook/>")
        workbook.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("membres.csv", (HEADER + GOOD_ROW).decode())
    return out.getvalue()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
# A PDF can be pure ASCII: only its signature tells it apart from text.
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] "
       b"/Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
OLE_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"
_RANDOM = random.Random(20261130)
BINARY = _RANDOM.randbytes(4096)
# Random bytes with neither NUL nor the bytes Windows-1252 leaves undefined: they decode as text.
BINARY_DECODABLE = bytes(b for b in _RANDOM.randbytes(8192) if b not in (0, 0x81, 0x8D, 0x8F, 0x90, 0x9D))

WRONG_TYPES = {
    "png": (PNG, "photo.csv", "not_csv"),
    "jpeg": (JPEG, "membres.csv", "not_csv"),
    "pdf": (PDF, "membres.csv", "not_csv"),
    "zip": (zip_bytes(), "membres.csv", "not_csv"),
    "xlsx-renamed-csv": (xlsx_bytes(), "membres.csv", "not_csv"),
    "xls-renamed-csv": (OLE_XLS, "membres.csv", "not_csv"),
    "gzip": (GZIP, "membres.csv", "not_csv"),
    "binary": (BINARY, "membres.csv", None),
    "binary-decodable": (BINARY_DECODABLE, "membres.csv", None),
    "utf16": ("nom;courriel;statut;depuis\nA;a@example.org;es;2025-01-01\n".encode("utf-16"), "membres.csv", None),
}


@pytest.mark.parametrize("kind", list(WRONG_TYPES))
def test_a_file_that_is_not_a_csv_is_refused_with_a_message_and_nothing_imported(client, signed_in_admin, kind):
    raw, name, _code = WRONG_TYPES[kind]
    before = member_count()
    response = upload(client, raw, name)
    page = text(response)
    assert response.status_code == 422, page[:2000]
    assert french("Nothing was imported") in page
    assert french("Save the file as “CSV UTF-8” (in LibreOffice: Save as, Text CSV, character set "
                  "Unicode UTF-8; in Excel: Save as, “CSV UTF-8 (comma delimited)”).") in page
    assert member_count() == before


@pytest.mark.parametrize("kind, label", [("png", "PNG"), ("pdf", "PDF"), ("jpeg", "JPEG"), ("gzip", "gzip")])
def test_the_message_names_what_the_file_looks_like(client, signed_in_admin, kind, label):
    raw, name, _code = WRONG_TYPES[kind]
    page = text(upload(client, raw, name))
    assert french("This is not a CSV file: it looks like a %(kind)s file.", kind=label) in page


@pytest.mark.parametrize("kind", ["zip", "xlsx-renamed-csv", "xls-renamed-csv"])
def test_a_workbook_or_archive_renamed_csv_is_named_a_workbook(client, signed_in_admin, kind):
    raw, name, _code = WRONG_TYPES[kind]
    page = text(upload(client, raw, name))
    assert french("This is a spreadsheet workbook, not a CSV file.") in page


def test_a_valid_csv_under_another_name_is_refused_by_its_extension(client, signed_in_admin):
    before = member_count()
    response = upload(client, HEADER + GOOD_ROW, "membres.png")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    page = text(response)
    assert french("Choose a CSV file (.csv, .txt or .tsv).") in page
    assert member_count() == before
    # The same bytes named .csv are imported: the refusal was about the name only.
    assert upload(client, HEADER + GOOD_ROW, "MEMBRES.CSV").status_code == 302
    assert member_count() == before + 1


def test_the_per_upload_limit_is_below_the_request_limit_by_default(app):
    assert app.config["IMPORT_MAX_BYTES"] == 1024 * 1024
    assert app.config["IMPORT_MAX_BYTES"] < app.config["MAX_CONTENT_LENGTH"]


def _file_of(size: int) -> bytes:
    """A valid CSV of exactly `size` bytes: rows of members, the last name padded to fit."""
    last = b",zoe@example.org,es,2025-01-01\n"
    raw = HEADER
    n = 0
    while len(raw) + 80 < size:
        raw += f"Membre {n},m{n}@example.org,es,2025-01-01\n".encode()
        n += 1
    return raw + b"Zo" + b"e" * (size - len(raw) - len(last) - 2) + last


def test_a_file_over_the_import_limit_is_a_413_with_a_french_message_and_nothing_imported(app, client,
                                                                                         signed_in_admin,
                                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 4000)
    before = member_count()
    exact = _file_of(4000)
    over = exact[:-1] + b"x\n"  # one byte more
    assert len(exact) == 4000 and len(over) == 4001
    response = upload(client, over)
    page = text(response)
    assert response.status_code == 413, page[:2000]
    assert french("The file is too large (%(size)d kB, at most %(max)d kB).", size=3, max=3) in page
    assert french("Nothing was imported") in page
    assert member_count() == before
    # At the limit exactly, the file is read and imported.
    assert upload(client, exact).status_code == 302
    assert member_count() == before + 99  # 98 rows plus Zoé


def test_a_request_over_max_content_length_is_a_french_413_page_and_nothing_imported(app, client, signed_in_admin,
                                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 3000)
    before = member_count()
    response = upload(client, _file_of(4000))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert '<html lang="fr"' in html
    assert "Le fichier est trop volumineux." in html
    assert member_count() == before


def test_an_api_request_over_max_content_length_is_a_413_in_the_documented_json_shape(app, client, admin,
                                                                                      monkeypatch):
    secret, _token = services.create_api_token(admin, "essai")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    body = '{"title": "' + "x" * 2000 + '", "level": "seminar"}'
    response = client.post("/api/v1/ballots", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {secret}", **FRENCH})
    assert response.status_code == 413
    payload = response.get_json()
    assert payload["code"] == 413 and payload["status"] in ("Request Entity Too Large", "Content Too Large")
    assert payload["message"] == "Le corps de la requête est trop volumineux."


def test_the_member_import_is_the_only_upload_of_the_application():
    uploads = sorted(
        str(path.relative_to(APP_DIR)) for path in APP_DIR.rglob("*.py")
        if re.search(r"\bFileField\b|request\.files|MultipleFileField", path.read_text(encoding="utf-8"))
    )
    assert uploads == ["members/forms.py"], f"new upload(s) to check here for type and size: {uploads}"
