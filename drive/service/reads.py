"""The small reads the pages show beside the file list, one owner's: counts by status, the newest files, the
upload status list (from the database, so it survives a reload), refused uploads, a file's extracted text, the
most mentioned entities and the files still joining the graph. A base class of ``DriveService``."""

from __future__ import annotations

import uuid
from datetime import datetime

from drive.records import DriveCounts, RecentFiles, RefusedFile
from drive.store import chunks, graph, items, refusals
from drive.store import queue as jobs
from drive.store.db import Database


class PageReads:
    db: Database
    owner: uuid.UUID

    def counts(self) -> DriveCounts:
        """How many files, by processing status."""
        with self.db.session() as s:
            return items.counts(s, self.owner)

    def recent_files(self, limit: int = 3) -> list[str]:
        """Names of the newest ready files."""
        with self.db.session() as s:
            return items.recent_ready(s, self.owner, limit)

    def recent_activity(self, since: datetime, per_status: int = 50) -> RecentFiles:
        """Files in the pipeline or uploaded/finished since ``since``: what the upload status list shows,
        from the database so it survives a reload."""
        with self.db.session() as s:
            return items.recent(s, self.owner, since, per_status)

    def note_refused(self, name: str, reason: str) -> None:
        """Remember a file refused at upload, so the status list still shows it (and why) after a reload."""
        with self.db.session() as s:
            refusals.add(s, self.owner, name[:1000], reason[:2000])

    def recent_refusals(self, since: datetime, limit: int = 50) -> list[RefusedFile]:
        with self.db.session() as s:
            return refusals.recent(s, self.owner, since, limit)

    def text_of(self, item_id: uuid.UUID) -> str | None:
        """The extracted text of a processed file, or None when there is none (yet)."""
        with self.db.session() as s:
            return chunks.item_text(s, self.owner, item_id)

    def top_entities(self, limit: int = 3) -> list[str]:
        """The most mentioned entity names."""
        with self.db.session() as s:
            return graph.top_entity_names(s, self.owner, limit)

    def joining_graph(self) -> int:
        """Files that are searchable but not yet in the graph (their graph job is queued or running)."""
        return jobs.pending_count(self.db.engine, self.owner, kind=jobs.GRAPH)
