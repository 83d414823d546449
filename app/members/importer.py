"""Member import from a CSV file: the page /membres/import and `flask members import` share it.

All or nothing: every row is checked before anything is written, every problem is
reported with its line, and a rejected file leaves the database as it was. The format
is described for people in docs/import-format.md.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import InvalidInput
from app.extensions import db
from app.members import services
from app.members.models import Member, MemberStatus, Skill, Theme, member_skills, member_themes
from app.timeutil import local_today

MAX_ROWS = 2000
MAX_LIST_LENGTH = 2000  # skills, themes: the same bound as the profile form
MAX_BIO_LENGTH = 5000
MAX_SHARES = 1_000_000  # far above any real holding; stops a typo before the database does


@dataclass(frozen=True)
class RowError:
    """One problem of the file. line: the file's line (header = 1), None for the whole file."""

    line: int | None
    column: str | None
    message: str
    code: str = "invalid"


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s) in the imported file")
        self.errors = errors


@dataclass
class ImportReport:
    created: int
    members: list[Member]
    # Former members and statuses starting later are not invited: they could not sign in yet.
    invited: int = 0


# --- columns -------------------------------------------------------------------------------

# Canonical field -> accepted header names, compared after _fold() (no accents, no case,
# punctuation as spaces). French and English, as spreadsheets of both languages name them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": ("full name", "name", "nom", "nom complet", "prenom nom", "nom prenom"),
    "first_name": ("first name", "given name", "prenom"),
    "email": ("email", "e mail", "mail", "courriel", "adresse email", "adresse e mail", "adresse mail",
              "adresse electronique", "email address", "e mail address"),
    "status": ("status", "statut"),
    "status_since": ("status since", "since", "depuis", "statut depuis", "date statut", "date du statut"),
    "shares": ("shares", "parts", "parts sociales", "nombre de parts", "nb parts"),
    "language": ("language", "langue", "lang"),
    "skills": ("skills", "competences", "competences metiers"),
    "themes": ("themes", "thematiques"),
    "bio": ("bio", "biography", "biographie", "presentation", "a propos"),
    # Start of an earlier CAPE: the 3-year deadline of an ES counts it (Code du travail L7331-3).
    "cape_since": ("cape since", "cape depuis", "debut cape", "date cape"),
}
REQUIRED = ("full_name", "email", "status", "status_since")

# Status labels people write, folded; the codes themselves are accepted too.
STATUS_WORDS: dict[str, MemberStatus] = {
    "cape": MemberStatus.CAPE,
    "contrat d appui au projet d entreprise": MemberStatus.CAPE,
    "cape business support contract": MemberStatus.CAPE,
    "es": MemberStatus.ES,
    "entrepreneur salarie": MemberStatus.ES,
    "entrepreneure salariee": MemberStatus.ES,
    "employee entrepreneur": MemberStatus.ES,
    "employee entrepreneur es": MemberStatus.ES,
    "esa": MemberStatus.ESA,
    "entrepreneur salarie associe": MemberStatus.ESA,
    "entrepreneure salariee associee": MemberStatus.ESA,
    "associate employee entrepreneur": MemberStatus.ESA,
    "associate employee entrepreneur esa": MemberStatus.ESA,
    "external associate": MemberStatus.EXTERNAL_ASSOCIATE,
    "associe non salarie": MemberStatus.EXTERNAL_ASSOCIATE,
    "associee non salariee": MemberStatus.EXTERNAL_ASSOCIATE,
    "non employee associate": MemberStatus.EXTERNAL_ASSOCIATE,
    "former": MemberStatus.FORMER,
    "former member": MemberStatus.FORMER,
    "ancien membre": MemberStatus.FORMER,
    "ancienne membre": MemberStatus.FORMER,
    "ancien": MemberStatus.FORMER,
    "ancienne": MemberStatus.FORMER,
}

LANGUAGE_WORDS = {"fr": "fr", "francais": "fr", "french": "fr", "en": "en", "anglais": "en", "english": "en"}

ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DAY_FIRST_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
SHORT_YEAR_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$")
# Spreadsheets sometimes append a midnight time to a date cell.
TRAILING_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")
WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")


def _fold(text: str) -> str:
    """'Adresse e-mail' -> 'adresse e mail'; 'Associé·e non-salarié·e' -> 'associee non salariee'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    # Inclusive-writing points join the word ("salarié·e", "ancien.ne"); other punctuation separates.
    text = text.replace("·", "").replace("•", "").replace(".", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_HEADER_TO_FIELD = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}


# --- reading the bytes -------------------------------------------------------------------------


# Signatures of the files people send instead of a CSV: the file's first bytes, not its name,
# say what it is (a workbook renamed .csv is still a workbook).
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
    (b"%PDF-", "PDF"), (b"\x1f\x8b", "gzip"), (b"Rar!", "RAR"), (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"BM", "BMP"), (b"RIFF", "RIFF"), (b"\x7fELF", "ELF"), (b"MZ", "EXE"),
)
# Control characters other than tab, line breaks and page breaks: no spreadsheet writes them.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _how_to() -> str:
    return _("Save the file as “CSV UTF-8” (in LibreOffice: Save as, Text CSV, character set "
             "Unicode UTF-8; in Excel: Save as, “CSV UTF-8 (comma delimited)”).")


def _check_type(raw: bytes) -> None:
    """Refuse workbooks, images, archives and other binary files before reading them as text."""
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportRejected([RowError(None, None, _("This is a spreadsheet workbook, not a CSV file.") + " "
                                       + _how_to(), "not_csv")])
    for signature, kind in BINARY_SIGNATURES:
        if raw.startswith(signature):
            raise ImportRejected([RowError(None, None, _(
                "This is not a CSV file: it looks like a %(kind)s file.", kind=kind) + " " + _how_to(), "not_csv")])


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM); Windows-1252 as French spreadsheets export it; nothing else."""
    how_to = _how_to()
    _check_type(raw)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        raise ImportRejected([RowError(None, None, _("The file is not a text file in a supported encoding.") + " "
                                       + how_to, "encoding")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV (séparateur: point-virgule)" on a French Windows writes Windows-1252; its
        # undefined bytes (0x81, 0x8D...) mean the file is in yet another encoding.
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportRejected([RowError(None, None, _("The file's character encoding is not recognised.") + " "
                                           + how_to, "encoding")]) from None
    if _CONTROL.search(text):
        # Random bytes often decode as Windows-1252: control characters give them away.
        raise ImportRejected([RowError(None, None, _("The file is not a text file in a supported encoding.") + " "
                                       + how_to, "encoding")])
    return text


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line uses most (quotes aside)."""
    header = text.split("\n", 1)[0]
    header = re.sub(r'"[^"]*"', "", header)
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# --- one row's fields --------------------------------------------------------------------------


def _parse_date(value: str, today: date) -> tuple[date | None, str | None]:
    value = TRAILING_TIME.sub("", value.strip())
    if not value:
        return None, _("The date is required (for example 2025-09-01 or 01/09/2025).")
    if SHORT_YEAR_DATE.match(value):
        return None, _("Unreadable date “%(value)s”: write the year with four digits (01/09/2025).", value=value)
    match = ISO_DATE.match(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = DAY_FIRST_DATE.match(value)
        if not match:
            return None, _("Unreadable date “%(value)s”: write it as 2025-09-01 or 01/09/2025.", value=value)
        day, month, year = (int(part) for part in match.groups())
    try:
        parsed = date(year, month, day)
    except ValueError:
        return None, _("The date “%(value)s” does not exist.", value=value)
    if parsed.year < 1900 or parsed > today + timedelta(days=366):
        return None, _("The date “%(value)s” is implausible: more than a year ahead, or before 1900.", value=value)
    return parsed, None


def parse_status_label(value: str) -> MemberStatus | None:
    """A status from its code or its French or English label, whatever the case and accents."""
    folded = _fold(value)
    return STATUS_WORDS.get(folded) or STATUS_WORDS.get(folded.replace("_", " "))


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    parsed: dict = field(default_factory=dict)


class _Reader:
    """Turns the text into rows keyed by canonical field, collecting every problem on the way."""

    def __init__(self, text: str):
        self.text = text
        self.errors: list[RowError] = []
        self.headers: list[str] = []
        self.fields: list[str | None] = []  # canonical field of each column, None if unnamed

    def error(self, line, column, message, code="invalid"):
        self.errors.append(RowError(line, column, message, code))

    def column_name(self, field_name: str) -> str:
        """The header as written in the file, so the error table speaks the file's words."""
        for header, name in zip(self.headers, self.fields, strict=True):
            if name == field_name:
                return header
        return field_name

    def read(self) -> list[_Row]:
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=_delimiter(self.text))
        rows: list[_Row] = []
        header_read = False
        last_line = 0
        try:
            for cells in reader:
                line, last_line = last_line + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines and rows of empty cells, as spreadsheets leave at the end
                if not header_read:
                    header_read = True
                    self._read_header(cells, line)
                    if self.errors:
                        return []
                    continue
                row = self._row(cells, line)
                if row is not None:
                    rows.append(row)
                if len(rows) > MAX_ROWS:
                    self.errors = [RowError(None, None, _(
                        "The file has more than %(max)d members; import it in several files of at most %(max)d rows.",
                        max=MAX_ROWS), "too_many_rows")]
                    return []
        except csv.Error as error:
            self.error(last_line + 1, None, _("The line cannot be read as CSV (%(reason)s).", reason=str(error)),
                       "csv")
            return []
        if not header_read:
            self.error(None, None, _("The file is empty."), "empty")
        elif not rows and not self.errors:
            self.error(None, None, _("The file has a header row but no members."), "no_rows")
        return rows

    def _read_header(self, cells: list[str], line: int) -> None:
        seen: dict[str, str] = {}
        for cell in cells:
            header = cell.strip()
            self.headers.append(header)
            if not header:
                self.fields.append(None)
                continue
            name = _HEADER_TO_FIELD.get(_fold(header))
            self.fields.append(name)
            if name is None:
                self.error(line, header, _(
                    "Unknown column “%(header)s”. Known columns: %(known)s.",
                    header=header, known=known_columns_text()), "unknown_column")
            elif name in seen:
                self.error(line, header, _("The columns “%(a)s” and “%(b)s” give the same information.",
                                           a=seen[name], b=header), "duplicate_column")
            else:
                seen[name] = header
        missing = [name for name in REQUIRED if name not in seen]
        if "first_name" in seen and "full_name" in missing:
            self.error(line, None, _("With a first-name column (“%(header)s”), a family-name column “nom” is "
                                     "required too.", header=seen["first_name"]), "missing_column")
            missing.remove("full_name")
        for name in missing:
            self.error(line, None, _("The column “%(column)s” (in French “%(french)s”) is missing.",
                                     column=COLUMNS[name][0].replace(" ", "_"), french=_french_alias(name)),
                       "missing_column")

    def _row(self, cells: list[str], line: int) -> _Row | None:
        values: dict[str, str] = {}
        for index, cell in enumerate(cells):
            if index >= len(self.fields):
                if cell.strip():
                    self.error(line, None, _("This row has %(n)d cells but the header only %(m)d columns: check "
                                             "the separators and quotes.", n=len(cells), m=len(self.fields)),
                               "too_many_cells")
                    return None
                continue
            name = self.fields[index]
            if name is None:
                if cell.strip():
                    self.error(line, None, _("Column %(n)d has a value but no header name.", n=index + 1),
                               "unnamed_column")
                    return None
                continue
            values[name] = cell.strip()
        # Missing trailing cells count as empty: required ones are reported below.
        return _Row(line, values)


def known_columns_text() -> str:
    return ", ".join(f"{aliases[0].replace(' ', '_')}/{_french_alias(name)}" for name, aliases in COLUMNS.items())


def _french_alias(name: str) -> str:
    return {"full_name": "nom", "first_name": "prenom", "email": "courriel", "status": "statut",
            "status_since": "depuis", "shares": "parts", "language": "langue", "skills": "competences",
            "themes": "thematiques", "bio": "presentation", "cape_since": "cape_depuis"}[name]


# --- validation and import ----------------------------------------------------------------------


def _validate(reader: _Reader, rows: list[_Row]) -> None:
    today = local_today()
    languages = current_app.config["LANGUAGES"]
    first_line_of: dict[str, int] = {}
    col = reader.column_name
    for row in rows:
        v, p = row.values, row.parsed

        name = v.get("full_name", "")
        if v.get("first_name"):
            name = f"{v['first_name']} {name}".strip()
        name = " ".join(name.split())
        if not name:
            reader.error(row.line, col("full_name"), _("The name is missing."), "missing_name")
        elif len(name) > 200:
            reader.error(row.line, col("full_name"), _("A name of 1 to 200 characters is required."), "long_name")
        p["full_name"] = name

        raw_email = v.get("email", "")
        if not raw_email:
            reader.error(row.line, col("email"), _("The e-mail address is missing."), "missing_email")
        else:
            try:
                email = services.normalise_email(raw_email)
            except InvalidInput:
                reader.error(row.line, col("email"), _("Invalid e-mail address “%(value)s”.", value=raw_email),
                             "bad_email")
            else:
                if email in first_line_of:
                    reader.error(row.line, col("email"), _("The address %(email)s is already on line %(line)d.",
                                                           email=email, line=first_line_of[email]), "duplicate_email")
                else:
                    first_line_of[email] = row.line
                    p["email"] = email

        raw_status = v.get("status", "")
        status = parse_status_label(raw_status) if raw_status else None
        if not raw_status:
            reader.error(row.line, col("status"), _("The status is missing."), "missing_status")
        elif status is None:
            reader.error(row.line, col("status"), _(
                "Unknown status “%(value)s”: write cape, es, esa, external_associate or former "
                "(or CAPE, ES, ESA, associé non salarié, ancien membre).", value=raw_status), "unknown_status")
        p["status"] = status

        since, message = _parse_date(v.get("status_since", ""), today)
        if message:
            reader.error(row.line, col("status_since"), message, "bad_date")
        p["status_since"] = since

        p["cape_since"] = None
        if v.get("cape_since"):
            cape_since, message = _parse_date(v["cape_since"], today)
            if message:
                reader.error(row.line, col("cape_since"), message, "bad_date")
            elif status is MemberStatus.CAPE:
                reader.error(row.line, col("cape_since"), _(
                    "The member is still under CAPE: give the CAPE start as the status date only."), "bad_cape")
            elif since is not None and cape_since >= since:
                reader.error(row.line, col("cape_since"), _(
                    "The CAPE must start before the current status (%(since)s).", since=since.isoformat()),
                    "bad_cape")
            p["cape_since"] = cape_since

        raw_shares = re.sub(r"[\s\u00a0\u202f]", "", v.get("shares", ""))  # "1 000" as French writes it
        shares = int(raw_shares) if WHOLE_NUMBER.match(raw_shares) else (None if raw_shares else 0)
        if shares is not None and shares > MAX_SHARES:
            reader.error(row.line, col("shares"), _("%(n)d shares is implausible (at most %(max)d).",
                                                    n=shares, max=MAX_SHARES), "bad_shares")
        else:
            errors: dict[str, list[str]] = {}
            services.check_shares(shares, status or MemberStatus.ES, errors)
            if errors:
                if shares is None or shares < 0:
                    reader.error(row.line, col("shares"), _(
                        "“%(value)s” is not a number of shares: write a whole number, zero or more.",
                        value=v["shares"]), "bad_shares")
                else:
                    reader.error(row.line, col("shares"), errors["shares"][0], "associate_without_shares")
        p["shares"] = shares

        raw_language = v.get("language", "")
        language = LANGUAGE_WORDS.get(_fold(raw_language)) if raw_language else None
        if raw_language and language not in languages:
            reader.error(row.line, col("language"), _("Unknown language “%(value)s”: write fr or en.",
                                                      value=raw_language), "unknown_language")
        p["language"] = language

        for name_ in ("skills", "themes"):
            if len(v.get(name_, "")) > MAX_LIST_LENGTH:
                reader.error(row.line, col(name_), _("At most %(n)d characters.", n=MAX_LIST_LENGTH), "too_long")
        if len(v.get("bio", "")) > MAX_BIO_LENGTH:
            reader.error(row.line, col("bio"), _("At most %(n)d characters.", n=MAX_BIO_LENGTH), "too_long")

    # One query for the whole file rather than one per row.
    emails = list(first_line_of)
    taken = set(db.session.scalars(select(Member.email).where(Member.email.in_(emails)))) if emails else set()
    for email in sorted(taken, key=first_line_of.get):
        reader.error(first_line_of[email], col("email"), _(
            "A member already uses the address %(email)s.", email=email), "email_taken")


def import_limit() -> int | None:
    """The largest file accepted, in bytes: IMPORT_MAX_BYTES, and never more than a request may carry."""
    limits = [current_app.config.get(name) for name in ("IMPORT_MAX_BYTES", "MAX_CONTENT_LENGTH")]
    limits = [value for value in limits if value]
    return min(limits) if limits else None


def import_csv(raw: bytes, *, recorded_by: Member | None, send_invitations: bool) -> ImportReport:
    """Create the members of a CSV file, or raise ImportRejected listing every problem.

    Flushes only; the caller commits (and invitations leave after the commit).
    """
    limit = import_limit()
    if limit and len(raw) > limit:
        raise ImportRejected([RowError(None, None, _(
            "The file is too large (%(size)d kB, at most %(max)d kB).", size=len(raw) // 1024, max=limit // 1024),
            "too_large")])
    if not raw.strip():
        raise ImportRejected([RowError(None, None, _("The file is empty."), "empty")])
    reader = _Reader(_decode(raw))
    rows = reader.read()
    if not reader.errors:
        _validate(reader, rows)
    if reader.errors:
        raise ImportRejected(sorted(reader.errors, key=lambda e: (e.line or 0)))

    members: list[Member] = []
    skills: dict[Member, list[str]] = {}
    themes: dict[Member, list[str]] = {}
    try:
        # A savepoint: whatever the caller does next, a failure here leaves nothing behind.
        with db.session.begin_nested():
            for row in rows:
                p, v = row.parsed, row.values
                member = services.create_member(
                    email=p["email"], full_name=p["full_name"], status=p["status"],
                    status_since=p["status_since"], shares=p["shares"], language=p["language"],
                    recorded_by=recorded_by,
                )
                if v.get("bio"):
                    member.bio = v["bio"]  # length checked above, as update_profile would
                if p["cape_since"]:
                    services.record_status(member, MemberStatus.CAPE, p["cape_since"], recorded_by=recorded_by)
                members.append(member)
                skills[member], themes[member] = _split_labels(v.get("skills", "")), _split_labels(v.get("themes", ""))
            _attach_labels(Skill, member_skills, "skill_id", "skills", skills)
            _attach_labels(Theme, member_themes, "theme_id", "themes", themes)
    except InvalidInput as error:
        # Checked above already; reaching this means the database changed meanwhile.
        detail = " ".join(message for messages in error.fields.values() for message in messages)
        raise ImportRejected([RowError(row.line, None, f"{error.message} {detail}".strip(), "conflict")]) from None
    except IntegrityError:
        raise ImportRejected([RowError(None, None, _(
            "Another change to the members happened at the same time; nothing was imported. Try again."),
            "conflict")]) from None

    invited = 0
    if send_invitations:
        today = local_today()
        for member in members:
            status = member.status_on(today)
            if status is not None and status.is_active:
                services.send_invitation(member)
                invited += 1
    return ImportReport(created=len(members), members=members, invited=invited)


def _split_labels(raw: str) -> list[str]:
    # Read as the profile form reads them (services.update_profile): commas or semicolons, 120 characters.
    return sorted({label.strip()[:120] for label in raw.replace(";", ",").split(",") if label.strip()}, key=str.lower)


def _attach_labels(model, table, column: str, attribute: str, wanted: dict[Member, list[str]]) -> None:
    """Skills or themes of the whole file in a few statements.

    update_profile, row by row, costs half a dozen round trips per member; on a file of
    a thousand members that is the difference between a second and half a minute.
    """
    labels = {label for member_labels in wanted.values() for label in member_labels}
    if not labels:
        return
    items = {item.label: item for item in db.session.scalars(select(model).where(model.label.in_(labels)))}
    for label in sorted(labels - items.keys()):
        items[label] = model(label=label)
        db.session.add(items[label])
    db.session.flush()
    links = [{"member_id": member.id, column: items[label].id}
             for member, member_labels in wanted.items() for label in member_labels]
    db.session.execute(table.insert(), links)
    for member in wanted:
        db.session.expire(member, [attribute])  # the next read loads the rows just inserted


# --- the sample file ---------------------------------------------------------------------------------

SAMPLE_HEADER = ("nom", "courriel", "statut", "depuis", "parts", "langue", "competences", "themes")
SAMPLE_ROWS = (
    ("Camille Martin", "camille.martin@example.org", "CAPE", "01/09/2026", "0", "fr",
     "facilitateur-trice", "participation citoyenne, démocratie locale"),
    ("Yannick Le Gall", "yannick.legall@example.org", "ES", "2025-03-15", "", "fr",
     "sociologue", "diagnostics d’usage, mobilité durable"),
    ("Aïcha Benkacem", "aicha.benkacem@example.org", "ESA", "10/01/2022", "5", "fr",
     "assistance à maîtrise d’usage, formateur-trice", "habitat participatif"),
    ("Jean Dupuis", "jean.dupuis@example.org", "associé non salarié", "2020-06-30", "10", "",
     "", "économie sociale et solidaire"),
    ("Ruth Miller", "ruth.miller@example.org", "es", "2024-11-04", "0", "en",
     "accompagnateur-trice des transformations", "coopération internationale, interculturalité"),
)


def sample_csv() -> bytes:
    """The sample offered for download: semicolons and a BOM, so a French Excel opens it as is."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(SAMPLE_HEADER)
    writer.writerows(SAMPLE_ROWS)
    return out.getvalue().encode("utf-8-sig")
