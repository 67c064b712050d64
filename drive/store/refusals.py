"""Files refused at upload, per owner: recorded by the app, listed (newest first) in its upload status list,
pruned after a day (the list shows the last hour)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from drive.records import RefusedFile
from drive.store.tables import RefusedUpload

KEEP = timedelta(days=1)


def add(s: Session, owner: uuid.UUID, name: str, reason: str) -> None:
    s.execute(delete(RefusedUpload).where(RefusedUpload.owner_id == owner,
                                          RefusedUpload.created_at < func.now() - KEEP))
    s.add(RefusedUpload(owner_id=owner, name=name, reason=reason))


def recent(s: Session, owner: uuid.UUID, since: datetime, limit: int) -> list[RefusedFile]:
    rows = s.scalars(select(RefusedUpload).where(RefusedUpload.owner_id == owner, RefusedUpload.created_at >= since)
                     .order_by(RefusedUpload.created_at.desc(), RefusedUpload.id.desc()).limit(limit))
    return [RefusedFile(r.name, r.reason, r.created_at) for r in rows]
