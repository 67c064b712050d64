"""HTTP ``Range: bytes=...`` (RFC 9110): one range only; several are answered with the whole file."""

from __future__ import annotations

from typing import Literal


def parse_range(header: str | None, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """(first, last) byte inclusive; None to send everything; "unsatisfiable" for a 416."""
    if not header or not header.strip().lower().startswith("bytes="):
        return None
    spec = header.split("=", 1)[1].strip()
    if "," in spec or "-" not in spec:
        return None
    first_s, last_s = (p.strip() for p in spec.split("-", 1))
    try:
        if not first_s:  # "-500": the last 500 bytes
            n = int(last_s)
            if n <= 0 or size == 0:
                return "unsatisfiable"
            return max(0, size - n), size - 1
        first = int(first_s)
        last = int(last_s) if last_s else size - 1
    except ValueError:
        return None
    if first >= size:
        return "unsatisfiable"
    if first < 0 or last < first:
        return None
    return first, min(last, size - 1)
