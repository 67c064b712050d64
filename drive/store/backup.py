"""``drive backup`` and ``drive restore``: one zip file holding a consistent copy of a whole drive.

The archive (``FORMAT`` 1) holds, per table of the database, ``tables/<name>.copy`` in PostgreSQL's COPY text
format (stable across server versions), every stored blob as ``blobs/<key>`` exactly as stored (still
encrypted, so the data keys in ``data_keys`` are needed, and the master key that wraps them, which is NOT in
the backup), and ``manifest.json`` last: the schema revision, each member's sha256, the sequences' values.

Consistency while the app runs: every table is read in one REPEATABLE READ, READ ONLY transaction, and the
backup holds ``BACKUP_LOCK`` from before that snapshot until the last blob is copied; whoever deletes blob
objects (a delete, the sweep, ``check --repair``) holds it shared and leaves them for a later sweep when a
backup runs. Blobs are content-addressed and never rewritten, so the objects the snapshot names are there.

Tables are found in the database's catalog (all of them, in foreign-key order), so tables added later are
backed up without code changes. Restore verifies the whole archive before writing anything, migrates an
empty database to the backup's revision, loads it, then migrates to head. Nothing is held whole in memory.
"""

from __future__ import annotations

import graphlib
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql

from drive.errors import BackupError, StorageError
from drive.store.blobs import PIECE, BlobStore
from drive.store.db import Database, known_revision, migrate
from drive.store.locks import BACKUP_LOCK

FORMAT = 1
MANIFEST = "manifest.json"
# Same text on both sides whatever the servers' defaults: timestamps in UTC ISO, floats exact, bytea hex.
_SESSION = ("SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'postgres'",
            "SET extra_float_digits = 3", "SET bytea_output = 'hex'", "SET client_encoding = 'UTF8'")


@dataclass(frozen=True)
class TableDump:
    name: str
    columns: list[str]
    rows: int
    sha256: str

    @property
    def member(self) -> str:
        return f"tables/{self.name}.copy"


@dataclass(frozen=True)
class SequenceValue:
    table: str
    column: str
    last_value: int
    is_called: bool


@dataclass(frozen=True)
class BlobCopy:
    key: str
    size: int
    sha256: str

    @property
    def member(self) -> str:
        return f"blobs/{self.key}"


@dataclass
class Manifest:
    schema_revision: str
    created_at: str
    format: int = FORMAT
    tables: list[TableDump] = field(default_factory=list)  # in foreign-key order
    sequences: list[SequenceValue] = field(default_factory=list)
    blobs: list[BlobCopy] = field(default_factory=list)
    master_key_ids: list[str] = field(default_factory=list)  # what the data keys are wrapped with

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if not isinstance(data, dict) or int(data.get("format", 0)) > FORMAT:
            raise BackupError("this backup was written by a newer version of TheDrive (format "
                              f"{data.get('format') if isinstance(data, dict) else '?'}): upgrade TheDrive first")
        try:
            return cls(schema_revision=str(data["schema_revision"]), created_at=data["created_at"],
                       format=data["format"], tables=[TableDump(**t) for t in data["tables"]],
                       sequences=[SequenceValue(**q) for q in data["sequences"]],
                       blobs=[BlobCopy(**b) for b in data["blobs"]], master_key_ids=list(data["master_key_ids"]))
        except (KeyError, TypeError) as exc:
            raise BackupError(f"the backup's {MANIFEST} is damaged ({exc!r})") from None

    def members(self) -> Iterator[tuple[str, str]]:
        """(member name, sha256) of every table and blob."""
        yield from ((t.member, t.sha256) for t in self.tables)
        yield from ((b.member, b.sha256) for b in self.blobs)


@dataclass(frozen=True)
class RestoreReport:
    tables: int
    rows: int
    blobs: int
    schema_revision: str


def dependency_order(tables: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """Tables with every table a foreign key points at before it (self-references allowed: one COPY loads a
    table whole and its constraints are checked at the end of the statement); ties by name."""
    names = sorted(tables)
    graph: dict[str, set[str]] = {t: set() for t in names}
    for child, parent in edges:
        if child != parent and child in graph and parent in graph:
            graph[child].add(parent)
    sorter = graphlib.TopologicalSorter(graph)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise BackupError(f"tables refer to each other in a cycle: {exc.args[1]}") from None
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order += ready
        sorter.done(*ready)
    return order


# ---------------------------------------------------------------- database side


@contextmanager
def _connect(db: Database) -> Iterator[psycopg.Connection[Any]]:
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in _SESSION:
            conn.execute(statement)  # type: ignore[arg-type]
        yield conn


def _tables(conn: psycopg.Connection[Any]) -> list[str]:
    names = [r[0] for r in conn.execute(
        """SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace
           AND relkind IN ('r', 'p') AND NOT relispartition AND relname <> 'alembic_version'""")]
    edges = conn.execute(
        """SELECT a.relname, b.relname FROM pg_constraint k JOIN pg_class a ON a.oid = k.conrelid
           JOIN pg_class b ON b.oid = k.confrelid
           WHERE k.contype = 'f' AND a.relnamespace = current_schema()::regnamespace""").fetchall()
    return dependency_order(names, [(a, b) for a, b in edges])


def _columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    """The table's columns that hold data (generated ones are computed again on load)."""
    return [r[0] for r in conn.execute(
        """SELECT attname FROM pg_attribute WHERE attrelid = format('%%I', %s::text)::regclass
           AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum""", (table,))]


def _sequences(conn: psycopg.Connection[Any], tables: list[str]) -> list[SequenceValue]:
    owned = conn.execute(
        """SELECT c.relname, a.attname, pg_get_serial_sequence(format('%%I', c.relname), a.attname)
           FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
           WHERE c.relname = ANY(%s) AND c.relnamespace = current_schema()::regnamespace
           AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2""", (tables,)).fetchall()
    values = []
    for table, column, seq in owned:
        if seq:  # the name comes quoted from the server itself
            last, called = conn.execute(sql.SQL("SELECT last_value, is_called FROM {}").format(sql.SQL(seq))).fetchone()  # type: ignore[misc]
            values.append(SequenceValue(table, column, int(last), bool(called)))
    return values


def _copy_out(conn: psycopg.Connection[Any], table: str, columns: list[str], out: IO[bytes]) -> tuple[int, str]:
    query = sql.SQL("COPY {} ({}) TO STDOUT").format(sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    rows, digest = 0, hashlib.sha256()
    with conn.cursor().copy(query) as copy:
        for data in copy:
            piece = bytes(data)
            rows += piece.count(b"\n")  # one line per row: newlines inside values are escaped
            digest.update(piece)
            out.write(piece)
    return rows, digest.hexdigest()


def _rows_in(conn: psycopg.Connection[Any], table: str) -> bool:
    return bool(conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))).fetchone()[0])  # type: ignore[index]


# ---------------------------------------------------------------- backup


def raw_store(store: BlobStore) -> BlobStore:
    """The store under an encrypting one: blobs are copied as stored, ciphertext and all."""
    inner: BlobStore = getattr(store, "inner", store)
    return inner


def backup(db: Database, store: BlobStore, target: Path) -> Manifest:
    """Write the whole drive to ``target`` (a new file; a half-written one is never left under that name)."""
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    partial = target.with_name(target.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive, _connect(db) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (BACKUP_LOCK,))  # before the snapshot
            try:
                manifest = _dump_tables(conn, archive)
                manifest.blobs = _copy_blobs(conn, raw_store(store), archive)
            finally:  # now, not when the server notices the connection closed: deletes may go on at once
                with suppress(psycopg.Error):  # a lost connection has released it already
                    conn.execute("SELECT pg_advisory_unlock(%s)", (BACKUP_LOCK,))
            _write(archive, MANIFEST, manifest.to_json().encode(), zipfile.ZIP_DEFLATED)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _dump_tables(conn: psycopg.Connection[Any], archive: zipfile.ZipFile) -> Manifest:
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None:
            raise BackupError("the database has no schema yet: nothing to back up")
        tables = _tables(conn)
        manifest = Manifest(schema_revision=revision[0], created_at=datetime.now(UTC).isoformat(timespec="seconds"))
        for table in tables:
            columns = _columns(conn, table)
            with archive.open(_info(f"tables/{table}.copy", zipfile.ZIP_DEFLATED), "w", force_zip64=True) as out:
                rows, sha = _copy_out(conn, table, columns, out)
            manifest.tables.append(TableDump(table, columns, rows, sha))
        manifest.sequences = _sequences(conn, tables)
        if "data_keys" in tables:
            manifest.master_key_ids = [r[0] for r in conn.execute("SELECT DISTINCT master_id FROM data_keys ORDER BY 1")]
        # The objects to copy: those of stored blobs in this snapshot (pending ones may not exist yet,
        # deleting ones are being removed; their rows are restored and the sweep finishes them there).
        conn.execute("DECLARE stored_blobs NO SCROLL CURSOR WITH HOLD FOR "
                     "SELECT key FROM blobs WHERE state = 'stored' ORDER BY key")
    return manifest


def _copy_blobs(conn: psycopg.Connection[Any], store: BlobStore, archive: zipfile.ZipFile) -> list[BlobCopy]:
    copies = []
    try:
        while batch := conn.execute("FETCH 500 FROM stored_blobs").fetchall():
            for (key,) in batch:
                copies.append(_copy_blob(store, key, archive))
    finally:
        conn.execute("CLOSE stored_blobs")
    return copies


def _copy_blob(store: BlobStore, key: str, archive: zipfile.ZipFile) -> BlobCopy:
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(_info(f"blobs/{key}", zipfile.ZIP_STORED), "w", force_zip64=True) as out:
            for piece in store.iter_bytes(key):
                digest.update(piece)
                size += len(piece)
                out.write(piece)
    except StorageError as exc:
        raise BackupError(f"blob {key} could not be read ({exc}); run `drive check`. No backup was written") from None
    return BlobCopy(key, size, digest.hexdigest())


def _info(name: str, compression: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = compression
    return info


def _write(archive: zipfile.ZipFile, name: str, data: bytes, compression: int) -> None:
    with archive.open(_info(name, compression), "w") as out:
        out.write(data)


# ---------------------------------------------------------------- restore


def read_manifest(path: Path) -> Manifest:
    """The backup's manifest after checking every member against it (nothing is written); ``BackupError``
    for anything damaged, truncated, missing or too new."""
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                manifest = Manifest.from_json(archive.read(MANIFEST).decode())
            except KeyError:
                raise BackupError(f"{path} is not a TheDrive backup (no {MANIFEST})") from None
            for member, sha in manifest.members():
                if _member_sha(archive, member) != sha:
                    raise BackupError(f"{path} is damaged: {member} does not match its checksum")
    except FileNotFoundError:
        raise BackupError(f"no such backup file: {path}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, TypeError) as exc:
        raise BackupError(f"{path} is damaged or truncated, or not a TheDrive backup: {exc}") from None
    if not known_revision(manifest.schema_revision):
        raise BackupError(f"this backup has schema {manifest.schema_revision}, newer than this version of "
                          "TheDrive knows: upgrade TheDrive first")
    return manifest


def _member_sha(archive: zipfile.ZipFile, member: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with archive.open(member) as f:
            while piece := f.read(PIECE):
                digest.update(piece)
    except KeyError:
        raise BackupError(f"the backup is incomplete: {member} is missing") from None
    return digest.hexdigest()


def restore(db: Database, store: BlobStore, path: Path, manifest: Manifest, spool_dir: Path) -> RestoreReport:
    """Load a verified backup into an empty database and blob store (``store`` as stored: no encryption
    layer), then migrate to head. Refuses anything not empty; on failure removes the objects it wrote."""
    check_store_empty(store)
    migrate(db.engine, manifest.schema_revision)
    with _connect(db) as conn:
        _check_empty(conn, manifest)
        written: list[str] = []
        try:
            with zipfile.ZipFile(path) as archive:
                for blob in manifest.blobs:
                    _put_blob(store, archive, blob, spool_dir)
                    written.append(blob.key)
                rows = _load_tables(conn, archive, manifest)
        except BaseException:
            for key in written:
                store.delete(key)
            raise
    migrate(db.engine)
    return RestoreReport(tables=len(manifest.tables), rows=rows, blobs=len(manifest.blobs),
                         schema_revision=manifest.schema_revision)


def check_store_empty(store: BlobStore) -> None:
    if next(iter(store.list_keys()), None) is not None:
        raise BackupError(f"the blob store is not empty ({store.describe()}): restore needs an empty one")


def _check_empty(conn: psycopg.Connection[Any], manifest: Manifest) -> None:
    present = set(_tables(conn))
    expected = {t.name for t in manifest.tables}
    if present != expected:
        raise BackupError(f"the database's tables at schema {manifest.schema_revision} differ from the backup's: "
                          f"missing {sorted(expected - present)}, extra {sorted(present - expected)}")
    full = [t for t in sorted(present) if _rows_in(conn, t)]
    if full:
        raise BackupError(f"the database is not empty (rows in {', '.join(full)}): restore needs an empty one")


def _put_blob(store: BlobStore, archive: zipfile.ZipFile, blob: BlobCopy, spool_dir: Path) -> None:
    spool_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=spool_dir, prefix="tmprestore-") as tmp, archive.open(blob.member) as src:
        while piece := src.read(PIECE):
            tmp.write(piece)
        tmp.flush()
        store.put_file(blob.key, Path(tmp.name))


def _load_tables(conn: psycopg.Connection[Any], archive: zipfile.ZipFile, manifest: Manifest) -> int:
    rows = 0
    with conn.transaction():
        for table in manifest.tables:
            query = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, table.columns)))
            try:
                with archive.open(table.member) as src, conn.cursor().copy(query) as copy:
                    while piece := src.read(PIECE):
                        copy.write(piece)
            except psycopg.Error as exc:
                raise BackupError(f"the rows of {table.name} could not be loaded, nothing was restored: "
                                  f"{str(exc).splitlines()[0]}") from None
            rows += table.rows
        for seq in manifest.sequences:
            conn.execute("SELECT setval(pg_get_serial_sequence(format('%%I', %s::text), %s), %s, %s)",
                         (seq.table, seq.column, seq.last_value, seq.is_called))
    return rows
