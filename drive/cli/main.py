"""Command line: ``python -m drive`` (or ``thedrive``). Errors go to stderr with a non-zero exit."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from drive.core import Drive, open_drive
from drive.errors import DriveError
from drive.records import ItemInfo, ItemKind, Status
from drive.service import DriveService
from drive.settings import Settings

Command = Callable[[argparse.Namespace, Drive, DriveService], int]


def item_json(info: ItemInfo) -> dict[str, Any]:
    return info.to_json()


def emit(args: argparse.Namespace, data: Any, human: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else human)


def _folder_id(svc: DriveService, folder: str | None) -> Any:
    return svc.makedirs(folder) if folder else None


def cmd_add(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    from drive.cli.upload import add_paths

    pool = _workers(drive) if args.wait else None  # files are ingested while the rest still upload
    try:
        report = add_paths(svc, [Path(p) for p in args.paths], _folder_id(svc, args.folder), progress=not args.json)
    except BaseException:
        if pool:
            pool.shutdown(grace=0.0)
        raise
    failures = list(report.errors)
    unfinished: list[str] = []
    if pool and not report.added:
        pool.shutdown(grace=0.0)
    elif pool:
        from drive.jobs.drain import wait_for

        waited = wait_for(drive, svc, [i.id for i in report.added], pool=pool, timeout=args.timeout,
                          on_progress=None if args.json else _ProgressLine())
        failures += [(i.path, i.error or "failed") for i in waited.done if i.status == Status.FAILED]
        unfinished = [i.path for i in waited.unfinished]
        if not waited.communities_done and not unfinished:
            unfinished.append("(communities of the graph)")
    data = {"added": [item_json(svc.get(i.id)) for i in report.added], "errors": [
        {"path": p, "error": e} for p, e in failures], "unfinished": unfinished}
    human = f"added {len(report.added)} file(s), {len(failures)} failed" + "".join(
        f"\n  failed: {p}: {e}" for p, e in failures)
    if unfinished:
        human += f"\ntimed out after {args.timeout:g}s; unfinished (still queued, a worker will finish them):" + "".join(
            f"\n  {p}" for p in unfinished)
    emit(args, data, human)
    return 3 if unfinished else 1 if failures else 0


def _workers(drive: Drive) -> Any:
    from drive.jobs.drain import start_workers
    from drive.pipeline.handlers import handlers

    return start_workers(drive, handlers())


class _ProgressLine:
    """``add --wait`` progress on stderr: rewritten in place on a terminal, a line per change otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = 0.0

    def __call__(self, p: Any) -> None:
        stage = "communities" if p.communities_pending and p.graphed == p.total else "done" if not \
            p.communities_pending else "working"
        line = f"searchable {p.ingested}/{p.total} · in graph {p.graphed}/{p.total} · {stage}"
        if self.tty:
            print("\r" + line, end="" if stage != "done" else "\n", file=sys.stderr, flush=True)
        elif time.monotonic() - self.shown >= 2.0 or stage == "done":
            print(line, file=sys.stderr, flush=True)
            self.shown = time.monotonic()


def cmd_ls(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    folder = svc.resolve(args.folder).id if args.folder else None
    if args.limit:  # one page of this folder (not its subfolders); --cursor: the last id of the page before
        items = svc.list_page(folder, limit=args.limit, after=uuid.UUID(args.cursor) if args.cursor else None)
    else:
        items = svc.list(folder, recursive=True)
    lines = []
    for i in items:
        state = "" if i.kind == ItemKind.FOLDER else f"{i.size:>12,}  {i.status.value if i.status else '':<10}"
        name = i.path + ("/" if i.kind == ItemKind.FOLDER else "")
        lines.append(f"{state:>24}  {name}" + (f"  ({i.error})" if i.error else ""))
    emit(args, [item_json(i) for i in items], "\n".join(lines) or "(empty)")
    return 0


def cmd_mkdir(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    folder = svc.makedirs(args.path)
    assert folder is not None
    info = svc.get(folder)
    emit(args, item_json(info), f"{info.path}/")
    return 0


def cmd_mv(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    item = svc.resolve(args.item)
    info = svc.move_to(item.id, args.dest)
    emit(args, item_json(info), f"{item.path} -> {info.path}")
    return 0


def cmd_rm(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    removed = 0
    for ref in args.items:
        removed += svc.delete(svc.resolve(ref).id)
    emit(args, {"removed": removed}, f"removed {removed} item(s)")
    return 0


def cmd_get(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    info, pieces = svc.open(svc.resolve(args.item).id)
    if args.output == "-":
        for piece in pieces:
            sys.stdout.buffer.write(piece)
        return 0
    out = Path(args.output or info.name)
    with out.open("wb") as f:
        for piece in pieces:
            f.write(piece)
    print(f"{info.path} -> {out} ({info.size:,} bytes)", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    from drive.health import check

    report = check(drive, svc)
    emit(args, report, "\n".join(f"{k:<10} {v['using']}: {v['state']}" for k, v in report.items()))
    return 0 if all(v["ok"] for v in report.values()) else 1


def cmd_reprocess(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    if args.failed:
        count = svc.reprocess_failed()
    else:
        for ref in args.items:
            svc.reprocess(svc.resolve(ref).id)
        count = len(args.items)
    emit(args, {"queued": count}, f"queued {count} file(s) for processing")
    return 0


def cmd_worker(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    from drive.jobs.worker import run_forever
    from drive.pipeline.handlers import handlers

    run_forever(drive, handlers(), concurrency=args.concurrency or max(1, drive.settings.workers_in_app),
                grace=args.grace)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="thedrive", description="TheDrive: a drive that understands its files.")
    p.add_argument("--user", help="act as this user (default: THEDRIVE_USER or 'local')")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("add", help="upload files or folders (recursively)")
    a.add_argument("paths", nargs="+")
    a.add_argument("--folder", help="drive folder to put them in (created if missing)")
    a.add_argument("--wait", action="store_true", help="work the queue (as many jobs at once as the app) and return when every file is searchable, "
                        "in the graph and its communities, or failed")
    a.add_argument("--timeout", type=float, default=3600.0,
                   help="with --wait: give up after this many seconds, list unfinished files, exit 3")
    a.set_defaults(func=cmd_add)

    ls = sub.add_parser("ls", help="list every item (below FOLDER)")
    ls.add_argument("folder", nargs="?")
    ls.add_argument("--limit", type=int, default=None, help="one page of this many items of the folder itself")
    ls.add_argument("--cursor", help="with --limit: the id of the last item of the previous page")
    ls.set_defaults(func=cmd_ls)

    mk = sub.add_parser("mkdir", help="create a folder (and its parents)")
    mk.add_argument("path")
    mk.set_defaults(func=cmd_mkdir)

    mv = sub.add_parser("mv", help="move and/or rename an item")
    mv.add_argument("item")
    mv.add_argument("dest", help="a folder to move into, or a new path")
    mv.set_defaults(func=cmd_mv)

    rm = sub.add_parser("rm", help="delete items (folders recursively)")
    rm.add_argument("items", nargs="+")
    rm.set_defaults(func=cmd_rm)

    g = sub.add_parser("get", help="download a file")
    g.add_argument("item")
    g.add_argument("-o", "--output", help="file to write ('-' for stdout)")
    g.set_defaults(func=cmd_get)

    st = sub.add_parser("status", help="database, storage and models: what is in use and whether it answers")
    st.set_defaults(func=cmd_status)

    rp = sub.add_parser("reprocess", help="process files again (replaces their chunks)")
    rp.add_argument("items", nargs="*")
    rp.add_argument("--failed", action="store_true", help="every failed file")
    rp.set_defaults(func=cmd_reprocess)

    w = sub.add_parser("worker", help="run a background worker until interrupted")
    w.add_argument("--concurrency", type=int, default=None,
                   help="jobs at once (default: THEDRIVE_APP_WORKERS, one per core plus one)")
    w.add_argument("--grace", type=float, default=30.0,
                   help="on SIGTERM/Ctrl-C, seconds to let running jobs finish before handing them back")
    w.set_defaults(func=cmd_worker)

    from drive.cli.admin import add_admin_commands
    from drive.cli.rag import add_rag_commands

    add_rag_commands(sub)
    from drive.cli.api import add_api_commands

    add_api_commands(sub)
    add_admin_commands(sub)
    from drive.cli.users import add_user_commands

    add_user_commands(sub)
    for command in sub.choices.values():  # accept the global options after the command too
        command.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    settings = Settings()
    try:
        if getattr(args, "standalone", None):  # e.g. restore: works on an empty home, opens no drive
            return int(args.standalone(args, settings))
        drive = open_drive(settings, run_sweep=getattr(args, "sweep", True))
        try:
            from drive.cli.users import NOBODY, acting_user

            owner = acting_user(drive, args.user) if getattr(args, "acts_as_user", True) else NOBODY
            svc = drive.service(owner)
            return int(args.func(args, drive, svc))
        finally:
            drive.close()
    except DriveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
