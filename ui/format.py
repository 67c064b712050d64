"""Pure formatting helpers for the pages: sizes, status badges, citation labels, relative times, and
``safe_markdown`` for any text that came from a document or a model."""

from __future__ import annotations

import html
import re
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


# An inline image or link (``![alt](url "title")``, ``[text](<url>)``), an angle-bracket autolink, or a bare
# URL that GFM would turn into a link on its own.
_LINKISH = re.compile(
    r"(?P<bang>!?)\[(?P<label>[^\]\n]{0,500})\]\(\s*<?(?P<target>[^)\s>]*)>?(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
    r"|<(?P<auto>(?:https?|ftp|mailto|data|javascript):[^>\s]*)>"
    r"|(?P<bare>\b(?:(?:https?|ftp)://|www\.)[^\s<>`]+)",
    re.IGNORECASE,
)
# Characters that would start Markdown links, images, reference definitions, HTML, maths or Streamlit
# directives (``:red[...]``) in what is left; citation markers (``[1]``, ``[2, 3]``) stay as they are:
# alone they are text, since every reference definition (``[1]: url``) is escaped.
_ACTIVE = re.compile(r"(?P<cite>\[\d{1,3}(?:\s*,\s*\d{1,3})*\](?![(\[:]))|(?P<char>[\\\[\]<>$])")


def safe_markdown(text: str) -> str:
    """Document or model text, ready for ``st.markdown`` with its links and images neutralised.

    Nothing in it is fetched or clickable: an image becomes ``[image: alt]`` followed by its address,
    a link its text followed by its address, and every address is shown in a code span (never
    autolinked). Other Markdown (emphasis, lists, code, tables) still renders; ``$`` is not maths.
    """
    out: list[str] = []
    last = 0
    for m in _LINKISH.finditer(text):
        out.append(_escape_active(text[last:m.start()]))
        out.append(_neutralise(m))
        last = m.end()
    out.append(_escape_active(text[last:]))
    return "".join(out)


def _neutralise(m: re.Match[str]) -> str:
    if m.group("auto") is not None:
        return _code(m.group("auto"))
    if m.group("bare") is not None:
        return _code(m.group("bare"))
    label, target = _escape_active(m.group("label")), m.group("target")
    if m.group("bang"):
        return f"\\[image: {label}\\] ({_code(target)}, not loaded)" if target else f"\\[image: {label}\\]"
    return f"{label} ({_code(target)})" if target else label


def _code(address: str) -> str:
    """An address as inline code: shown as typed, never a link (backticks inside cannot close it)."""
    return "`" + address.replace("`", "%60") + "`"


def _escape_active(text: str) -> str:
    return _ACTIVE.sub(lambda m: m.group("cite") or "\\" + m.group("char"), text)


def literal(text: str) -> str:
    """Text shown exactly as typed where Streamlit reads Markdown (labels, captions, file names): every mark
    that means something mid-line is escaped, and a list or heading marker at the start, so ``**bold**``
    keeps its asterisks, ``<b>`` its brackets, ``&amp;`` its ampersand and ``:red[x]`` its colons."""
    out = "".join("\\" + ch if ch in _MARKS else ch for ch in text)
    return _LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), out)


_MARKS = frozenset("\\`*_[]<>#|~$:&")
_LEADING = re.compile(r"^(\s*\d*)([-+=.)])", re.MULTILINE)  # "- x", "+ x", "1. x", "1) x", "=== "


_MARKER = re.compile(r"(?<!\\)\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?![(\[:])")


def link_markers(markdown: str, href: str, known: set[int]) -> str:
    """The ``[n]`` markers of ``safe_markdown`` output as plain same-tab links ``<a href="{href}n"
    target="_self">`` (a Markdown link would open a new tab): following one loads the page with the citation
    in its URL, which opens the viewer there, no script needed. Only markers of ``known`` citations are linked;
    everything else is left exactly as it was. Safe to render with HTML allowed only because ``safe_markdown``
    escapes every ``<`` of the text: these links are the only HTML in it."""
    target = html.escape(href, quote=True)

    def link(m: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", m.group(1))]
        if not any(n in known for n in numbers):
            return m.group(0)
        parts = [f'<a href="{target}{n}" target="_self">{n}</a>' if n in known else str(n) for n in numbers]
        return "\\[" + ", ".join(parts) + "\\]"

    # Code spans (addresses, quoted code) are left alone: a link there would show as its raw HTML.
    pieces = re.split(r"(`[^`\n]*`)", markdown)
    return "".join(p if p.startswith("`") else _MARKER.sub(link, p) for p in pieces)
