"""Pure formatting helpers for the pages: sizes, status badges, citation labels, relative times."""

from __future__ import annotations

from datetime import UTC, datetime

from drive.records import ItemInfo, ItemKind, Status

_BADGE = {
    Status.PENDING: ":gray-badge[:material/schedule: pending]",
    Status.PROCESSING: ":blue-badge[:material/autorenew: processing]",
    Status.READY: ":green-badge[:material/check: ready]",
    Status.FAILED: ":red-badge[:material/error: failed]",
}
DONE = (Status.READY, Status.FAILED)


def human_size(n: int) -> str:
    """``1536`` -> ``1.5 KB`` (powers of 1024, one decimal above bytes)."""
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f}".removesuffix(".0") + f" {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def status_badge(status: Status | None) -> str:
    """A Markdown badge for a file's processing status ('' for folders)."""
    return _BADGE.get(status, "") if status is not None else ""


def item_icon(info: ItemInfo) -> str:
    return ":material/folder:" if info.kind == ItemKind.FOLDER else ":material/description:"


def page_label(file: str, page: int | None) -> str:
    """``report.pdf, page 3`` or just the file name for formats without pages."""
    return f"{file}, page {page}" if page is not None else file


def ago(when: datetime, now: datetime | None = None) -> str:
    """A short relative time: ``just now``, ``5 min ago``, ``3 h ago``, ``2 d ago``, else the date."""
    now = now or datetime.now(UTC)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)} d ago"
    return when.strftime("%Y-%m-%d")


def mode_caption(mode: str, timings_ms: dict[str, float], extractive: bool) -> str:
    """The discreet line under an answer: how it was found and how long it took."""
    parts = [f"mode: {mode.replace('+', ' + ')}"]
    if extractive:
        parts.append("extractive (no LLM)")
    if "total" in timings_ms:
        parts.append(f"{timings_ms['total'] / 1000:.1f} s")
    return " · ".join(parts)
