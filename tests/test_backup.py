"""`flask backup` / `flask restore`: a whole cooperative survives the round trip, bad archives change nothing.

The databases here live outside the per-test savepoint: a source built through the services and
committed, then fresh targets migrated by Alembic, on the suite's database engine (SQLite file or
PostgreSQL database, named after the run and dropped afterwards).
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import backup, create_app
from app.extensions import db
from app.members.models import MemberStatus, RoleKind
from app.timeutil import utcnow
from tests.conftest import DATABASE_URL, MemberFactory, _drop_database, _reset_database

pytestmark = pytest.mark.no_db_transaction
ROOT = Path(__file__).resolve().parent.parent
_numbers = itertools.count(1)


def _url(label: str) -> str:
    url = sa.engine.make_url(DATABASE_URL)
    name = f"backup_{label}_{next(_numbers)}"
    if url.get_backend_name() == "sqlite":
        root, ext = os.path.splitext(url.database)
        return url.set(database=f"{root}_{name}{ext}").render_as_string(hide_password=False)
    return url.set(database=f"{url.database}_{name}").render_as_string(hide_password=False)


def _is_postgresql() -> bool:
    return sa.engine.make_url(DATABASE_URL).get_backend_name() == "postgresql"


class Databases:
    """Throwaway databases, each with its own app; all dropped at the end."""

    def __init__(self):
        self.made = []

    def __call__(self, label: str, *, revision: str | None = "head"):
        url = _url(label)
        _reset_database(url)
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, BABEL_DEFAULT_LOCALE="en")
        app.config["URL"] = url
        self.made.append(app)
        if revision:
            with app.app_context():
                upgrade(revision=revision)
        return app

    def drop_all(self):
        for app in self.made:
            with app.app_context():
                db.engine.dispose()
            _drop_database(app.config["URL"])


@pytest.fixture
def databases():
    made = Databases()
    yield made
    made.drop_all()


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order, as the application reads it."""
    with app.app_context(), db.engine.connect() as connection:
        present = set(sa.inspect(connection).get_table_names())  # an older revision lacks some
        return {table.name: [tuple(row) for row in connection.execute(
                    sa.select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables if table.name in present}


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


# --- the world: a cooperative built through the services ---------------------------------------------


def build_world(monkeypatch) -> None:
    from app.deliberation import services as deliberation
    from app.deliberation.services.ballots import decision_ballot
    from app.governance.services import level_by_code, matter_by_code
    from app.meetings import services as meetings
    from app.meetings.assembly import minutes
    from app.meetings.assembly import services as ga
    from app.votes import services as votes
    from tests.meetings.assembly.conftest import CONVENED_AT, IN_SESSION, MEETING_AT, check_in, vote
    from tests.meetings.conftest import T0

    monkeypatch.setattr(ga, "send_email", lambda *args, **kwargs: None)
    make = MemberFactory()
    gerant = make(MemberStatus.ESA, roles=[RoleKind.CO_MANAGER, RoleKind.ADMINISTRATOR], name="Gaston Gérant",
                  email="gerant@example.org", language="en", shares=10)
    associates = [gerant] + [make(MemberStatus.ESA, name=f"Associée {n} « Œ »", shares=n) for n in range(1, 6)]
    workers = [make(MemberStatus.ES, name=f"Entrepreneur {n}") for n in range(1, 4)]

    # A proposal debated in comments (a thread with a reply), decided online by a named ballot.
    proposal = deliberation.create_proposal(
        workers[0], title="Des bureaux partagés", summary="Louer un plateau",
        body="La coopérative loue un plateau.\n\nChaque membre y a une place. ✓",
        matter_id=matter_by_code("everyday").id, level_id=None, theme_ids=[], coauthor_ids=[])
    deliberation.open_for_debate(proposal, workers[0])
    first = deliberation.add_comment(proposal, workers[1], "Bonne idée, mais où ? 🏢", "question")
    deliberation.add_comment(proposal, workers[0], "Rue des Tisserands, près du métro.", "for", parent_id=first.id)
    deliberation.add_comment(proposal, associates[2], "Le loyer me semble élevé.", "against")
    opens = utcnow() + timedelta(hours=1)
    deliberation.schedule_online_decision(proposal, workers[0], opens, opens + timedelta(days=7))
    deliberation.open_due_windows(opens + timedelta(minutes=1))
    named = decision_ballot(proposal)
    for voter, choice in zip(associates + workers, ["for"] * 6 + ["against", "abstain"], strict=False):
        votes.cast_vote(named, voter, {"choice": choice}, secrets.token_urlsafe(16), now=opens + timedelta(hours=1))
    votes.close_ballot(named)
    votes.publish_ballot(named)

    # A secret ballot, closed and published.
    secret = votes.open_ballot(votes.create_ballot(title="Élection au conseil", level=level_by_code("seminar"),
                                                   secrecy="secret"))
    for voter, choice in zip(workers + associates[:3], ["for", "against", "for", "for", "abstain", "for"],
                             strict=True):
        votes.cast_vote(secret, voter, {"choice": choice}, secrets.token_urlsafe(16))
    votes.close_ballot(secret)
    votes.publish_ballot(secret)

    # A seminar in session: its current agenda item is the foreign key of a cycle.
    seminar = meetings.create_meeting(kind="seminar", title="Séminaire de printemps", starts_at=T0,
                                      ends_at=T0 + timedelta(hours=7), place="Lyon", facilitator_ids=[gerant.id],
                                      created_by=gerant)
    for title in ("Charte des bureaux", "Trinômes"):
        meetings.add_item(seminar, gerant, kind="topic", title=title)
    meetings.mark_present(seminar, gerant, workers[0], now=T0)
    meetings.start_session(seminar, gerant, now=T0)

    # A general assembly, its resolution voted, its final procès-verbal and a rectification in the register.
    ga.update_profile(gerant, name="Facettes SCOP", legal_form="scop_sarl",
                      registered_office="12 rue des Tisserands, 69001 Lyon", registration_number="RCS Lyon 123")
    assembly = ga.create_assembly(gerant, title="Assemblée générale 2026", starts_at=MEETING_AT,
                                  ends_at=MEETING_AT + timedelta(hours=3), place="Salle du Conseil, Lyon",
                                  scope="ordinary")
    ga.add_resolution(assembly, gerant, title="Approbation des comptes 2025", text="L'assemblée approuve les comptes.",
                      kind="ordinary", proposer="gerance", gerance_supports=True)
    ga.convene(assembly, gerant, now=CONVENED_AT)
    check_in(assembly, gerant, associates)
    resolution = assembly.resolutions[0]
    ga.open_resolution(resolution, gerant, now=IN_SESSION)
    vote(resolution, associates[:4], "for")
    vote(resolution, associates[4:], "against")
    ga.close_resolution(resolution, gerant, now=IN_SESSION)
    ga.close_assembly(assembly, gerant, now=IN_SESSION + timedelta(hours=2))
    entry = minutes.finalize(assembly, gerant)
    minutes.rectify(entry, gerant, "Le lieu était la salle B.")
    db.session.commit()


@dataclass
class World:
    app: object
    archive: str
    rows: dict[str, list[tuple]]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    made = Databases()
    try:
        app = made("source")
        with app.app_context(), pytest.MonkeyPatch.context() as monkeypatch:
            build_world(monkeypatch)
        archive = str(tmp_path_factory.mktemp("backup") / "facettes.jsonl.gz")
        result = cli(app, "backup", archive)
        assert result.exit_code == 0, result.output
        rows = snapshot(app)
        assert f"{sum(len(r) for r in rows.values())} rows in {len(rows)} tables" in result.output
        yield World(app, archive, rows)
    finally:
        made.drop_all()


# --- the round trip -------------------------------------------------------------------------------------


def column(world, table: str, name: str) -> list:
    with world.app.app_context():
        index = db.metadata.tables[table].c.keys().index(name)
    return [row[index] for row in world.rows[table]]


def test_the_world_has_what_a_backup_must_keep(world):
    # The source holds every kind of record the round trip is about, so the equality below means something.
    for table in ("members", "proposals", "comments", "decision_records", "ballots", "ballot_votes",
                  "ballot_participations", "ballot_audit", "assemblies", "resolutions", "meeting_attendance",
                  "minutes_register"):
        assert world.rows[table], table
    assert {"secret", "named"} <= set(column(world, "ballots", "secrecy"))
    assert set(column(world, "ballots", "state")) == {"published", "closed"}
    assert any(column(world, "comments", "parent_id"))  # a reply, after the comment it answers
    assert column(world, "decision_records", "outcome") == ["adopted"]
    assert [rectifies is not None for rectifies in column(world, "minutes_register", "rectifies_id")] == [False, True]
    assert any(column(world, "meetings", "current_item_id"))  # the foreign key of a cycle


def test_restore_gives_back_every_row_identical_and_the_audit_chain_verifies(world, databases):
    target = databases("target")
    result = cli(target, "restore", world.archive)
    assert result.exit_code == 0, result.output
    assert f"Restored from {world.archive}: " in result.output
    assert snapshot(target) == world.rows  # every proposal, vote, participation, audit entry, PV, all columns

    audit_entries = len(world.rows["ballot_audit"])
    result = cli(target, "votes", "verify-audit")
    assert result.exit_code == 0, result.output
    assert f"OK: {audit_entries} entries verified" in result.output
    assert "3 stored results re-tallied identically" in result.output  # named, secret, the resolution

    from app.meetings.assembly import minutes
    from app.meetings.assembly.models import MinutesEntry

    with target.app_context():
        entries = db.session.scalars(sa.select(MinutesEntry).order_by(MinutesEntry.number)).all()
        assert [entry.number for entry in entries] == [1, 2] and entries[1].rectifies_id == entries[0].id
        for entry in entries:
            minutes.entry_blocks(entry)  # refuses a PV whose text no longer matches its fingerprint
        # The restored database keeps working: new rows get fresh ids (PostgreSQL sequences were moved on).
        member = MemberFactory()(MemberStatus.ES, email="nouvelle@example.org")
        db.session.commit()
        assert member.id == max(row[0] for row in world.rows["members"]) + 1


def test_the_commands_run_as_installed(world, databases, tmp_path):
    # `flask --app app backup/restore` in their own processes, as an operator types them.
    target = databases("installed")
    archive = str(tmp_path / "again.jsonl.gz")

    def flask(url, *args):
        env = {**os.environ, "FACETTES_CONFIG": "testing", "TEST_DATABASE_URL": url}
        return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)

    done = flask(world.app.config["URL"], "backup", archive)
    assert done.returncode == 0, done.stderr
    assert "Backup written to" in done.stdout or "Sauvegarde" in done.stdout
    assert os.stat(archive).st_mode & 0o077 == 0  # personal data: readable by its owner only
    done = flask(target.config["URL"], "restore", archive)
    assert done.returncode == 0, done.stderr
    assert snapshot(target) == world.rows


def test_the_archive_lists_revision_counts_and_checksums(world):
    with gzip.open(world.archive, "rb") as archive:
        lines = archive.read().splitlines(keepends=True)
    manifest = json.loads(lines[0])
    with world.app.app_context():
        head = backup.code_revision()
        names = [table.name for table in db.metadata.sorted_tables]
    assert (manifest["format"], manifest["revision"]) == ("facettes-backup", head)
    assert [t["name"] for t in manifest["tables"]] == names
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {k: len(v) for k, v in world.rows.items()}
    position = 1
    for table in manifest["tables"]:
        assert json.loads(lines[position]) == {"table": table["name"]}
        body = lines[position + 1:position + 1 + table["rows"]]
        assert hashlib.sha256(b"".join(body)).hexdigest() == table["sha256"]
        position += 1 + table["rows"]
    assert json.loads(lines[position]) == {"end": True} and position == len(lines) - 1


def test_the_backup_reads_one_consistent_snapshot(world, databases, monkeypatch):
    # A write committed while the backup runs is not half in the copy.
    app = world.app
    original = backup._codecs
    with app.app_context():
        engine = sa.create_engine(app.config["URL"])

    def write_meanwhile(table):
        if table.name == "legal_profiles":  # the first table read; themes come later
            if _is_postgresql():
                with engine.begin() as other:
                    other.execute(sa.text("INSERT INTO themes (label) VALUES ('écrit pendant la sauvegarde')"))
            else:
                # SQLite: the backup's transaction holds the write lock, so a writer cannot slip in.
                raw = sqlite3.connect(sa.engine.make_url(app.config["URL"]).database, timeout=0)
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    raw.execute("INSERT INTO themes (label) VALUES ('écrit pendant la sauvegarde')")
                raw.close()
        return original(table)

    monkeypatch.setattr(backup, "_codecs", write_meanwhile)
    archive = str(Path(world.archive).with_name("during.jsonl.gz"))
    try:
        with app.app_context():
            manifest = backup.backup(archive)
        assert {t.name: t.rows for t in manifest.tables}["themes"] == len(world.rows["themes"])
    finally:
        if _is_postgresql():
            with engine.begin() as other:
                other.execute(sa.text("DELETE FROM themes WHERE label = 'écrit pendant la sauvegarde'"))
        engine.dispose()
    assert snapshot(app) == world.rows


# --- refusals: each names the problem and changes nothing ---------------------------------------------


def rewrite(source: str, target: Path, *, rows=None, manifest=None, lines=None, checksums=False) -> str:
    """A copy of an archive, edited: rows(table, [line]) -> [line]; manifest(dict); lines([line]) -> [line]."""
    with gzip.open(source, "rb") as archive:
        content = archive.read().splitlines(keepends=True)
    header = json.loads(content[0])
    out, position = [], 1
    for table in header["tables"]:
        out.append(content[position])
        body = content[position + 1:position + 1 + table["rows"]]
        position += 1 + table["rows"]
        if rows:
            body = rows(table["name"], body)
        if checksums:  # a forger recomputes the checksums
            table["rows"], table["sha256"] = len(body), hashlib.sha256(b"".join(body)).hexdigest()
        out.extend(body)
    out.extend(content[position:])
    if manifest:
        manifest(header)
    out.insert(0, json.dumps(header).encode() + b"\n")
    if lines:
        out = lines(out)
    with gzip.open(target, "wb") as archive:
        archive.write(b"".join(out))
    return str(target)


def refused(app, archive: str, message: str) -> None:
    before = snapshot(app)
    result = cli(app, "restore", archive)
    assert result.exit_code == 1, result.output
    assert message in result.output, result.output
    assert "Nothing was restored." in result.output
    assert snapshot(app) == before


def replace_in(table_name: str, old: bytes, new: bytes):
    def edit(name, body):
        if name != table_name:
            return body
        changed = [line.replace(old, new) for line in body]
        assert changed != body, f"nothing to replace in {table_name}"
        return changed
    return edit


def test_restore_into_a_database_that_holds_data_is_refused(world, databases):
    target = databases("nonempty")
    with target.app_context():
        MemberFactory()(MemberStatus.ES)
        db.session.commit()
    refused(target, world.archive, "The database is not empty (the table members holds rows)")
    # The source itself, full, is refused too.
    refused(world.app, world.archive, "The database is not empty")


def test_a_truncated_archive_is_refused(world, databases, tmp_path):
    target = databases("truncated")
    data = Path(world.archive).read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    refused(target, str(cut), "The archive is corrupt or truncated")
    # Cut inside the content and compressed again: the audit log lacks rows, the end marker is gone.
    entries = len(world.rows["ballot_audit"])

    def cut_in_the_audit_log(lines):
        start = lines.index(b'{"table":"ballot_audit"}\n')
        return lines[:start + 1 + entries // 2]

    shortened = rewrite(world.archive, tmp_path / "short.jsonl.gz", lines=cut_in_the_audit_log)
    refused(target, shortened, f"Row count mismatch in the table ballot_audit: the manifest says {entries}, "
                               f"the archive holds {entries // 2}.")


def test_a_tampered_archive_is_refused(world, databases, tmp_path):
    target = databases("tampered")
    # A vote turned around in the ballot box: the table's checksum no longer matches.
    tampered = rewrite(world.archive, tmp_path / "votes.jsonl.gz",
                       rows=replace_in("ballot_votes", b"against", b"for"))
    refused(target, tampered, "Checksum mismatch in the table ballot_votes")
    # A row added to the register, the count left as it was.
    extra = rewrite(world.archive, tmp_path / "extra.jsonl.gz",
                    rows=lambda name, body: body + body[-1:] if name == "minutes_register" else body)
    refused(target, extra, "Row count mismatch in the table minutes_register")


def test_a_forged_archive_that_the_database_refuses_is_rolled_back_entirely(world, databases, tmp_path):
    # Checksums recomputed, so every check passes; the rectification given the number of the PV it
    # rectifies makes the database refuse it after most tables went in: the one transaction rolls it
    # all back, the migrations' levels and matters included.
    target = databases("forged")

    def same_number(name, body):
        if name != "minutes_register":
            return body
        last = json.loads(body[-1])
        last[1] = json.loads(body[0])[1]  # number, the second column
        return body[:-1] + [json.dumps(last, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"]

    forged = rewrite(world.archive, tmp_path / "forged.jsonl.gz", rows=same_number, checksums=True)
    with target.app_context():
        assert db.metadata.tables["minutes_register"].c.keys()[1] == "number"
    before = snapshot(target)
    result = cli(target, "restore", forged)
    assert result.exit_code == 1
    assert isinstance(result.exception, sa.exc.IntegrityError)
    assert "The restore failed; nothing was restored." in result.output
    assert snapshot(target) == before


def test_a_wrong_revision_is_refused(world, databases, tmp_path):
    # A database migrated to an older revision…
    older = databases("older", revision="0007_workgroups")
    with older.app_context():
        head = backup.code_revision()
    refused(older, world.archive,
            f"Revision mismatch: the archive was made at revision {head}, this database is at 0007_workgroups")
    # …and an archive that says it comes from another version of Facettes.
    target = databases("revision")
    other = rewrite(world.archive, tmp_path / "other.jsonl.gz",
                    manifest=lambda header: header.update(revision="0007_workgroups"))
    refused(target, other, f"the archive was made at revision 0007_workgroups, this version of Facettes is at {head}")


def test_unknown_tables_missing_tables_and_foreign_files_are_refused(world, databases, tmp_path):
    target = databases("unknown")

    def add_table(lines):
        header = json.loads(lines[0])
        header["tables"].append({"name": "ledger", "columns": ["id"], "rows": 0,
                                 "sha256": hashlib.sha256(b"").hexdigest()})
        return [json.dumps(header).encode() + b"\n", *lines[1:-1], b'{"table":"ledger"}\n', lines[-1]]

    refused(target, rewrite(world.archive, tmp_path / "ledger.jsonl.gz", lines=add_table),
            "The archive holds an unknown table: ledger.")
    refused(target, rewrite(world.archive, tmp_path / "lacks.jsonl.gz",
                            manifest=lambda header: header["tables"].pop()),
            "The archive lacks the table")
    plain = tmp_path / "notes.txt"
    plain.write_text("nothing to see\n")
    refused(target, str(plain), "The archive is corrupt or truncated")
    foreign = tmp_path / "foreign.json.gz"
    with gzip.open(foreign, "wb") as archive:
        archive.write(b'{"hello": "world"}\n')
    refused(target, str(foreign), "This file is not a Facettes backup.")
    refused(target, str(tmp_path / "missing.jsonl.gz"), "No such file")


def test_restore_into_a_database_never_migrated_is_refused(world, databases):
    bare = databases("bare", revision=None)
    result = cli(bare, "restore", world.archive)
    assert result.exit_code == 1
    assert "This database has not been migrated: run “flask db upgrade” on it" in result.output
    with bare.app_context(), db.engine.connect() as connection:
        assert sa.inspect(connection).get_table_names() == []


def test_backup_refuses_a_database_behind_the_code(databases, tmp_path):
    older = databases("behind", revision="0007_workgroups")
    archive = tmp_path / "behind.jsonl.gz"
    result = cli(older, "backup", str(archive))
    assert result.exit_code == 1
    assert "This database is at revision 0007_workgroups but this version of Facettes expects" in result.output
    assert not archive.exists() and list(tmp_path.iterdir()) == []  # no half-written file either


def test_an_archive_moves_from_postgresql_to_sqlite_byte_for_byte(world, tmp_path):
    # The logical format does not depend on the engine: a PostgreSQL archive restores into SQLite,
    # and the copy's own backup holds the very same row lines.
    if not _is_postgresql():
        pytest.skip("run with TEST_DATABASE_URL on PostgreSQL: SQLite is the other end")
    url = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    copy = create_app("testing", SQLALCHEMY_DATABASE_URI=url, BABEL_DEFAULT_LOCALE="en")
    try:
        with copy.app_context():
            upgrade()
        result = cli(copy, "restore", world.archive)
        assert result.exit_code == 0, result.output
        assert snapshot(copy) == world.rows
        again = tmp_path / "again.jsonl.gz"
        assert cli(copy, "backup", str(again)).exit_code == 0
        with gzip.open(world.archive, "rb") as first, gzip.open(again, "rb") as second:
            first_lines, second_lines = first.read().splitlines()[1:], second.read().splitlines()[1:]
        assert first_lines == second_lines
        with gzip.open(again) as archive:
            assert json.loads(archive.readline())["database"] == "sqlite"
    finally:
        with copy.app_context():
            db.engine.dispose()
