"""Decide what kind of file this is, from its extension and its first bytes.

Policy, so a user gets a clear answer instead of a wrong extraction:

* The extension says what the user believes the file is; the content must agree.
  A ``.pdf`` whose bytes are a PNG, or a ``.docx`` that is not a Word zip, is a
  ``CorruptFile`` naming what the content really is (a renamed or broken export).
  Images are the one lenient family: a ``.jpg`` holding a PNG is read as a PNG.
* An unknown extension is read by content when the bytes carry a signature we
  support (``%PDF``, PNG, JPEG, TIFF, an Office zip); otherwise ``UnsupportedFile``.
  A file with no extension that decodes as text is read as plain text.
* Zip-based formats are checked for zip bombs (total unpacked size, per-member
  compression ratio) from the central directory, before any member is inflated.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath

from drive.errors import CorruptFile, UnsupportedFile

HEAD_BYTES = 8192
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
# Small members may compress extremely well (blank XML); only larger ones are judged by ratio.
RATIO_MIN_MEMBER_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 10_000


class Family(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    PPTX = "pptx"
    XLSX = "xlsx"
    CSV = "csv"
    HTML = "html"
    TEXT = "text"
    JSON = "json"
    IMAGE = "image"
    EMAIL = "email"
    EPUB = "epub"
    ODT = "odt"
    ODS = "ods"
    ODP = "odp"
    RTF = "rtf"


LABELS = {
    Family.PDF: "PDF",
    Family.DOCX: "Word document",
    Family.PPTX: "PowerPoint presentation",
    Family.XLSX: "Excel workbook",
    Family.CSV: "CSV file",
    Family.HTML: "HTML page",
    Family.TEXT: "text file",
    Family.JSON: "JSON file",
    Family.IMAGE: "image",
    Family.EMAIL: "e-mail message",
    Family.EPUB: "EPUB e-book",
    Family.ODT: "OpenDocument text",
    Family.ODS: "OpenDocument spreadsheet",
    Family.ODP: "OpenDocument presentation",
    Family.RTF: "RTF document",
}

# Families whose content has a binary signature that must match the extension.
BINARY_FAMILIES = frozenset({Family.PDF, Family.DOCX, Family.PPTX, Family.XLSX, Family.IMAGE,
                             Family.EPUB, Family.ODT, Family.ODS, Family.ODP})
ZIP_FAMILIES = frozenset({Family.DOCX, Family.PPTX, Family.XLSX, Family.EPUB, Family.ODT, Family.ODS, Family.ODP})


@dataclass(frozen=True)
class FileKind:
    """What a file is: its extractor family and the MIME type to record."""

    family: Family
    mime: str

    @property
    def label(self) -> str:
        return LABELS[self.family]


_OOXML = "application/vnd.openxmlformats-officedocument"
_CODE_EXTENSIONS = {
    ".py": "text/x-python",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".ts": "text/x-typescript",
    ".tsx": "text/x-typescript",
    ".jsx": "text/javascript",
    ".java": "text/x-java",
    ".kt": "text/x-kotlin",
    ".scala": "text/x-scala",
    ".c": "text/x-c",
    ".h": "text/x-c",
    ".cpp": "text/x-c++",
    ".cc": "text/x-c++",
    ".hpp": "text/x-c++",
    ".cs": "text/x-csharp",
    ".go": "text/x-go",
    ".rs": "text/x-rust",
    ".rb": "text/x-ruby",
    ".php": "text/x-php",
    ".swift": "text/x-swift",
    ".lua": "text/x-lua",
    ".pl": "text/x-perl",
    ".r": "text/x-r",
    ".sh": "text/x-shellscript",
    ".sql": "text/x-sql",
    ".css": "text/css",
    ".xml": "application/xml",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".toml": "application/toml",
    ".ini": "text/plain",
    ".cfg": "text/plain",
    ".tex": "text/x-tex",
}
EXTENSIONS: dict[str, FileKind] = {
    ".pdf": FileKind(Family.PDF, "application/pdf"),
    ".docx": FileKind(Family.DOCX, f"{_OOXML}.wordprocessingml.document"),
    ".pptx": FileKind(Family.PPTX, f"{_OOXML}.presentationml.presentation"),
    ".xlsx": FileKind(Family.XLSX, f"{_OOXML}.spreadsheetml.sheet"),
    ".csv": FileKind(Family.CSV, "text/csv"),
    ".tsv": FileKind(Family.CSV, "text/tab-separated-values"),
    ".html": FileKind(Family.HTML, "text/html"),
    ".htm": FileKind(Family.HTML, "text/html"),
    ".xhtml": FileKind(Family.HTML, "application/xhtml+xml"),
    ".json": FileKind(Family.JSON, "application/json"),
    ".txt": FileKind(Family.TEXT, "text/plain"),
    ".text": FileKind(Family.TEXT, "text/plain"),
    ".log": FileKind(Family.TEXT, "text/plain"),
    ".md": FileKind(Family.TEXT, "text/markdown"),
    ".markdown": FileKind(Family.TEXT, "text/markdown"),
    ".rst": FileKind(Family.TEXT, "text/x-rst"),
    ".png": FileKind(Family.IMAGE, "image/png"),
    ".jpg": FileKind(Family.IMAGE, "image/jpeg"),
    ".jpeg": FileKind(Family.IMAGE, "image/jpeg"),
    ".tif": FileKind(Family.IMAGE, "image/tiff"),
    ".tiff": FileKind(Family.IMAGE, "image/tiff"),
    ".eml": FileKind(Family.EMAIL, "message/rfc822"),
    ".epub": FileKind(Family.EPUB, "application/epub+zip"),
    ".odt": FileKind(Family.ODT, "application/vnd.oasis.opendocument.text"),
    ".ods": FileKind(Family.ODS, "application/vnd.oasis.opendocument.spreadsheet"),
    ".odp": FileKind(Family.ODP, "application/vnd.oasis.opendocument.presentation"),
    ".rtf": FileKind(Family.RTF, "application/rtf"),
    **{ext: FileKind(Family.TEXT, mime) for ext, mime in _CODE_EXTENSIONS.items()},
}

# Signatures we recognise only to name them in an error message.
_FOREIGN_SIGNATURES = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old binary Office file (.doc/.xls/.ppt; save it as .docx/.xlsx/.pptx)"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ", "a Windows program"),
]
_OOXML_MARKERS = [
    ("word/document.xml", Family.DOCX),
    ("ppt/presentation.xml", Family.PPTX),
    ("xl/workbook.xml", Family.XLSX),
]


def sniff(path: Path, filename: str) -> FileKind:
    """Return the kind of ``path`` (named ``filename`` by the user), or raise a readable error."""
    ext = PurePath(filename).suffix.lower()
    if path.stat().st_size == 0:
        raise CorruptFile(f"{filename} is empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    content = detect_content(path, head, filename)
    declared = EXTENSIONS.get(ext)
    if declared is None:
        return _by_content(filename, ext, content, head)
    if declared.family in BINARY_FAMILIES:
        return _check_binary(filename, declared, content, head)
    if content is not None:
        raise CorruptFile(f"{filename} is not a {declared.label}: the content is {describe(content)}")
    if not looks_like_text(head):
        raise CorruptFile(f"{filename} is not a {declared.label}: {_foreign(head)}")
    return declared


def detect_content(path: Path, head: bytes, filename: str = "the file") -> FileKind | None:
    """The supported binary kind the bytes announce, or None (text or unknown).

    A zip is checked for zip bombs here, before anything inflates a member.
    """
    pdf_at = head.find(b"%PDF-", 0, 1024)
    # Readers accept junk before the header; a text that merely mentions "%PDF-" is not a PDF.
    if pdf_at == 0 or (pdf_at > 0 and (not head[:pdf_at].strip() or b"\x00" in head[:pdf_at])):
        return EXTENSIONS[".pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return EXTENSIONS[".png"]
    if head.startswith(b"\xff\xd8\xff"):
        return EXTENSIONS[".jpg"]
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return EXTENSIONS[".tif"]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _office_kind(path, filename)
    return None


def describe(kind: FileKind | None) -> str:
    """'a PNG image', 'a PDF', ... for error messages."""
    if kind is None:
        return "unrecognised data"
    if kind.family is Family.IMAGE:
        return f"a {kind.mime.split('/')[1].upper()} image"
    return f"a {kind.label}" if kind.family is not Family.XLSX else "an Excel workbook"


def looks_like_text(head: bytes) -> bool:
    """True for bytes that decode as text: no NUL bytes, a UTF-16/32 byte-order mark, or UTF-16 without one."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or bomless_utf16(head):
        return True
    return b"\x00" not in head


def bomless_utf16(head: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for UTF-16 text written without a byte-order mark (some Windows tools do):
    NUL in (nearly) every other byte and never in between; None otherwise."""
    pairs = head[: len(head) // 2 * 2]
    if len(pairs) < 8:
        return None
    even, odd = pairs[0::2], pairs[1::2]
    for name, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high.count(0) >= 0.9 * len(high) and low.count(0) == 0:
            return name
    return None


def check_zip(path: Path, filename: str = "the file") -> list[str]:
    """Member names of a zip, after refusing zip bombs. Reads only the central directory."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptFile(f"{filename} is not a valid zip-based document: {exc}") from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise CorruptFile(f"{filename} looks like a zip bomb: {len(infos)} members (limit {MAX_ZIP_MEMBERS})")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        # Big media (videos in a deck) compress ~1:1: that is a large file, not a bomb.
        packed = sum(i.compress_size for i in infos)
        what = "looks like a zip bomb" if total > MAX_ZIP_RATIO * max(packed, 1) else "is too large to read"
        raise CorruptFile(
            f"{filename} {what}: it would unpack to {total // 2**20} MB (limit {MAX_UNZIPPED_BYTES // 2**20} MB)"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_MEMBER_BYTES and ratio > MAX_ZIP_RATIO:
            raise CorruptFile(
                f"{filename} looks like a zip bomb: member {info.filename} is compressed "
                f"{ratio:.0f}:1 (limit {MAX_ZIP_RATIO}:1)"
            )
    return [i.filename for i in infos]


def _office_kind(path: Path, filename: str) -> FileKind | None:
    names = set(check_zip(path, filename))
    for marker, family in _OOXML_MARKERS:
        if marker in names:
            return next(k for k in EXTENSIONS.values() if k.family is family)
    if "mimetype" in names:  # OpenDocument and EPUB name their type in a small first member
        with zipfile.ZipFile(path) as zf:
            declared = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
        return next((k for k in EXTENSIONS.values() if k.mime == declared and k.family in ZIP_FAMILIES), None)
    return None


def _check_binary(filename: str, declared: FileKind, content: FileKind | None, head: bytes) -> FileKind:
    if content is not None and content.family is declared.family:
        return content  # for images: the real format wins over the extension
    if content is not None:
        raise CorruptFile(f"{filename} is not a valid {declared.label}: the content is {describe(content)}")
    raise CorruptFile(f"{filename} is not a valid {declared.label}: {_what_instead(declared, head)}")


def _what_instead(declared: FileKind, head: bytes) -> str:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "it is a zip archive without the parts of this format"
    found = _foreign(head)
    if declared.family is Family.PDF:
        return f"no %PDF header ({found})"
    if declared.family in ZIP_FAMILIES:
        return f"it is not a zip archive ({found})"
    return f"no image signature ({found})"


def _foreign(head: bytes) -> str:
    name = _signature_name(head)
    if name:
        return f"the content is {name}"
    return "the content is text" if looks_like_text(head) else "the content is unrecognised binary data"


def _signature_name(head: bytes) -> str | None:
    for signature, name in _FOREIGN_SIGNATURES:
        # Two-byte signatures ("BM", "MZ") are also how some text starts.
        if head.startswith(signature) and (len(signature) > 2 or not looks_like_text(head)):
            return name
    return None


def _by_content(filename: str, ext: str, content: FileKind | None, head: bytes) -> FileKind:
    if content is not None:
        return content
    if ext:
        name = _signature_name(head)
        raise UnsupportedFile(
            f"not searchable: {ext} files are not a supported type ({filename})"
            + (f"; the content is {name}" if name else "")
        )
    if looks_like_text(head):
        return EXTENSIONS[".txt"]
    raise UnsupportedFile(f"not searchable: {filename} has no extension and {_foreign(head)}")
