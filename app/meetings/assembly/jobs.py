"""The PV exports (PDF, DOCX, ODT): one rendering, in the request or in an RQ job.

``render_minutes`` is the only path from a PV to its bytes: the export routes call it inline
(DOCUMENT_QUEUE=inline, the default), and ``minutes_job`` calls it in the worker
(DOCUMENT_QUEUE=rq with REDIS_URL). The job receives plain values only and reads the PV
again from the database, with the same functions as the routes.
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import has_app_context
from flask_babel import force_locale

from app.jobs import job_app
from app.meetings.assembly import minutes
from app.meetings.assembly import services as ga

MEDIA = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "odt": "application/vnd.oasis.opendocument.text"}

# What is exported: the draft PV of an assembly (key: its meeting id), or an entry of the register
# (key: its number).
DRAFT, ENTRY = "draft", "entry"


def filename(what: str, key: int, fmt: str) -> str:
    return f"pv-projet-{key}.{fmt}" if what == DRAFT else f"pv-{key:04d}.{fmt}"


def render_minutes(what: str, key: int, fmt: str) -> bytes:
    """The bytes of the PV in format fmt (already checked against MEDIA)."""
    if what == DRAFT:
        blocks, sha256, draft = minutes.build_blocks(ga.get_assembly(key)), None, True
    elif what == ENTRY:
        entry = minutes.get_entry(key)
        blocks, sha256, draft = minutes.entry_blocks(entry), entry.sha256, False
    else:
        raise ValueError(f"unknown PV export {what!r}")
    return {"pdf": lambda: minutes.to_pdf(blocks, sha256=sha256, draft=draft),
            "docx": lambda: minutes.to_docx(blocks, sha256=sha256),
            "odt": lambda: minutes.to_odt(blocks, sha256=sha256)}[fmt]()


def minutes_job(what: str, key: int, fmt: str, locale: str) -> bytes:
    """RQ entry point: the PV rendered in the language of the member who asked; RQ keeps the bytes."""
    # Inside an application already: a worker run by the tests (burst), not `rq worker`.
    with nullcontext() if has_app_context() else job_app().app_context(), force_locale(locale):
        return render_minutes(what, key, fmt)
