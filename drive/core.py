"""Wiring: open the drive's shared resources (database, blob store) once, then hand out per-user services."""

from __future__ import annotations

import logging
import uuid
import warnings
from dataclasses import dataclass

from drive.service import DriveService
from drive.settings import Settings
from drive.store.blobs import BlobStore, local_root, make_blob_store
from drive.store.crypto import load_master_key
from drive.store.db import Database
from drive.store.encrypted import EncryptedBlobStore, KeyVault
from drive.store.sweep import sweep
from drive.store.users import ensure_user

log = logging.getLogger(__name__)


@dataclass
class Drive:
    settings: Settings
    db: Database
    store: BlobStore

    def user_id(self, name: str | None = None) -> uuid.UUID:
        return ensure_user(self.db, name or self.settings.user)

    def service(self, owner: uuid.UUID) -> DriveService:
        return DriveService(self.db, self.store, self.settings, owner)

    def close(self) -> None:
        self.db.dispose()


def open_drive(settings: Settings, *, run_sweep: bool = True) -> Drive:
    """Connect (starting the embedded PostgreSQL if needed), migrate, and sweep leftovers of crashes."""
    settings.home.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        db = Database.connect(settings)
    store = make_blob_store(settings)
    if settings.encryption:
        master = load_master_key(settings.master_key, settings.master_key_path)
        store = EncryptedBlobStore(store, KeyVault(db, master), settings.spool_dir)
    if run_sweep:
        report = sweep(db, store, spool_dir=settings.spool_dir, blob_dir=local_root(store))
        if report.rows_removed or report.objects_removed or report.temp_removed:
            log.info("start-up sweep: %s", report)
    return Drive(settings=settings, db=db, store=store)
