"""With REDIS_URL and DOCUMENT_QUEUE=rq, the PV exports leave the request: an RQ job renders them."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from rq import SimpleWorker

from app.extensions import db
from app.meetings.assembly import jobs
from app.meetings.assembly import services as ga
from tests.conftest import JOB_TEST_REDIS_URL, FreshRequestClient, rq_test_queue, sign_in

from .conftest import IN_SESSION, check_in

MEMBERS = {"docx": "word/document.xml", "odt": "content.xml"}


@pytest.fixture
def rq_documents(app, monkeypatch):
    yield from rq_test_queue(app, monkeypatch, "DOCUMENT_QUEUE")


@pytest.fixture
def renders(monkeypatch):
    """Every rendering of a PV, in the request or in the job (one path: jobs.render_minutes)."""
    calls = []
    render = jobs.render_minutes

    def counted(what, key, fmt):
        calls.append((what, key, fmt))
        return render(what, key, fmt)

    monkeypatch.setattr(jobs, "render_minutes", counted)
    return calls


@pytest.fixture
def held(gerant, associates, make_assembly):
    assembly = make_assembly()
    check_in(assembly, gerant, associates[:3])
    return assembly


def work(q) -> None:
    SimpleWorker([q], connection=q.connection).work(burst=True)


def ask(client, url: str) -> str:
    """Ask for an export; return the status page's path."""
    response = client.get(url)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    assert location.startswith("/documents/")
    return location


def document_text(data: bytes, fmt: str) -> str:
    return "\n".join(ElementTree.fromstring(zip_member(data, MEMBERS[fmt])).itertext())


def zip_member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_draft_export_is_rendered_by_the_worker_like_inline(client, gerant, held, rq_documents, renders, app,
                                                             monkeypatch, fmt):
    sign_in(client, gerant)  # the gérant reads English: the job renders in the language of who asked
    status_url = ask(client, f"/assemblees/{held.meeting_id}/pv.{fmt}")
    assert renders == [] and rq_documents.count == 1  # nothing rendered in the request

    page = client.get(status_url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "being prepared" in text
    assert '<meta http-equiv="refresh" content="2">' in text and "/fichier" not in text
    assert client.get(status_url + "/fichier").status_code == 404  # not ready yet

    work(rq_documents)
    assert renders == [(jobs.DRAFT, held.meeting_id, fmt)]
    text = client.get(status_url).get_data(as_text=True)
    assert "http-equiv" not in text and f'href="{status_url}/fichier"' in text
    queued = client.get(status_url + "/fichier")
    assert queued.status_code == 200 and queued.mimetype == jobs.MEDIA[fmt]
    assert queued.headers["Content-Disposition"] == f'attachment; filename="pv-projet-{held.meeting_id}.{fmt}"'
    assert zip_member(queued.data, MEMBERS[fmt])  # a real document of that format

    monkeypatch.setitem(app.config, "DOCUMENT_QUEUE", "inline")
    inline = client.get(f"/assemblees/{held.meeting_id}/pv.{fmt}")
    assert inline.status_code == 200 and len(renders) == 2
    # The same PV in the same language (English: the job did not fall back to the default French).
    # Not byte for byte: python-docx stamps each zip member with the current time, odfpy orders its
    # namespace declarations differently from one write to the next. DOCX's document.xml is identical.
    if fmt == "docx":
        assert zip_member(queued.data, MEMBERS[fmt]) == zip_member(inline.data, MEMBERS[fmt])
    assert document_text(queued.data, fmt) == document_text(inline.data, fmt)
    assert "Attendance sheet" in document_text(queued.data, fmt) and "Présences" not in document_text(queued.data, fmt)


def test_register_entry_pdf_through_the_worker(client, gerant, held, rq_documents, renders):
    ga.close_assembly(held, gerant, now=IN_SESSION + timedelta(hours=1))
    sign_in(client, gerant)
    number = int(client.post(f"/assemblees/{held.meeting_id}/pv/final").headers["Location"].rsplit("/", 1)[1])
    status_url = ask(client, f"/assemblees/registre/{number}.pdf")
    assert renders == []
    work(rq_documents)
    response = client.get(status_url + "/fichier")
    assert response.data.startswith(b"%PDF") and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="pv-{number:04d}.pdf"'
    # The route's checks come before the queue: an unknown entry or format is refused, nothing queued.
    assert client.get("/assemblees/registre/9999.pdf").status_code == 404
    assert client.get(f"/assemblees/registre/{number}.exe").status_code == 422
    assert rq_documents.count == 0


def test_only_the_member_who_asked_sees_the_document(client, app, gerant, associates, held, rq_documents):
    sign_in(client, gerant)
    status_url = ask(client, f"/assemblees/{held.meeting_id}/pv.odt")
    work(rq_documents)
    assert client.get(status_url + "/fichier").status_code == 200

    other = FreshRequestClient(app, app.response_class, use_cookies=True)
    sign_in(other, associates[1])
    assert other.get(status_url).status_code == 404
    assert other.get(status_url + "/fichier").status_code == 404

    anonymous = FreshRequestClient(app, app.response_class, use_cookies=True)
    for url in (status_url, status_url + "/fichier"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]

    for job_id in (uuid.uuid4().hex, "0" * 31, "0" * 33, "ABCDEF" + "0" * 26, "not-a-job",
                   str(uuid.uuid4())):
        assert client.get(f"/documents/{job_id}").status_code == 404
        assert client.get(f"/documents/{job_id}/fichier").status_code == 404


def test_without_the_queue_the_document_pages_do_not_exist(client, gerant, held, rq_documents, app, monkeypatch):
    sign_in(client, gerant)
    status_url = ask(client, f"/assemblees/{held.meeting_id}/pv.docx")
    monkeypatch.setitem(app.config, "DOCUMENT_QUEUE", "inline")
    assert client.get(status_url).status_code == 404


def test_a_failed_rendering_says_so_and_offers_nothing(client, gerant, held, rq_documents, monkeypatch):
    gerant.language = "fr"
    db.session.flush()

    def broken(what, key, fmt):
        raise RuntimeError("WeasyPrint is not installed")

    monkeypatch.setattr(jobs, "render_minutes", broken)
    sign_in(client, gerant)
    status_url = ask(client, f"/assemblees/{held.meeting_id}/pv.pdf")
    text = client.get(status_url).get_data(as_text=True)
    assert "en préparation" in text and 'http-equiv="refresh"' in text
    work(rq_documents)
    page = client.get(status_url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "La génération du document a échoué" in text
    assert "http-equiv" not in text and "/fichier" not in text
    assert f'href="/assemblees/{held.meeting_id}"' in text  # back to the assembly
    assert client.get(status_url + "/fichier").status_code == 404


def test_an_unreachable_queue_is_said_and_nothing_is_exported(client, gerant, held, rq_documents, renders,
                                                              monkeypatch, app):
    sign_in(client, gerant)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        response = client.get(f"/assemblees/{held.meeting_id}/pv.pdf", headers={"Accept-Language": "fr"})
        status = client.get(f"/documents/{uuid.uuid4().hex}")
    finally:
        app.config["REDIS_URL"] = JOB_TEST_REDIS_URL  # the fixture empties its queue at the end
    assert response.status_code == 503 and status.status_code == 503
    text = response.get_data(as_text=True)
    assert "the job queue does not answer" in text or "la file des tâches ne répond pas" in text
    assert renders == []


def test_a_register_entry_that_no_longer_matches_its_fingerprint_is_refused_before_queueing(
        client, gerant, held, rq_documents, renders, monkeypatch):
    from app.meetings.assembly import minutes

    ga.close_assembly(held, gerant, now=IN_SESSION + timedelta(hours=1))
    sign_in(client, gerant)
    number = int(client.post(f"/assemblees/{held.meeting_id}/pv/final").headers["Location"].rsplit("/", 1)[1])
    # As if the stored PV had been altered since it was recorded: its fingerprint no longer matches.
    monkeypatch.setattr(minutes, "fingerprint", lambda blocks: "0" * 64)
    response = client.get(f"/assemblees/registre/{number}.pdf")
    assert response.status_code == 409
    assert rq_documents.count == 0 and renders == []
