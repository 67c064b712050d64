"""E-mail (``.eml``, RFC 822/MIME) with the standard library's ``email`` package.

The first Section is the message: a ``# Subject`` line, From/To/Cc/Date lines, then the body (the
plain-text part, else the HTML part as text). Each attachment follows as its own Section headed
``## Attachment: <name>``, read by the extractor for its type (handed in as ``read_attachment``, so
a PDF or a spreadsheet inside a mail is searchable like any file); one that cannot be read is named
with the reason. The subject, sender and date fill the document's metadata.
"""

from __future__ import annotations

import email
import tempfile
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from drive.errors import DriveError
from drive.pipeline.ingest.formats import clean_text, corrupt_as
from drive.pipeline.ingest.formats.html import html_text
from drive.records import DocMeta, Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

MAX_ATTACHMENTS = 50
AttachmentReader = Callable[[Path, str], Extracted]


def read(path: Path, mime: str, *, ocr: Ocr | None = None, read_attachment: AttachmentReader | None = None) -> Extracted:
    """The message and its attachments' text, in that order."""
    with corrupt_as("e-mail message"), path.open("rb") as fh:
        message = email.message_from_binary_file(fh, policy=policy.default)
    assert isinstance(message, EmailMessage)
    with corrupt_as("e-mail message"):
        head, meta = _headers(message)
        body = _body(message)
    sections = [Section(text=clean_text(f"{head}\n\n{body}"))]
    for number, part in enumerate(message.iter_attachments()):
        if number >= MAX_ATTACHMENTS:
            break
        sections.append(_attachment(part, number, read_attachment))
    return Extracted(sections=[s for s in sections if s.text], mime=mime, meta=meta)


def _headers(message: EmailMessage) -> tuple[str, DocMeta]:
    subject = " ".join(str(message.get("Subject", "")).split())
    lines = [f"# {subject}"] if subject else []
    for name in ("From", "To", "Cc", "Date"):
        value = message.get(name)
        if value:
            lines.append(f"{name}: {' '.join(str(value).split())}")
    created = ""
    try:
        sent = parsedate_to_datetime(str(message.get("Date", "")))
        created = sent.strftime("D:%Y%m%d") if sent else ""
    except (TypeError, ValueError):
        pass
    return "\n".join(lines), DocMeta(title=subject, author=str(message.get("From", "")), created=created)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        return html_text(content)[1]
    return str(content)


def _attachment(part: EmailMessage, number: int, read_attachment: AttachmentReader | None) -> Section:
    name = PurePath(part.get_filename() or f"attachment-{number + 1}").name
    heading = f"## Attachment: {name}"
    if read_attachment is None:
        return Section(text=heading, heading=name)
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes) or not data:
        return Section(text=heading, heading=name)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / name
        target.write_bytes(data)
        try:
            inner = read_attachment(target, name)
        except DriveError as exc:
            return Section(text=f"{heading}\n\n(not searchable: {exc})", heading=name)
    return Section(text=clean_text(f"{heading}\n\n{inner.text}"), heading=name)
