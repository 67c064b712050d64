"""Operator commands: ``check`` (every blob present and intact) and ``rotate-key`` (a new master key)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from drive.core import Drive
from drive.errors import ConfigError
from drive.service import DriveService
from drive.store.crypto import MasterKey, write_key_file
from drive.store.encrypted import EncryptedBlobStore
from drive.store.integrity import check


def add_admin_commands(sub: Any) -> None:
    c = sub.add_parser("check", help="verify every blob is present and matches its sha256; exit 0 only if all is well")
    c.add_argument("--repair", action="store_true", help="re-queue stuck files and remove orphan objects")
    c.set_defaults(func=cmd_check, sweep=False)  # the start-up sweep would hide the orphans it reports
    r = sub.add_parser("rotate-key", help="re-wrap every data key under a new master key (no blob is rewritten)")
    r.set_defaults(func=cmd_rotate_key)


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
