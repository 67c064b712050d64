"""Read-side queries over an owner's tree of items: paths, listing, resolving ``id`` or ``a/b/c``."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from drive.errors import NotFound
from drive.models import Blob, Item
from drive.names import split_path
from drive.records import ItemInfo, ItemKind, Status

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
