"""The drive service: the typed API that the UI and the CLI both call, scoped to one owner.

Uploads stream into a spool file on disk (hashing as they go), so no upload is ever held in
memory. Blob and row changes follow an intent protocol that the start-up sweep can always finish:
a blob row is written ``pending`` before its object is stored, and marked ``deleting`` in the same
transaction that removes its last item.
"""

from __future__ import annotations

import builtins
import hashlib
import logging
import mimetypes
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from drive.errors import EmptyFile, InvalidMove, NameClash, NotFound, TooLarge
from drive.names import clean_name, title_key, title_of
from drive.records import ItemInfo, ItemKind, Status
from drive.service.model import ModelLink
from drive.service.reads import PageReads
from drive.settings import Settings
from drive.store import blob_rows, chunks, items
from drive.store import queue as jobs
from drive.store.blobs import PIECE, BlobStore
from drive.store.db import Database
from drive.store.graph import detach_items
from drive.store.items import descendants, get_item, list_items, list_page, path_of, resolve, to_info
from drive.store.locks import blob_deletes_allowed, integrity_error, lock_rows, lock_tree, retrying
from drive.store.tables import Blob, Item

log = logging.getLogger(__name__)


class DriveService(PageReads, ModelLink):
    """One owner's drive: its files and folders here; the pages' small reads (``PageReads``) and the owner's
    language model (``ModelLink``) in the base classes."""

    def __init__(self, db: Database, store: BlobStore, settings: Settings, owner: uuid.UUID) -> None:
        self.db = db
        self.store = store
        self.settings = settings
        self.owner = owner

    # ------------------------------------------------------------------ reads

    def list(self, folder: uuid.UUID | None = None, *, recursive: bool = False) -> list[ItemInfo]:
        with self.db.session() as s:
            if folder is not None:
                self._folder(s, folder)
            return list_items(s, self.owner, folder, recursive=recursive)

    def list_page(self, folder: uuid.UUID | None = None, *, limit: int = 100,
                  after: uuid.UUID | None = None) -> builtins.list[ItemInfo]:
        """One page of a folder's children (``list`` order), after the item ``after``: the Files page and
        ``ls --limit`` of a huge folder. The next page starts after the last item of this one."""
        with self.db.session() as s:
            if folder is not None:
                self._folder(s, folder)
            return list_page(s, self.owner, folder, limit, after)

    def get(self, item_id: uuid.UUID) -> ItemInfo:
        with self.db.session() as s:
            item = get_item(s, self.owner, item_id)
            sha = s.scalar(select(Blob.sha256).where(Blob.id == item.blob_id)) if item.blob_id else None
            return to_info(item, path_of(s, self.owner, item.id), sha)

    def resolve(self, ref: str) -> ItemInfo:
        with self.db.session() as s:
            item_id = resolve(s, self.owner, ref).id
        return self.get(item_id)

    def open(self, item_id: uuid.UUID, start: int = 0, end: int | None = None) -> tuple[ItemInfo, Iterator[bytes]]:
        """A file's info and its bytes (``start`` to ``end`` inclusive, default all) as a stream of pieces."""
        info, key = self._file_key(item_id)
        return info, self.store.iter_bytes(key, start=start, end=end)

    def presigned_url(self, item_id: uuid.UUID, expires: int = 3600) -> str | None:
        """A direct download link when the store is S3; None for the local store."""
        info, key = self._file_key(item_id)
        return self.store.presigned_url(key, info.name, expires)

    def storage_used(self) -> int:
        with self.db.session() as s:
            used = s.scalar(select(func.coalesce(func.sum(Blob.size), 0)).where(Blob.owner_id == self.owner))
        return int(used or 0)

    # ------------------------------------------------------------------ writes

    def mkdir(self, name: str, parent: uuid.UUID | None = None) -> ItemInfo:
        name = clean_name(name)

        def create() -> uuid.UUID:
            with self.db.session() as s:
                lock_tree(s, self.owner)
                if parent is not None:
                    self._folder(s, parent, into=name)
                item = Item(owner_id=self.owner, parent_id=parent, name=name, kind=ItemKind.FOLDER.value, size=0)
                self._insert(s, item, name)
                return item.id

        return self.get(retrying(create, f"creating {name!r}"))

    def makedirs(self, path: str) -> uuid.UUID | None:
        """Folder for ``a/b/c``, creating what is missing; '' is the root."""
        parent: uuid.UUID | None = None
        for part in [p for p in path.strip("/").split("/") if p]:
            existing = next((i for i in self.list(parent) if i.name == clean_name(part)), None)
            if existing is None:
                existing = self.mkdir(part, parent)
            elif existing.kind != ItemKind.FOLDER:
                raise InvalidMove(f"{existing.path} is a file, not a folder")
            parent = existing.id
        return parent

    def upload(
        self, stream: BinaryIO, name: str, folder: uuid.UUID | None = None, *, mime: str | None = None
    ) -> ItemInfo:
        """Store a file and queue it for processing. Identical content of one owner is stored once."""
        name = clean_name(name)
        with self.db.session() as s:
            if folder is not None:
                self._folder(s, folder)
            self._check_free(s, folder, name)
        mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        spool, sha, size = self._spool(stream)
        try:
            return self._commit_upload(spool, sha, size, name, folder, mime)
        finally:
            spool.unlink(missing_ok=True)

    def rename(self, item_id: uuid.UUID, new_name: str) -> ItemInfo:
        return self.move(item_id, _SAME, new_name)

    def move(self, item_id: uuid.UUID, folder: uuid.UUID | None | _Same, new_name: str | None = None) -> ItemInfo:
        """Move into ``folder`` (None: the top) and/or rename, in one transaction.

        The target must be one of this owner's folders and not inside the item; the item and the target
        are locked (after the owner's tree lock) so concurrent moves cannot build a cycle."""
        name = clean_name(new_name) if new_name is not None else None

        def change() -> None:
            with self.db.session() as s:
                lock_tree(s, self.owner)
                target = None if isinstance(folder, _Same) else folder
                lock_rows(s, self.owner, [item_id] + ([target] if target else []))
                item = get_item(s, self.owner, item_id)
                if not isinstance(folder, _Same):
                    if folder is not None:
                        self._folder(s, folder)
                        if folder in descendants(s, self.owner, item_id):
                            raise InvalidMove("a folder cannot be moved into itself")
                    item.parent_id = folder
                if name is not None:
                    item.name = name
                    title = title_of(name)
                    chunks.retitle(s, item_id, title, title_key(title))
                item.updated_at = func.now()
                self._flush(s, item.name)

        retrying(change, "this move")
        return self.get(item_id)

    def move_to(self, item_id: uuid.UUID, dest: str) -> ItemInfo:
        """``mv``'s rule: into ``dest`` when it is one of your folders (an id or a path; '' is the top),
        else to the path ``dest`` (its parent folder must exist). An id that is not one of your folders
        is an error, never a new name."""
        dest = dest.strip().rstrip("/")
        if _is_id(dest):
            return self.move(item_id, self._folder_id(dest))
        try:
            target: ItemInfo | None = self.resolve(dest) if dest else None
        except NotFound:
            target = None
        if dest == "" or (target is not None and target.kind == ItemKind.FOLDER):
            return self.move(item_id, target.id if target else None)
        parent, _, new_name = dest.rpartition("/")
        return self.move(item_id, self._folder_id(parent) if parent else None, new_name)

    def _folder_id(self, ref: str) -> uuid.UUID:
        with self.db.session() as s:
            try:
                return self._folder(s, resolve(s, self.owner, ref).id).id
            except NotFound:
                raise NotFound(f"no such folder: {ref}") from None

    def delete(self, item_id: uuid.UUID) -> int:
        """Delete a file or a folder with all it holds, every row derived from them, and unused blobs.

        Returns the number of items removed.
        """
        def remove() -> tuple[int, builtins.list[tuple[uuid.UUID, str]]]:
            with self.db.session() as s:
                lock_tree(s, self.owner)  # the subtree cannot change between listing and deleting it
                get_item(s, self.owner, item_id)
                ids = descendants(s, self.owner, item_id)
                lock_rows(s, self.owner, ids)
                blob_ids = set(s.scalars(select(Item.blob_id).where(Item.id.in_(ids), Item.blob_id.is_not(None))))
                detach_items(s, self.owner, ids)
                # Cascades remove children, texts, chunks and queued jobs; a running job sees its item gone.
                items.delete(s, item_id)
                doomed = blob_rows.mark_unreferenced(s, blob_ids)
                jobs.enqueue_owner_upkeep(s, self.owner, self.settings.community_debounce_seconds)
                return len(ids), doomed

        count, doomed = retrying(remove, "this delete")
        self._drop_blobs(doomed)
        return count

    def reprocess(self, item_id: uuid.UUID) -> None:
        with self.db.session() as s:
            item = get_item(s, self.owner, item_id, lock=True)
            if item.kind != ItemKind.FILE.value:
                raise NotFound(f"{item.name} is a folder")
            item.status, item.error = Status.PENDING.value, None
            jobs.enqueue(s, jobs.INGEST, self.owner, item.id)

    def reprocess_failed(self) -> int:
        with self.db.session() as s:
            ids = items.failed_ids(s, self.owner)
        for item_id in ids:
            self.reprocess(item_id)
        return len(ids)

    # ------------------------------------------------------------------ internals

    def _spool(self, stream: BinaryIO) -> tuple[Path, str, int]:
        """Copy the upload to a temp file in pieces, hashing it and enforcing the size limit."""
        self.settings.spool_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.settings.spool_dir, prefix="up-")
        path, digest, size = Path(name), hashlib.sha256(), 0
        limit = self.settings.max_upload_bytes
        try:
            with open(fd, "wb") as out:
                while piece := stream.read(PIECE):
                    size += len(piece)
                    if size > limit:
                        raise TooLarge(f"the file is larger than the {limit:,}-byte upload limit")
                    digest.update(piece)
                    out.write(piece)
            if size == 0:
                raise EmptyFile("the file is empty (0 bytes): nothing to store")
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path, digest.hexdigest(), size

    def _commit_upload(
        self, spool: Path, sha: str, size: int, name: str, folder: uuid.UUID | None, mime: str
    ) -> ItemInfo:
        blob_id, key, stored = self._claim_blob(sha, size, mime)
        try:
            if not stored:
                self.store.put_file(key, spool, mime)
            item_id = retrying(lambda: self._insert_file(blob_id, name, folder, size, mime), f"adding {name!r}")
        except BaseException:
            if not stored:
                self._abandon_blob(blob_id, key)
            raise
        return self.get(item_id)

    def _insert_file(self, blob_id: uuid.UUID, name: str, folder: uuid.UUID | None, size: int, mime: str) -> uuid.UUID:
        with self.db.session() as s:
            lock_tree(s, self.owner)
            if folder is not None:
                self._folder(s, folder, into=name)  # it may have been deleted while the file was stored
            blob_rows.mark_stored(s, blob_id)
            item = Item(
                owner_id=self.owner, parent_id=folder, name=name, kind=ItemKind.FILE.value,
                blob_id=blob_id, size=size, mime=mime, status=Status.PENDING.value,
            )
            self._insert(s, item, name)
            jobs.enqueue(s, jobs.INGEST, self.owner, item.id)
            return item.id

    def _claim_blob(self, sha: str, size: int, mime: str) -> tuple[uuid.UUID, str, bool]:
        """The blob row for this content: (id, key, already stored?)."""
        with self.db.session() as s:
            return blob_rows.claim(s, self.owner, sha, size, mime)

    def _abandon_blob(self, blob_id: uuid.UUID, key: str) -> None:
        """Best-effort undo of a failed upload; whatever is left, the sweep removes."""
        with suppress(Exception):
            with self.db.session() as s:
                gone = blob_rows.drop_if_abandoned(s, blob_id)
            if gone:
                self.store.delete(key)

    def _drop_blobs(self, doomed: builtins.list[tuple[uuid.UUID, str]]) -> None:
        if not doomed:
            return
        with blob_deletes_allowed(self.db.engine) as allowed:
            if not allowed:  # a backup is copying objects: the rows stay ``deleting`` for the sweep
                log.info("a backup is running: %d unused blob(s) left for the sweep", len(doomed))
                return
            for blob_id, key in doomed:
                self.store.delete(key)
                with self.db.session() as s:
                    blob_rows.drop_deleted(s, blob_id)

    def _file_key(self, item_id: uuid.UUID) -> tuple[ItemInfo, str]:
        info = self.get(item_id)
        if info.kind != ItemKind.FILE:
            raise NotFound(f"{info.path} is a folder, not a file")
        with self.db.session() as s:
            key = blob_rows.key_of_item(s, item_id)
        if key is None:
            raise NotFound(f"no content stored for {info.path}")
        return info, key

    def _folder(self, s: Session, folder: uuid.UUID, *, into: str | None = None) -> Item:
        """The owner's folder (``into``: the name being put there, for the message when it is gone)."""
        try:
            item = get_item(s, self.owner, folder)
        except NotFound:
            if into is None:
                raise
            raise NotFound(f"the folder for {into!r} no longer exists") from None
        if item.kind != ItemKind.FOLDER.value:
            raise InvalidMove(f"{item.name} is a file, not a folder")
        return item

    def _check_free(self, s: Session, folder: uuid.UUID | None, name: str) -> None:
        in_folder = Item.parent_id.is_(None) if folder is None else Item.parent_id == folder
        if s.scalar(select(Item.id).where(Item.owner_id == self.owner, in_folder, Item.name == name)):
            raise NameClash(f"{name!r} already exists in this folder")

    def _insert(self, s: Session, item: Item, name: str) -> None:
        s.add(item)
        self._flush(s, name)

    @staticmethod
    def _flush(s: Session, name: str) -> None:
        try:
            with s.begin_nested():
                s.flush()
        except IntegrityError as exc:
            raise integrity_error(exc, name) from exc


class _Same:
    """``move``'s folder argument meaning: stay in the current folder (rename only)."""


_SAME = _Same()


def _is_id(ref: str) -> bool:
    try:
        uuid.UUID(ref)
    except ValueError:
        return False
    return True

