"""A folder listed a page at a time: same order as the full listing, nothing skipped or repeated."""

from __future__ import annotations

import io

from drive.core import Drive
from drive.service import DriveService


def test_pages_walk_the_folder_in_listing_order(drive: Drive, svc: DriveService) -> None:
    folder = svc.makedirs("big")
    assert folder is not None
    for name in ("Zeta", "alpha", "Mid"):
        svc.mkdir(name, folder)
    for n in range(45):
        svc.upload(io.BytesIO(f"file {n}".encode()), f"{'Bb' if n % 2 else 'aa'}-{n:03}.txt", folder)
    whole = [i.path for i in svc.list(folder)]
    seen, after = [], None
    while page := svc.list_page(folder, limit=10, after=after):
        seen += [i.path for i in page]
        after = page[-1].id
    assert seen == whole and len(seen) == 48
    assert [p.split("/")[-1] for p in seen[:3]] == ["alpha", "Mid", "Zeta"], "folders first, case-insensitive"
    other = drive.service(drive.user_id("someone-else"))
    first = svc.list_page(folder, limit=1)[0].id
    assert other.list_page(None, limit=10, after=first) == [], "a foreign cursor finds nothing"
