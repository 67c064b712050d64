"""Bulk upload from the local disk (the CLI's ``add``): folders recursively, a progress bar, a summary."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from drive.errors import DriveError
from drive.records import ItemInfo
from drive.service import DriveService


@dataclass
class AddReport:
    added: list[ItemInfo] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


def plan(paths: list[Path]) -> list[tuple[Path, str]]:
    """Every file to upload with its folder inside the drive (relative, '' for the target itself)."""
    todo: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = f.parent.relative_to(path.parent).as_posix()
                todo.append((f, rel))
        else:
            todo.append((path, ""))
    return todo


def add_paths(
    svc: DriveService, paths: list[Path], folder: uuid.UUID | None = None, *, progress: bool = True
) -> AddReport:
    from tqdm import tqdm

    report = AddReport()
    for path in paths:
        if not path.exists():
            report.errors.append((str(path), "no such file or directory"))
    todo = plan([p for p in paths if p.exists()])
    folders: dict[str, uuid.UUID | None] = {"": folder}
    bar = tqdm(todo, unit="file", disable=not progress, desc="uploading")
    for file, rel in bar:
        try:
            if rel not in folders:
                folders[rel] = _subfolder(svc, folder, rel)
            with file.open("rb") as stream:
                report.added.append(svc.upload(stream, file.name, folders[rel]))
        except (DriveError, OSError) as exc:
            report.errors.append((str(file), str(exc)))
    bar.close()
    return report


def _subfolder(svc: DriveService, base: uuid.UUID | None, rel: str) -> uuid.UUID | None:
    parent = base
    for part in rel.split("/"):
        existing = next((i for i in svc.list(parent) if i.name == part), None)
        parent = existing.id if existing else svc.mkdir(part, parent).id
    return parent
