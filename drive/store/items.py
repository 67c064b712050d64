"""The ``items`` table: an owner's tree (paths, listing, resolving ``id`` or ``a/b/c``) and each file's
processing status (pending -> processing -> ready | failed), the only place that status is written."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, text, tuple_
from sqlalchemy.orm import Session

from drive.errors import NotFound
from drive.names import split_path
from drive.records import DocMeta, DriveCounts, ItemInfo, ItemKind, RecentFiles, Status
from drive.store.tables import Blob, Item

# Every item of an owner with its full path, computed top-down in one query.
_PATHS = text(
    """
    WITH RECURSIVE t AS (
        SELECT id, name::text AS path FROM items WHERE owner_id = :owner AND parent_id IS NULL
        UNION ALL
        SELECT i.id, t.path || '/' || i.name FROM items i JOIN t ON i.parent_id = t.id
    )
    SELECT id, path FROM t
    """
)

_PATH_OF = text(
    """
    WITH RECURSIVE up AS (
        SELECT id, parent_id, name::text AS path FROM items WHERE id = :id AND owner_id = :owner
        UNION ALL
        SELECT p.id, p.parent_id, p.name || '/' || up.path FROM items p JOIN up ON p.id = up.parent_id
    )
    SELECT path FROM up WHERE parent_id IS NULL
    """
)

_DESCENDANTS = text(
    """
    WITH RECURSIVE d AS (
        SELECT id FROM items WHERE id = :id AND owner_id = :owner
        UNION ALL
        SELECT i.id FROM items i JOIN d ON i.parent_id = d.id
    )
    SELECT id FROM d
    """
)


def to_info(item: Item, path: str, sha256: str | None = None) -> ItemInfo:
    return ItemInfo(
        id=item.id,
        name=item.name,
        path=path,
        kind=ItemKind(item.kind),
        parent_id=item.parent_id,
        size=item.size,
        mime=item.mime,
        status=Status(item.status) if item.status else None,
        error=item.error,
        sha256=sha256,
        created_at=item.created_at,
        updated_at=item.updated_at,
        title=item.doc_title,
        author=item.doc_author,
        doc_date=item.doc_date,
        period=item.doc_period,
        unreadable_pages=tuple(item.unreadable_pages or ()),
    )


def get_item(session: Session, owner: uuid.UUID, item_id: uuid.UUID, *, lock: bool = False) -> Item:
    """The owner's item; another owner's id is indistinguishable from a missing one."""
    stmt = select(Item).where(Item.id == item_id, Item.owner_id == owner)
    if lock:
        stmt = stmt.with_for_update()
    item = session.scalars(stmt).first()
    if item is None:
        raise NotFound(f"no such file or folder: {item_id}")
    return item


def path_of(session: Session, owner: uuid.UUID, item_id: uuid.UUID) -> str:
    path = session.execute(_PATH_OF, {"id": item_id, "owner": owner}).scalar()
    if path is None:
        raise NotFound(f"no such file or folder: {item_id}")
    return str(path)


def descendants(session: Session, owner: uuid.UUID, item_id: uuid.UUID) -> list[uuid.UUID]:
    """The item and everything below it."""
    return list(session.execute(_DESCENDANTS, {"id": item_id, "owner": owner}).scalars())


def resolve(session: Session, owner: uuid.UUID, ref: str) -> Item:
    """An item by id (``3f2a...``) or by path (``reports/q3.pdf``)."""
    try:
        return get_item(session, owner, uuid.UUID(ref.strip()))
    except ValueError:
        pass
    parent: uuid.UUID | None = None
    item: Item | None = None
    for part in split_path(ref):
        in_parent = Item.parent_id.is_(None) if parent is None else Item.parent_id == parent
        item = session.scalars(select(Item).where(Item.owner_id == owner, in_parent, Item.name == part)).first()
        if item is None:
            raise NotFound(f"no such file or folder: {ref}")
        parent = item.id
    assert item is not None
    return item


def list_items(
    session: Session, owner: uuid.UUID, folder: uuid.UUID | None = None, *, recursive: bool = False
) -> list[ItemInfo]:
    """Folders first, then files, by name; ``recursive`` lists the whole subtree with full paths."""
    paths: dict[Any, str] = dict(session.execute(_PATHS, {"owner": owner}).tuples().all())
    stmt = select(Item, Blob.sha256).outerjoin(Blob, Blob.id == Item.blob_id).where(Item.owner_id == owner)
    if recursive and folder is not None:
        stmt = stmt.where(Item.id.in_(descendants(session, owner, folder)), Item.id != folder)
    elif not recursive:
        stmt = stmt.where(Item.parent_id.is_(None) if folder is None else Item.parent_id == folder)
    rows = session.execute(stmt).all()
    infos = [to_info(item, paths.get(item.id, item.name), sha) for item, sha in rows]
    return sorted(infos, key=lambda i: (i.kind != ItemKind.FOLDER, i.path.lower()))


_ORDER = (Item.kind != ItemKind.FOLDER.value, func.lower(Item.name), Item.id)


def list_page(
    session: Session, owner: uuid.UUID, folder: uuid.UUID | None, limit: int, after: uuid.UUID | None = None
) -> list[ItemInfo]:
    """One page of a folder's children in ``list_items`` order, starting after the item ``after`` (keyset
    pagination on the ``items_listing`` index: a page of a 100k-item folder costs the same as the first)."""
    prefix = path_of(session, owner, folder) + "/" if folder is not None else ""
    page = select(Item.id).where(
        Item.owner_id == owner, Item.parent_id.is_(None) if folder is None else Item.parent_id == folder)
    if after is not None:
        # The cursor item's sort key as values, not a join: only then is the row comparison an index bound.
        mark = session.execute(select(*_ORDER).where(Item.id == after, Item.owner_id == owner)).first()
        if mark is None:
            return []
        page = page.where(tuple_(*_ORDER) > tuple_(*[literal(v) for v in mark]))
    # The page first (an index range scan), then its rows and blobs: joining first would sort them all.
    ids = list(session.execute(page.order_by(*_ORDER).limit(limit)).scalars())
    rows = session.execute(select(Item, Blob.sha256).outerjoin(Blob, Blob.id == Item.blob_id)
                           .where(Item.id.in_(ids)).order_by(*_ORDER)).all()
    return [to_info(item, prefix + item.name, sha) for item, sha in rows]


def delete(s: Session, item_id: uuid.UUID) -> None:
    """Delete an item; cascades remove its children, texts, chunks and queued jobs."""
    s.execute(text("DELETE FROM items WHERE id = :id"), {"id": item_id})


# ---------------------------------------------------------------- processing status (one file)


def start_processing(s: Session, owner: uuid.UUID, item_id: uuid.UUID) -> tuple[str, str]:
    """Mark the file processing; its name and blob key. NotFound when it is gone."""
    row = s.execute(
        text("""UPDATE items i SET status = :s, error = NULL, processing_started_at = now()
                FROM blobs b WHERE i.id = :id AND i.owner_id = :o AND i.kind = 'file' AND b.id = i.blob_id
                RETURNING i.name, b.key"""),
        {"id": item_id, "o": owner, "s": Status.PROCESSING.value},
    ).first()
    if row is None:
        raise NotFound(str(item_id))
    return row.name, row.key


def lock_for_save(s: Session, item_id: uuid.UUID) -> bool | None:
    """Lock the file's row for replacing what was derived from it: None when it is gone, else whether it
    was processed (or failed) before."""
    row = s.execute(
        text("SELECT processed_at IS NOT NULL AS before FROM items WHERE id = :id FOR UPDATE"), {"id": item_id}
    ).first()
    return None if row is None else bool(row.before)


def lock_item(s: Session, owner: uuid.UUID, item_id: uuid.UUID) -> bool:
    """Lock an item's row for the rest of the transaction; False when it is gone."""
    return s.scalar(select(Item.id).where(Item.id == item_id, Item.owner_id == owner).with_for_update()) is not None


def status_of(s: Session, owner: uuid.UUID, item_id: uuid.UUID) -> Status | None:
    value = s.scalar(select(Item.status).where(Item.id == item_id, Item.owner_id == owner))
    return Status(value) if value else None


def mark_ready(s: Session, item_id: uuid.UUID, note: str | None = None) -> None:
    """Ready; ``note`` (kept in ``error``) says what of the file was left out, if anything."""
    s.execute(text("UPDATE items SET status = :s, error = :n, processed_at = now() WHERE id = :id"),
              {"s": Status.READY.value, "n": note, "id": item_id})


def set_document_meta(s: Session, item_id: uuid.UUID, meta: DocMeta, unreadable_pages: tuple[int, ...]) -> None:
    """Store what extraction found about the document ('' fields become NULL)."""
    s.execute(text("UPDATE items SET doc_title = :t, doc_author = :a, doc_date = :d, doc_period = :p, "
                   "unreadable_pages = :u WHERE id = :id"),
              {"t": meta.title or None, "a": meta.author or None, "d": meta.date or None, "p": meta.period or None,
               "u": list(unreadable_pages) or None, "id": item_id})


def document_periods(s: Session, owner: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str, str]]:
    """(file name, covered period, document date) of the owner's files among ``ids``; '' when unknown."""
    rows = s.execute(text("SELECT id, name, doc_period, doc_date FROM items WHERE owner_id = :o AND id = ANY(:ids)"),
                     {"o": owner, "ids": ids}).all()
    return {r.id: (r.name, r.doc_period or "", r.doc_date or "") for r in rows}


def mark_pending(s: Session, owner: uuid.UUID, item_id: uuid.UUID) -> None:
    """Back to pending while a transient failure waits out its backoff."""
    s.execute(text("UPDATE items SET status = :p WHERE id = :id AND owner_id = :o AND status = :busy"),
              {"id": item_id, "o": owner, "p": Status.PENDING.value, "busy": Status.PROCESSING.value})


def mark_failed(s: Session, owner: uuid.UUID, item_id: uuid.UUID, reason: str) -> None:
    """A failed file keeps its blob (still downloadable) and says why."""
    s.execute(
        text("UPDATE items SET status = :s, error = :e, processed_at = now() WHERE id = :id AND owner_id = :o"),
        {"s": Status.FAILED.value, "e": reason[:2000], "id": item_id, "o": owner},
    )


# ---------------------------------------------------------------- small reads for the pages


def counts(s: Session, owner: uuid.UUID) -> DriveCounts:
    row = s.execute(
        text(
            """SELECT count(*) AS files,
                      count(*) FILTER (WHERE status = :ready) AS ready,
                      count(*) FILTER (WHERE status = :failed) AS failed,
                      count(*) FILTER (WHERE status IN (:pending, :processing)) AS busy
               FROM items WHERE owner_id = :o AND kind = 'file'"""
        ),
        {"o": owner, "ready": Status.READY.value, "failed": Status.FAILED.value,
         "pending": Status.PENDING.value, "processing": Status.PROCESSING.value},
    ).one()
    return DriveCounts(int(row.files), int(row.ready), int(row.failed), int(row.busy))


def recent_ready(s: Session, owner: uuid.UUID, limit: int = 3) -> list[str]:
    """Names of the newest ready files."""
    rows = s.execute(
        text("""SELECT name FROM items WHERE owner_id = :o AND kind = 'file' AND status = :ready
                ORDER BY created_at DESC, name LIMIT :n"""),
        {"o": owner, "n": limit, "ready": Status.READY.value},
    ).scalars()
    return [str(r) for r in rows]


def failed_ids(s: Session, owner: uuid.UUID) -> list[uuid.UUID]:
    return list(s.scalars(select(Item.id).where(Item.owner_id == owner, Item.status == Status.FAILED.value)))


def recent(s: Session, owner: uuid.UUID, since: datetime, per_status: int) -> RecentFiles:
    """Files still in the pipeline, plus those uploaded or finished since ``since``: the newest
    ``per_status`` of each status (newest first) and the totals, for the upload status list."""
    where = """owner_id = :o AND kind = 'file'
               AND (status IN ('pending', 'processing') OR created_at >= :since OR processed_at >= :since)"""
    params = {"o": owner, "since": since, "n": per_status}
    totals = {Status(st): int(n) for st, n in s.execute(
        text(f"SELECT status, count(*) FROM items WHERE {where} GROUP BY status"), params).tuples()}
    ids = list(s.execute(text(
        f"""SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY status ORDER BY created_at DESC, id) AS r
                            FROM items WHERE {where}) ranked WHERE r <= :n"""), params).scalars())
    rows = s.scalars(select(Item).where(Item.id.in_(ids)).order_by(Item.created_at.desc(), Item.id)).all()
    return RecentFiles([to_info(item, path_of(s, owner, item.id)) for item in rows], totals)
