"""Operator commands: ``check`` (every blob present and intact), ``rotate-key`` (a new master key),
``backup`` and ``restore`` (the whole drive in one file; see ``drive.store.backup``)."""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from typing import Any

from drive.core import Drive
from drive.errors import BackupError, ConfigError
from drive.service import DriveService
from drive.settings import Settings
from drive.store.backup import Manifest, backup, check_store_empty, read_manifest, restore
from drive.store.blobs import local_root, make_blob_store
from drive.store.crypto import MasterKey, write_key_file
from drive.store.db import Database, remove_embedded
from drive.store.encrypted import EncryptedBlobStore
from drive.store.integrity import check
from drive.store.sweep import sweep


def add_admin_commands(sub: Any) -> None:
    c = sub.add_parser("check", help="verify every blob is present and matches its sha256; exit 0 only if all is well")
    c.add_argument("--repair", action="store_true", help="re-queue stuck files and remove orphan objects")
    c.set_defaults(func=cmd_check, sweep=False)  # the start-up sweep would hide the orphans it reports
    r = sub.add_parser("rotate-key", help="re-wrap every data key under a new master key (no blob is rewritten)")
    r.set_defaults(func=cmd_rotate_key)
    b = sub.add_parser("backup", help="write the whole drive (database and blobs, as stored) to one new file, "
                                      "while the app runs; the master key is not included")
    b.add_argument("file")
    b.set_defaults(func=cmd_backup, sweep=False)
    rs = sub.add_parser("restore", help="restore a backup file into an empty data home (and empty database "
                                        "and store); needs the backup's master key")
    rs.add_argument("file")
    rs.set_defaults(func=None, standalone=cmd_restore)  # runs before any drive is opened


def cmd_check(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    report = check(drive.db, drive.store, repair=args.repair)
    lines = [f"{report.blobs} blob(s) checked"]
    lines += [f"missing: {k}" for k in report.missing] + [f"damaged: {k}" for k in report.damaged]
    lines += [f"orphan object: {k}" for k in report.orphans] + [f"stuck file: {i}" for i in report.stuck]
    if args.repair:
        lines.append(f"repaired: {report.requeued} file(s) re-queued, {len(report.orphans)} orphan(s) removed")
    lines.append("all is well" if report.ok else "problems found")
    print("\n".join(lines))
    return 0 if report.ok else 1


def cmd_rotate_key(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    store, settings = drive.store, drive.settings
    if not isinstance(store, EncryptedBlobStore):
        raise ConfigError("encryption is off (THEDRIVE_ENCRYPTION=false): there is no key to rotate")
    if settings.master_key:
        raise ConfigError("the master key comes from THEDRIVE_MASTER_KEY: rotate it where it is managed")
    new, path = MasterKey.generate(), settings.master_key_path
    pending = path.with_name(path.name + ".new")
    write_key_file(pending, new)  # on disk before any data key depends on it
    count = store.vault.rewrap(new)
    os.replace(pending, path)
    print(f"re-wrapped {count} data key(s) under master key {new.id}; back up {path}")
    return 0


def cmd_backup(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    manifest = backup(drive.db, drive.store, Path(args.file))
    # Blob deletes held back while the backup ran (``rm`` meanwhile) are finished now.
    sweep(drive.db, drive.store, spool_dir=drive.settings.spool_dir, blob_dir=local_root(drive.store))
    rows = sum(t.rows for t in manifest.tables)
    print(f"backed up {rows} row(s) of {len(manifest.tables)} table(s) and {len(manifest.blobs)} blob(s) "
          f"at schema {manifest.schema_revision} to {args.file}")
    if manifest.master_key_ids:
        where = "THEDRIVE_MASTER_KEY" if drive.settings.master_key else str(drive.settings.master_key_path)
        print(f"the master key ({', '.join(manifest.master_key_ids)}) is NOT in the backup: keep a copy of {where} "
              "apart from it; without it the blobs cannot be read")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    manifest = read_manifest(path)  # the whole file is checked before anything is written
    _check_home_empty(settings)
    _check_master_key(settings, manifest)
    store = make_blob_store(settings)  # as stored: the blobs in the backup are already encrypted
    check_store_empty(store)
    try:
        db = Database.connect(settings, run_migrations=False)
        try:
            report = restore(db, store, path, manifest, settings.spool_dir)
        finally:
            db.dispose()
    except BaseException:
        _undo(settings)
        raise
    print(f"restored {report.rows} row(s) of {report.tables} table(s) and {report.blobs} blob(s) "
          f"(schema {report.schema_revision}, migrated to the current one) into {settings.home}")
    return 0


def _undo(settings: Settings) -> None:
    """After a failed restore, leave the data home as it was (empty but for the master key) so it can be
    run again; an external database was left empty by the rolled-back load."""
    if settings.database_url is None:
        remove_embedded(settings.pg_dir)
    for entry in settings.home.iterdir() if settings.home.is_dir() else []:
        if entry != settings.master_key_path:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def _check_home_empty(settings: Settings) -> None:
    home = settings.home
    extra = [p.name for p in home.iterdir() if p != settings.master_key_path] if home.is_dir() else []
    if extra:
        raise BackupError(f"the data home {home} is not empty ({', '.join(sorted(extra)[:5])}): restore needs an "
                          "empty one (only the master key file may be there)")


def _check_master_key(settings: Settings, manifest: Manifest) -> None:
    """The blobs can only be read with the master key that wraps the backup's data keys: refuse without it
    (a new key would be generated otherwise, and every file would be unreadable)."""
    ids = manifest.master_key_ids
    if not ids:
        return
    if not settings.encryption:
        raise ConfigError("this backup's blobs are encrypted: restore it with THEDRIVE_ENCRYPTION on")
    path = settings.master_key_path
    text = settings.master_key or (path.read_text() if path.is_file() else None)
    if text is None:
        raise ConfigError(f"this backup's data keys are wrapped by master key {', '.join(ids)}: set "
                          f"THEDRIVE_MASTER_KEY to it or copy its key file to {path} (mode 0600) first")
    if (given := MasterKey.parse(text).id) not in ids:
        raise ConfigError(f"the master key given ({given}) is not this backup's ({', '.join(ids)})")
