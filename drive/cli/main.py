"""Command line: ``python -m drive`` (or ``thedrive``). Errors go to stderr with a non-zero exit."""

from __future__ import annotations

import argparse
import json
import logging
import sys
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

    report = add_paths(svc, [Path(p) for p in args.paths], _folder_id(svc, args.folder), progress=not args.json)
    failures = list(report.errors)
    if args.wait and report.added:
        from drive.jobs.drain import wait_for
        from drive.pipeline.handlers import handlers

        for info in wait_for(drive, svc, [i.id for i in report.added], handlers(), timeout=args.timeout):
            if info.status == Status.FAILED:
                failures.append((info.path, info.error or "failed"))
    data = {"added": [item_json(svc.get(i.id)) for i in report.added], "errors": [
        {"path": p, "error": e} for p, e in failures]}
    human = f"added {len(report.added)} file(s), {len(failures)} failed" + "".join(
        f"\n  failed: {p}: {e}" for p, e in failures)
    emit(args, data, human)
    return 1 if failures else 0


def cmd_ls(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    folder = svc.resolve(args.folder).id if args.folder else None
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

    run_forever(drive, handlers(), concurrency=args.concurrency or max(1, drive.settings.workers_in_app))
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
    a.add_argument("--wait", action="store_true", help="return when every file is searchable and in the graph, or failed")
    a.add_argument("--timeout", type=float, default=3600.0)
    a.set_defaults(func=cmd_add)

    ls = sub.add_parser("ls", help="list every item (below FOLDER)")
    ls.add_argument("folder", nargs="?")
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
    w.set_defaults(func=cmd_worker)

    from drive.cli.admin import add_admin_commands
    from drive.cli.rag import add_rag_commands

    add_rag_commands(sub)
    from drive.cli.api import add_api_commands

    add_api_commands(sub)
    add_admin_commands(sub)
    for command in sub.choices.values():  # accept the global options after the command too
        command.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    settings = Settings()
    try:
        drive = open_drive(settings, run_sweep=getattr(args, "sweep", True))
        try:
            svc = drive.service(drive.user_id(args.user))
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
