"""File and folder names: what the drive accepts, with a clear reason for what it refuses."""

from __future__ import annotations

import re
import unicodedata

from drive.errors import InvalidName

MAX_NAME_BYTES = 255


def clean_name(raw: str) -> str:
    """Return the normalized name, or raise InvalidName saying what is wrong with it."""
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise InvalidName("a name cannot be empty")
    if "\x00" in name:
        raise InvalidName("a name cannot contain a NUL character")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidName("a name cannot contain control characters")
    if "/" in name or "\\" in name:
        raise InvalidName(f"a name cannot contain '/' or '\\': {name!r}")
    if name in (".", ".."):
        raise InvalidName(f"{name!r} is not a valid name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise InvalidName(f"a name can be at most {MAX_NAME_BYTES} bytes long (this one is {len(name.encode())})")
    return name


def split_path(path: str) -> list[str]:
    """``reports/q3.pdf`` -> ["reports", "q3.pdf"]; each part must itself be a valid name."""
    parts = [p for p in path.strip().strip("/").split("/") if p]
    if not parts:
        raise InvalidName("an empty path")
    return [clean_name(p) for p in parts]


_PARENTHETICAL = re.compile(r"\s*\([^)]*\)\s*$")
_NON_ALNUM = re.compile(r"[\W_]+")


def title_of(filename: str) -> str:
    """A file's name as words: ``q3-report_final.pdf`` -> ``q3 report final``."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.strip(".") else filename
    return " ".join(re.split(r"[\s_\-.]+", stem)).strip()


def title_key(text: str) -> str:
    """Fold a title or a name for matching one to the other: case, accents, punctuation, a trailing
    "(qualifier)" and a leading "the" do not count. "The Curse of the Jade Scorpion (film)" and
    "Curse of the Jade Scorpion" both give "curse of the jade scorpion"."""
    folded = unicodedata.normalize("NFKD", _PARENTHETICAL.sub("", text))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    words = _NON_ALNUM.sub(" ", folded).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)
