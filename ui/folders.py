"""Folder navigation for the Files page: the current folder lives in the URL (``?folder=<id>``)."""

from __future__ import annotations

import uuid

import streamlit as st

from drive.errors import DriveError
from drive.records import ItemInfo, ItemKind
from drive.service import DriveService

PARAM = "folder"


def current_folder(svc: DriveService) -> ItemInfo | None:
    """The folder being viewed, or None for the root (also when the URL names no folder of this user)."""
    raw = st.query_params.get(PARAM)
    if not raw:
        return None
    try:
        info = svc.get(uuid.UUID(raw))
    except (ValueError, DriveError):
        return None
    return info if info.kind == ItemKind.FOLDER else None


def open_folder(folder: uuid.UUID | None) -> None:
    if folder is None:
        st.query_params.pop(PARAM, None)
    else:
        st.query_params[PARAM] = str(folder)


def breadcrumbs(svc: DriveService, folder: ItemInfo | None) -> list[ItemInfo]:
    """The folders from the top down to ``folder`` (empty at the root)."""
    trail: list[ItemInfo] = []
    node = folder
    while node is not None:
        trail.insert(0, node)
        node = svc.get(node.parent_id) if node.parent_id else None
    return trail


def move_targets(svc: DriveService, item: ItemInfo) -> list[ItemInfo | None]:
    """Where an item may be moved: the root (None) and every folder not inside it, except its current one."""
    inside = f"{item.path}/"
    folders = [
        f for f in svc.list(recursive=True)
        if f.kind == ItemKind.FOLDER and f.id != item.id and not f.path.startswith(inside)
    ]
    targets: list[ItemInfo | None] = [None, *sorted(folders, key=lambda f: f.path.lower())]
    return [t for t in targets if (t.id if t else None) != item.parent_id]

