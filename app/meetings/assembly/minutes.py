"""The procès-verbal of a general assembly (R223-24; R225-106 for an SA), and its register.

The PV is built once as a list of blocks (title, heading, paragraph, table, signatures);
HTML, PDF, DOCX and ODT are renderings of the same blocks, so every format carries the same
text. A final PV stores its blocks as canonical JSON with their SHA-256: its exports are
rendered from what was stored, never recomputed, so it is never modified.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime

from flask import render_template
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import policy
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.meetings.assembly import services as ga
from app.meetings.assembly.models import Assembly, LegalProfile, MinutesEntry
from app.members.models import Member, RoleKind
from app.timeutil import local_zone, utcnow
from app.votes.models import BallotState

Block = list  # ["title"|"h"|"p"|"table"|"signatures", …]
STATE_LABELS = {"present": "present", "remote": "remote", "represented": "represented", "absent": "absent"}


def _state_label(state: str, holder: str | None = None) -> str:
    if state == "represented":
        return _("represented by %(name)s", name=holder) if holder else _("represented (blank proxy)")
    return {"present": _("present"), "remote": _("remote (deemed present)"), "absent": _("absent")}[state]


def _local(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())


def build_blocks(assembly: Assembly, *, number: int | None = None, rectifies: MinutesEntry | None = None,
                 rectification: str = "") -> list[Block]:
    """Every element R223-24 requires (and R225-106 for an SA), as renderable blocks."""
    from app.votes.models import Proxy

    meeting, row = assembly.meeting, ga.profile()
    starts = _local(meeting.starts_at)
    scope = ga.scope_label(assembly.scope)
    blocks: list[Block] = []
    heading = _("Minutes of the %(scope)s general assembly of %(date)s", scope=scope,
                date=format_date(starts.date(), "long"))
    blocks.append(["title", heading])
    blocks.append(["p", _("Minutes register no. %(n)d", n=number) if number else _("DRAFT — PROJET (not final)")])
    blocks.append(["p", _("%(name)s, %(form)s with variable capital. Registered office: %(office)s. %(number)s",
                          name=row.name or "—", form=ga.legal_form_label(row.legal_form),
                          office=row.registered_office or "—", number=row.registration_number or "")])
    if rectifies is not None:
        blocks.append(["h", _("Rectification of the minutes no. %(n)d", n=rectifies.number)])
        blocks.append(["p", rectification])
    blocks.append(["h", _("Date, place and convocation")])
    blocks.append(["p", _("On %(date)s at %(time)s, the associates met in %(scope)s general assembly at %(place)s.",
                          date=format_date(starts.date(), "full"), time=format_time(starts.time(), "HH:mm"),
                          scope=scope, place=meeting.place or "—")])
    voters = ga.electorate(assembly)
    emailed = sum(1 for m in voters if assembly.convocation_date and
                  ga.consents_electronically(m, assembly.convocation_date))
    if assembly.convocation_date:
        blocks.append(["p", _("The assembly was convened on %(date)s (%(n)s convocation): by e-mail for %(e)d "
                              "associates who had agreed to it in writing, by letter for %(l)d.",
                              date=format_date(assembly.convocation_date, "long"),
                              n=ga.convocation_label(assembly.convocation), e=emailed, l=len(voters) - emailed)])
    else:
        blocks.append(["p", _("The assembly has not been convened yet.")])
    blocks.append(["h", _("Bureau")])
    chair = assembly.chair.full_name if assembly.chair else "—"
    blocks.append(["p", _("Chair: %(name)s, %(capacity)s.", name=chair, capacity=assembly.chair_capacity or "—")])
    scrutineers = ", ".join(m.full_name for m in (assembly.scrutineer1, assembly.scrutineer2) if m) or "—"
    blocks.append(["p", _("Secretary: %(s)s. Scrutineers: %(t)s.",
                          s=assembly.secretary.full_name if assembly.secretary else "—", t=scrutineers)])
    blocks.append(["h", _("Agenda")])
    for r in assembly.resolutions:
        blocks.append(["p", _("Resolution %(n)d (%(kind)s): %(title)s", n=r.number, kind=ga.kind_label(r.kind),
                              title=r.title)])
    blocks.append(["h", _("Attendance sheet")])
    holders = {p.grantor_id: (p.holder.full_name if p.holder else None) for p in db.session.scalars(
        select(Proxy).where(Proxy.context == meeting.context))}
    lines = ga.attendance_lines(assembly)
    blocks.append(["table", [_("Associate"), _("Shares"), _("Attendance")],
                   [[m.full_name, str(m.shares), _state_label(state, holders.get(m.id))] for m, state in lines]])
    counts = {s: sum(1 for _m, st in lines if st == s) for s in STATE_LABELS}
    blocks.append(["p", _("%(p)d present, %(r)d remote, %(x)d represented, %(a)d absent, of %(n)d associates "
                          "(%(s)d shares held by those present, remote or represented).",
                          p=counts["present"], r=counts["remote"], x=counts["represented"], a=counts["absent"],
                          n=len(lines), s=sum(m.shares for m, st in lines if st != "absent"))])
    blocks.append(["h", _("Quorum")])
    for kind in ga.kinds_of(assembly):
        q = ga.quorum(assembly, kind)
        required = (_("quorum required: %(n)d (%(f)s of the associates)", n=q.required, f=str(q.quorum))
                    if q.required is not None else _("no quorum required on this convocation"))
        blocks.append(["p", _("%(kind)s assembly: %(have)d associates present or represented of %(total)d; "
                              "%(required)s; %(verdict)s.", kind=ga.kind_label(kind),
                              have=q.present_or_represented, total=q.electorate, required=required,
                              verdict=_("quorum reached") if q.reached else _("quorum not reached"))])
    blocks.append(["h", _("Documents submitted")])
    blocks.append(["p", assembly.documents or _("None.")])
    blocks.append(["h", _("Summary of the debates")])
    blocks.append(["p", assembly.debates_summary or _("No debate recorded.")])
    blocks.append(["h", _("Resolutions")])
    for r in assembly.resolutions:
        blocks.append(["h", _("Resolution %(n)d — %(title)s (%(kind)s, proposed by %(by)s)", n=r.number,
                              title=r.title, kind=ga.kind_label(r.kind),
                              by=_("the gérance") if r.proposer == "gerance" else _("associates"))])
        blocks.append(["p", r.text])
        result = json.loads(r.ballot.result_json) if r.ballot is not None and r.ballot.result_json else None
        if result is None or r.ballot.state == BallotState.CANCELLED:
            blocks.append(["p", _("Not put to the vote.")])
            continue
        c = result["counts"]
        blocks.append(["p", _("For: %(f)d — against: %(a)d — abstentions: %(x)d. %(verdict)s (%(rule)s).",
                              f=c["for"], a=c["against"], x=c["abstain"],
                              verdict=_("ADOPTED") if result["adopted"] else _("REJECTED"), rule=result["rule"])])
    blocks.append(["h", _("Incidents of remote participation")])
    if assembly.incidents:
        for incident in assembly.incidents:
            blocks.append(["p", f"{format_time(_local(incident.occurred_at).time(), 'HH:mm')} — "
                                f"{incident.description}"])
    else:
        blocks.append(["p", _("None.")])
    blocks.append(["h", _("Closing")])
    blocks.append(["p", _("The agenda being exhausted, the meeting was closed at %(time)s.",
                          time=format_time(_local(assembly.closed_at).time(), "HH:mm"))
                   if assembly.closed_at else _("The meeting is not closed yet.")])
    day = starts.date()
    signers = [[_("The chair"), chair]]
    if assembly.secretary:
        signers.append([_("The secretary"), assembly.secretary.full_name])
    for member in _co_managers(day):
        signers.append([_("Co-manager (gérant·e)"), member.full_name])
    blocks.append(["signatures", signers])
    return blocks


def _co_managers(day) -> list[Member]:
    from sqlalchemy.orm import selectinload

    members = db.session.scalars(select(Member).options(selectinload(Member.roles)).order_by(Member.full_name))
    return [m for m in members if m.has_role_on(RoleKind.CO_MANAGER, day)]


def canonical(blocks: list[Block]) -> str:
    return json.dumps(blocks, ensure_ascii=False, separators=(",", ":"))


def fingerprint(blocks: list[Block]) -> str:
    return hashlib.sha256(canonical(blocks).encode()).hexdigest()


def plain_text(blocks: list[Block]) -> str:
    out = []
    for block in blocks:
        if block[0] == "table":
            out.append(" | ".join(block[1]))
            out += [" | ".join(row) for row in block[2]]
        elif block[0] == "signatures":
            out += [f"{role}: {name}" for role, name in block[1]]
        else:
            out.append(block[1])
    return "\n".join(out)


# --- the register ------------------------------------------------------------------------


def _lock_register() -> None:
    # The profile's single row serialises numbering (PostgreSQL row lock; SQLite has one writer);
    # the unique number is the database's guarantee that two PVs never share one.
    db.session.scalar(select(LegalProfile).where(LegalProfile.id == ga.profile().id).with_for_update())


def finalize(assembly: Assembly, actor: Member, *, now: datetime | None = None) -> MinutesEntry:
    policy.require(actor, "assembly.manage", assembly)
    if assembly.closed_at is None:
        raise Conflict(_("The final minutes are drawn up once the meeting is closed; the draft (PROJET) is "
                         "available until then."))
    if db.session.scalar(select(MinutesEntry.id).where(MinutesEntry.assembly_id == assembly.id,
                                                       MinutesEntry.rectifies_id.is_(None))):
        raise Conflict(_("The final minutes of this assembly exist: correct them by a rectification."))
    return _register(assembly, actor, now=now)


def _register(assembly, actor, *, now=None, rectifies=None, rectification="") -> MinutesEntry:
    _lock_register()
    number = (db.session.scalar(select(func.max(MinutesEntry.number))) or 0) + 1
    blocks = build_blocks(assembly, number=number, rectifies=rectifies, rectification=rectification)
    entry = MinutesEntry(number=number, assembly_id=assembly.id, rectifies_id=rectifies.id if rectifies else None,
                         content=canonical(blocks), sha256=fingerprint(blocks), created_at=now or utcnow(),
                         created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    return entry


def edit_final(entry: MinutesEntry, actor: Member, **_changes) -> None:
    """Editing a final PV is refused: the register keeps it as it was; a rectification is offered."""
    policy.require(actor, "assembly.manage", entry.assembly)
    raise Conflict(_("The minutes no. %(n)d are final and are never modified: record a rectification, which "
                     "takes the next number of the register and refers to them.", n=entry.number))


def rectify(entry: MinutesEntry, actor: Member, text: str, *, now: datetime | None = None) -> MinutesEntry:
    policy.require(actor, "assembly.manage", entry.assembly)
    text = (text or "").strip()
    if not text or len(text) > ga.TEXT_MAX:
        raise InvalidInput(_("State what the rectification corrects."), fields={"text": [_("Required.")]})
    return _register(entry.assembly, actor, now=now, rectifies=entry, rectification=text)


def entry_blocks(entry: MinutesEntry) -> list[Block]:
    blocks = json.loads(entry.content)
    if fingerprint(blocks) != entry.sha256:
        raise Conflict(_("The stored minutes no. %(n)d do not match their fingerprint.", n=entry.number))
    return blocks


def get_entry(number) -> MinutesEntry:
    entry = db.session.scalar(select(MinutesEntry).where(MinutesEntry.number == number))
    if entry is None:
        raise NotFound(_("No such minutes in the register."))
    return entry


# --- renderings ---------------------------------------------------------------------------


def to_html(blocks: list[Block], *, sha256: str | None = None, draft: bool = False) -> str:
    return render_template("meetings/assembly/minutes.html", blocks=blocks, sha256=sha256, draft=draft)


def to_pdf(blocks: list[Block], *, sha256: str | None = None, draft: bool = False) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(blocks, sha256=sha256, draft=draft)).write_pdf()


def _fingerprint_line(sha256: str | None) -> str | None:
    return _("SHA-256 fingerprint of the content: %(h)s", h=sha256) if sha256 else None


def to_docx(blocks: list[Block], *, sha256: str | None = None) -> bytes:
    from docx import Document

    document = Document()
    for block in blocks:
        kind = block[0]
        if kind == "title":
            document.add_heading(block[1], level=0)
        elif kind == "h":
            document.add_heading(block[1], level=2)
        elif kind == "p":
            document.add_paragraph(block[1])
        elif kind == "table":
            table = document.add_table(rows=1, cols=len(block[1]))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block[1], strict=True):
                cell.text = text
            for row in block[2]:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
        elif kind == "signatures":
            table = document.add_table(rows=0, cols=2)
            for role, name in block[1]:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = f"{role}\n{name}", _("Signature:") + "\n\n\n"
    line = _fingerprint_line(sha256)
    if line:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_odt(blocks: list[Block], *, sha256: str | None = None) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TableColumnProperties, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    document = OpenDocumentText()
    title = Style(name="PVTitle", family="paragraph")
    title.addElement(TextProperties(fontsize="16pt", fontweight="bold"))
    title.addElement(ParagraphProperties(textalign="center"))
    heading = Style(name="PVHeading", family="paragraph")
    heading.addElement(TextProperties(fontsize="12pt", fontweight="bold"))
    column = Style(name="PVColumn", family="table-column")
    column.addElement(TableColumnProperties(columnwidth="5cm"))
    for style in (title, heading, column):
        document.automaticstyles.addElement(style)

    def table(rows: list[list[str]], columns: int) -> Table:
        t = Table()
        t.addElement(TableColumn(numbercolumnsrepeated=columns, stylename=column))
        for row in rows:
            tr = TableRow()
            for text in row:
                cell = TableCell(valuetype="string")
                for line in text.split("\n"):
                    cell.addElement(P(text=line))
                tr.addElement(cell)
            t.addElement(tr)
        return t

    for block in blocks:
        kind = block[0]
        if kind == "title":
            document.text.addElement(P(stylename=title, text=block[1]))
        elif kind == "h":
            document.text.addElement(H(outlinelevel=2, stylename=heading, text=block[1]))
        elif kind == "p":
            for line in block[1].split("\n"):
                document.text.addElement(P(text=line))
        elif kind == "table":
            document.text.addElement(table([block[1], *block[2]], len(block[1])))
        elif kind == "signatures":
            document.text.addElement(table([[f"{role}\n{name}", _("Signature:") + "\n\n"]
                                            for role, name in block[1]], 2))
    line = _fingerprint_line(sha256)
    if line:
        document.text.addElement(P(text=line))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


# --- attendance sheet and CSV ---------------------------------------------------------------


def attendance_sheet_pdf(assembly: Assembly) -> bytes:
    from weasyprint import HTML

    from app.votes.models import Proxy

    holders = {p.grantor_id: (p.holder.full_name if p.holder else None) for p in db.session.scalars(
        select(Proxy).where(Proxy.context == assembly.meeting.context))}
    rows = [(m, _state_label(state, holders.get(m.id))) for m, state in ga.attendance_lines(assembly)]
    html = render_template("meetings/assembly/attendance_sheet.html", assembly=assembly, rows=rows,
                           profile=ga.profile(), day=format_date(_local(assembly.meeting.starts_at).date(), "long"))
    return HTML(string=html).write_pdf()


def attendance_csv(assembly: Assembly) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["associate", "email", "shares", "attendance"])
    for member, state in ga.attendance_lines(assembly):
        writer.writerow([member.full_name, member.email, member.shares, state])
    return out.getvalue()


def results_csv(assembly: Assembly) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["number", "title", "kind", "for", "against", "abstain", "present_or_represented",
                     "base", "required_for", "adopted"])
    for r in assembly.resolutions:
        result = json.loads(r.ballot.result_json) if r.ballot is not None and r.ballot.result_json else None
        if result is None:
            writer.writerow([r.number, r.title, r.kind, "", "", "", "", "", "", "not voted"])
            continue
        c = result["counts"]
        writer.writerow([r.number, r.title, r.kind, c["for"], c["against"], c["abstain"],
                         result["present_or_represented"], result["base"], result["required_for"],
                         "yes" if result["adopted"] else "no"])
    return out.getvalue()


def convocation_letters_pdf(assembly: Assembly) -> bytes:
    """One printable letter per associate convened by post (no prior consent to e-mail)."""
    from weasyprint import HTML

    if assembly.convocation_date is None:
        raise Conflict(_("The assembly has not been convened."))
    day = assembly.convocation_date
    recipients = [m for m in ga.electorate(assembly) if not ga.consents_electronically(m, day)]
    letters = [(m, ga.convocation_text(assembly, m)) for m in recipients]
    html = render_template("meetings/assembly/letters.html", letters=letters, profile=ga.profile(),
                           day=format_date(day, "long"))
    return HTML(string=html).write_pdf()
