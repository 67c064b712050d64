"""CLI commands that read the knowledge: ``ask`` and ``graph``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from drive.core import Drive
from drive.service import DriveService


def cmd_ask(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    from drive.ml.models import Models
    from rag.ask import ask
    from rag.types import Filters

    models = Models(drive.settings)
    filters = Filters(
        folder=svc.resolve(args.folder).id if args.folder else None,
        extensions=tuple(args.type or ()),
        since=datetime.fromisoformat(args.since) if args.since else None,
    )
    stream = None if args.json else (lambda piece: print(piece, end="", flush=True))
    answer = ask(drive, models, svc.owner, args.question, mode=args.mode, on_token=stream, filters=filters)
    if args.json:
        print(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
        return 0
    if models.chat is None:
        print(answer.text)
    else:
        print()
    for c in answer.citations:
        page = f", page {c.page}" if c.page else ""
        period = f" ({c.period})" if c.period else ""
        print(f"  [{c.n}] {c.file}{page}{period}", file=sys.stdout)
    print(f"({answer.mode}, {answer.timings_ms.get('total', 0):.0f} ms)", file=sys.stderr)
    return 0


def cmd_graph(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    from drive.store.graph_view import snapshot

    snap = snapshot(drive.db, svc.owner)
    if args.json:
        print(json.dumps(snap.to_json(), indent=2, ensure_ascii=False))
        return 0
    print(f"{len(snap.entities)} entities, {len(snap.relationships)} relationships, "
          f"{len(snap.communities)} communities")
    for e in sorted(snap.entities, key=lambda e: -e.mentions)[:20]:
        print(f"  {e.name} ({e.type}, {e.mentions} mentions in {len(e.files)} file(s))")
    for c in snap.communities:
        if c.level == 0:
            print(f"  community: {c.title} ({len(c.entities)} entities)")
    return 0


def add_rag_commands(sub: Any) -> None:
    from rag.ask import MODES

    a = sub.add_parser("ask", help="ask the drive a question; answers cite file, page and passage")
    a.add_argument("question")
    a.add_argument("--mode", choices=MODES, default="auto")
    a.add_argument("--folder", help="only files below this folder")
    a.add_argument("--type", action="append", help="only files with this extension (repeatable): pdf, docx...")
    a.add_argument("--since", help="only files changed since this date (YYYY-MM-DD)")
    a.set_defaults(func=cmd_ask)

    g = sub.add_parser("graph", help="the entity graph: entities, relationships, communities")
    g.set_defaults(func=cmd_graph)
