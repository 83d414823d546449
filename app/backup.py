"""`flask backup FILE` / `flask restore FILE`: a portable, verifiable copy of the whole database.

The archive is gzip-compressed JSON lines (docs/deploy.md, "Backups"):

    {"format": "facettes-backup", "version": 1, "revision": ..., "created_at": ..., "database": ...,
     "tables": [{"name": ..., "columns": [...], "rows": N, "sha256": ...}, ...]}   the manifest
    {"table": "legal_profiles"}                                                   then, per table,
    [1, "Kaleido'Scop", ...]                                                      one row per line
    ...
    {"end": true}

Tables come in foreign-key order (db.metadata.sorted_tables), rows in primary-key order, and
each table's SHA-256 covers its row lines byte for byte. Everything is read in one read
transaction (a REPEATABLE READ snapshot on PostgreSQL), so the copy is consistent.

A restore goes only into an empty database migrated to the archive's revision; it checks the
whole archive first, then inserts every row, primary keys included, in one transaction that
rolls back on any error: nothing is ever half-restored.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.types import TypeDecorator

from app.extensions import db
from app.timeutil import utcnow

FORMAT = "facettes-backup"
VERSION = 1
# Rows the migrations themselves insert (0002: the decision levels and matters). A freshly
# migrated database holds them; a restore replaces them with the archive's, which carry the
# cooperative's own settings.
SEEDED_BY_MIGRATIONS = ("levels", "matters")
BATCH = 500


class BackupError(Exception):
    """A refused backup or restore; the message says what is wrong, for the command line."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class TableEntry:
    name: str
    columns: list[str]
    rows: int
    sha256: str


@dataclass
class Manifest:
    revision: str
    created_at: str
    database: str
    tables: list[TableEntry] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)

    def header(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "revision": self.revision, "created_at": self.created_at,
                "database": self.database,
                "tables": [{"name": t.name, "columns": t.columns, "rows": t.rows, "sha256": t.sha256}
                           for t in self.tables]}


# --- values: JSON has no dates, decimals or bytes; the column's type says how to read them back ---


def _base_type(column: sa.Column):
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return kind


def _codec(column: sa.Column) -> tuple[Callable, Callable]:
    kind = _base_type(column)
    if isinstance(kind, sa.DateTime):
        return datetime.isoformat, datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.isoformat, date.fromisoformat
    if isinstance(kind, sa.Time):
        return time.isoformat, time.fromisoformat
    if isinstance(kind, sa.LargeBinary):
        return (lambda v: base64.b64encode(v).decode("ascii")), base64.b64decode
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return str, Decimal
    if isinstance(kind, sa.JSON):
        return (lambda v: v), (lambda v: v)

    def plain(value):
        if not isinstance(value, str | int | float | bool):
            # A new column type must get its codec here, not be mangled silently.
            raise BackupError(_("Column %(column)s holds a %(type)s, which the backup cannot store yet.",
                                column=str(column), type=type(value).__name__))
        return value

    return plain, (lambda v: v)


def _codecs(table: sa.Table) -> list[tuple[Callable, Callable]]:
    return [_codec(column) for column in table.columns]


def _encode_row(row, codecs) -> bytes:
    values = [None if value is None else encode(value) for value, (encode, _decode) in zip(row, codecs, strict=True)]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


# --- revisions -------------------------------------------------------------------------------


def code_revision() -> str:
    """The Alembic head this version of the code describes (db.metadata is that schema)."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def database_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


# --- backup ----------------------------------------------------------------------------------


def _read_only_connection(engine: sa.Engine) -> sa.Connection:
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        # One snapshot for every table: rows committed meanwhile are not half in the copy.
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    # SQLite: the single transaction is the snapshot (the app's "begin" hook makes it
    # BEGIN IMMEDIATE, so writers wait for the backup, up to busy_timeout).
    return connection


def backup(path: str) -> Manifest:
    """Write the whole database to `path` (atomically: a failed backup leaves no file there)."""
    engine = db.engine
    spools = []
    with _read_only_connection(engine) as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        revision = database_revision(connection)
        expected = code_revision()
        if revision != expected:
            raise BackupError(_("This database is at revision %(database)s but this version of Facettes expects "
                                "%(code)s: run “flask db upgrade” first.", database=revision or "—", code=expected))
        known = {table.name for table in db.metadata.sorted_tables} | {"alembic_version"}
        unknown = sorted(set(sa.inspect(connection).get_table_names()) - known)
        if unknown:
            raise BackupError(_("The database holds tables this version of Facettes does not know (%(tables)s): "
                                "a backup would leave them out.", tables=", ".join(unknown)))
        manifest = Manifest(revision=revision, created_at=utcnow().isoformat(), database=engine.dialect.name)
        try:
            for table in db.metadata.sorted_tables:
                codecs = _codecs(table)
                spool = tempfile.TemporaryFile()
                spools.append(spool)
                digest, count = hashlib.sha256(), 0
                # Primary-key order: a row referring to its own table (a reply, a rectification)
                # comes after the row it refers to, as it was created after it.
                query = sa.select(table).order_by(*table.primary_key.columns)
                for row in connection.execution_options(yield_per=BATCH).execute(query):
                    line = _encode_row(row, codecs)
                    digest.update(line)
                    spool.write(line)
                    count += 1
                manifest.tables.append(TableEntry(table.name, [c.name for c in table.columns], count,
                                                  digest.hexdigest()))
            _write_archive(path, manifest, spools)
        finally:
            for spool in spools:
                spool.close()
    return manifest


def _write_archive(path: str, manifest: Manifest, spools) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    handle, partial = tempfile.mkstemp(prefix=".facettes-backup-", dir=directory)
    try:
        # The archive holds personal data and password hashes: readable by its owner only.
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            out.write(_json_line(manifest.header()))
            for entry, spool in zip(manifest.tables, spools, strict=True):
                out.write(_json_line({"table": entry.name}))
                spool.seek(0)
                while chunk := spool.read(1 << 20):
                    out.write(chunk)
            out.write(_json_line({"end": True}))
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def _json_line(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


# --- reading an archive ------------------------------------------------------------------------


def _corrupt(detail: str) -> BackupError:
    return BackupError(_("The archive is corrupt or truncated (%(detail)s).", detail=detail))


def _lines(path: str) -> Iterator[bytes]:
    try:
        with gzip.open(path, "rb") as archive:
            yield from archive
    except FileNotFoundError:
        raise BackupError(_("No such file: %(path)s.", path=path)) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        # gzip checks its own length and CRC: a cut or damaged file ends up here.
        raise _corrupt(str(error) or type(error).__name__) from None


def _parse(line: bytes):
    try:
        return json.loads(line)
    except (UnicodeDecodeError, ValueError):
        raise _corrupt(_("a line cannot be read")) from None


def read_manifest(lines: Iterator[bytes]) -> Manifest:
    first = next(lines, None)
    try:
        header = json.loads(first) if first is not None else None
    except (UnicodeDecodeError, ValueError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(_("This file is not a Facettes backup."))
    if header.get("version") != VERSION:
        raise BackupError(_("This backup has format version %(version)s, which this version of Facettes cannot "
                            "read.", version=header.get("version")))
    try:
        return Manifest(revision=header["revision"], created_at=header["created_at"], database=header["database"],
                        tables=[TableEntry(t["name"], list(t["columns"]), int(t["rows"]), t["sha256"])
                                for t in header["tables"]])
    except (KeyError, TypeError, ValueError):
        raise _corrupt(_("incomplete manifest")) from None


def _check_schema(manifest: Manifest) -> list[sa.Table]:
    """The archive's tables and columns must be this schema's, in an order that respects foreign keys."""
    tables = {table.name: table for table in db.metadata.sorted_tables}
    names = [entry.name for entry in manifest.tables]
    for name in names:
        if name not in tables:
            raise BackupError(_("The archive holds an unknown table: %(table)s.", table=name))
    for name in tables:
        if name not in names:
            raise BackupError(_("The archive lacks the table %(table)s.", table=name))
    if len(set(names)) != len(names):
        raise _corrupt(_("a table appears twice"))
    for entry in manifest.tables:
        expected = [column.name for column in tables[entry.name].columns]
        if entry.columns != expected:
            raise BackupError(_("The columns of the table %(table)s in the archive differ from this version's.",
                                table=entry.name))
    # The archive's order, checked against this schema's dependencies (not just trusted).
    seen: set[str] = set()
    for name in names:
        for key in tables[name].foreign_keys:
            parent = key.column.table.name
            if _breaks_a_cycle(key):
                continue
            if parent != name and parent not in seen:
                raise _corrupt(_("the table %(table)s comes before %(parent)s", table=name, parent=parent))
        seen.add(name)
    return [tables[name] for name in names]


def _breaks_a_cycle(key: sa.ForeignKey) -> bool:
    # use_alter marks the foreign key of a cycle (a meeting's current agenda item): the table
    # order ignores it, so the restore fills that column once both tables are in.
    return bool(key.use_alter or key.constraint.use_alter)


def _late_columns(table: sa.Table) -> list[str]:
    return [key.parent.key for key in table.foreign_keys if _breaks_a_cycle(key)]


def _scan(path: str, on_batch: Callable[[sa.Table, list[dict]], None] | None = None) -> Manifest:
    """Read and verify the whole archive; with `on_batch`, hand it the decoded rows table by table."""
    lines = _lines(path)
    try:
        return _read_all(lines, on_batch)
    finally:
        lines.close()  # a refused archive is closed at once, not when collected


def _read_all(lines: Iterator[bytes], on_batch) -> Manifest:
    manifest = read_manifest(lines)
    if manifest.revision != code_revision():
        raise BackupError(_("Revision mismatch: the archive was made at revision %(archive)s, this version of "
                            "Facettes is at %(code)s. Restore it with the matching version, then upgrade.",
                            archive=manifest.revision, code=code_revision()))
    tables = _check_schema(manifest)
    previous = None
    for entry, table in zip(manifest.tables, tables, strict=True):
        marker = next(lines, None)
        if marker is not None and marker.startswith(b"[") and previous is not None:
            raise _more_rows(previous)
        if marker is None or _parse(marker) != {"table": entry.name}:
            raise _corrupt(_("the rows of the table %(table)s are missing", table=entry.name))
        previous = entry
        codecs = _codecs(table)
        keys = [column.key for column in table.columns]
        digest, batch = hashlib.sha256(), []
        for number in range(entry.rows):
            line = next(lines, None)
            if line is None or not line.startswith(b"["):
                raise BackupError(_("Row count mismatch in the table %(table)s: the manifest says %(expected)d, "
                                    "the archive holds %(found)d.", table=entry.name, expected=entry.rows,
                                    found=number))
            digest.update(line)
            values = _parse(line)
            try:
                row = {key: None if value is None else decode(value)
                       for key, value, (_encode, decode) in zip(keys, values, codecs, strict=True)}
            except (TypeError, ValueError, ArithmeticError):
                raise _corrupt(_("a row of the table %(table)s cannot be read", table=entry.name)) from None
            batch.append(row)
            if len(batch) >= BATCH:
                if on_batch:
                    on_batch(table, batch)
                batch = []
        if digest.hexdigest() != entry.sha256:
            raise BackupError(_("Checksum mismatch in the table %(table)s: the archive was altered or damaged.",
                                table=entry.name))
        if batch and on_batch:
            on_batch(table, batch)
    last = next(lines, None)
    if last is None:
        raise _corrupt(_("the end marker is missing"))
    if last.startswith(b"[") and previous is not None:
        raise _more_rows(previous)
    if _parse(last) != {"end": True} or next(lines, None) is not None:
        raise _corrupt(_("unexpected content after the tables"))
    return manifest


def _more_rows(entry: TableEntry) -> BackupError:
    return BackupError(_("Row count mismatch in the table %(table)s: the archive holds more rows than the "
                         "%(expected)d its manifest says.", table=entry.name, expected=entry.rows))


# --- restore ---------------------------------------------------------------------------------


def restore(path: str) -> Manifest:
    """Load the archive into this (empty, migrated) database, all or nothing."""
    _scan(path)  # refuse a bad archive before touching the database
    engine = db.engine
    with engine.connect() as connection, connection.begin():
        _check_target(connection)
        for name in reversed(SEEDED_BY_MIGRATIONS):
            connection.execute(db.metadata.tables[name].delete())
        # The audit log's triggers forbid UPDATE and DELETE, not INSERT; the minutes register's
        # guard is an ORM hook, and these are plain inserts: both stay on.
        late: list[tuple[sa.Table, dict, dict]] = []

        def insert(table: sa.Table, rows: list[dict]) -> None:
            columns = _late_columns(table)
            for row in rows if columns else ():
                values = {key: row[key] for key in columns if row[key] is not None}
                if values:
                    late.append((table, {c.key: row[c.key] for c in table.primary_key.columns}, values))
                    row.update(dict.fromkeys(values))
            connection.execute(table.insert(), rows)

        manifest = _scan(path, insert)
        for table, key, values in late:
            connection.execute(table.update().where(*(table.c[k] == v for k, v in key.items())).values(values))
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection)
    return manifest


def _check_target(connection: sa.Connection) -> None:
    revision = database_revision(connection)
    if revision is None:
        raise BackupError(_("This database has not been migrated: run “flask db upgrade” on it, then restore."))
    expected = code_revision()
    if revision != expected:
        raise BackupError(_("Revision mismatch: the archive was made at revision %(archive)s, this database is at "
                            "%(database)s: migrate it to %(archive)s (“flask db upgrade”) first.", archive=expected,
                            database=revision))
    tables = db.metadata.sorted_tables
    if connection.dialect.name == "postgresql":
        # Nobody writes meanwhile; reading stays possible.
        connection.exec_driver_sql("LOCK TABLE " + ", ".join(f'"{t.name}"' for t in tables) + " IN EXCLUSIVE MODE")
    for table in tables:
        if table.name in SEEDED_BY_MIGRATIONS:
            continue
        if connection.scalar(sa.select(sa.literal(1)).select_from(table).limit(1)) is not None:
            raise BackupError(_("The database is not empty (the table %(table)s holds rows): restore only into a new "
                                "database migrated with “flask db upgrade”.", table=table.name))


def _reset_sequences(connection: sa.Connection) -> None:
    # Rows came with their ids: move each sequence past them, or the next insert would collide.
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(_base_type(column), sa.Integer):
                continue
            sequence = connection.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                         {"t": table.name, "c": column.name})
            if sequence:
                connection.execute(
                    sa.text(f'SELECT setval(:s, COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") IS NOT NULL) '
                            f'FROM "{table.name}"'), {"s": sequence})
