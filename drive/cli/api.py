"""CLI commands of the HTTP API: ``serve`` (uvicorn) and ``token create|list|revoke``."""

from __future__ import annotations

import argparse
import json
import uuid
from typing import Any

from drive.core import Drive
from drive.errors import NotFound
from drive.service import DriveService
from drive.store import tokens


def cmd_serve(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    import uvicorn

    from drive.api.app import create_app

    app = create_app(drive.settings, drive=drive)
    level = "info" if args.verbose else "warning"
    # Access logs carry paths and addresses only (tokens travel in a header); the redaction filter stays on.
    uvicorn.run(app, host=args.host, port=args.port, log_level=level, access_log=args.verbose,
                proxy_headers=False)
    return 0


def cmd_token_create(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    info, token = tokens.create(drive.db, svc.owner, args.label or "")
    if args.json:
        print(json.dumps({**info.to_json(), "token": token}, indent=2))
    else:
        print(f"token {info.id} for {info.user}" + (f" ({info.label})" if info.label else "")
              + "; shown once, keep it safe:")
        print(token)
    return 0


def cmd_token_list(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    owner = svc.owner if getattr(args, "user", None) else None
    found = tokens.list_tokens(drive.db, owner)
    if args.json:
        print(json.dumps([t.to_json() for t in found], indent=2))
        return 0
    for t in found:
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else (
            f"used {t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used")
        print(f"{t.id}  {t.user:<16} {t.prefix}…  {state:<22} {t.label}")
    if not found:
        print("(no tokens)")
    return 0


def cmd_token_revoke(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    try:
        token_id = uuid.UUID(args.id)
    except ValueError as exc:
        raise NotFound(f"no such token: {args.id}") from exc
    info = tokens.revoke(drive.db, token_id)
    print(json.dumps(info.to_json(), indent=2) if args.json else f"revoked {info.id} ({info.user} {info.prefix}…)")
    return 0


def add_api_commands(sub: Any) -> None:
    s = sub.add_parser("serve", help="run the HTTP API (FastAPI on uvicorn) with background workers")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(func=cmd_serve)

    t = sub.add_parser("token", help="API tokens: create (shown once), list, revoke")
    tsub = t.add_subparsers(dest="token_command", required=True)
    c = tsub.add_parser("create", help="a new token for --user; printed as the last line")
    c.add_argument("--label", help="what the token is for")
    c.set_defaults(func=cmd_token_create)
    ls = tsub.add_parser("list", help="tokens (of --user, or everyone's)")
    ls.set_defaults(func=cmd_token_list)
    r = tsub.add_parser("revoke", help="revoke a token by its id")
    r.add_argument("id")
    r.set_defaults(func=cmd_token_revoke)
    for command in tsub.choices.values():  # --user/--json after the subcommand too
        command.add_argument("--user", default=argparse.SUPPRESS, help="the token's user")
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
