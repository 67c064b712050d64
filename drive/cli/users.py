"""``python -m drive user create|list|disable|enable|reset-password``, and which user the CLI acts as.

The CLI is the administrator's tool on the data home: it reads the database directly, so accounts do
not restrain it. With accounts on it still never invents a user: ``--user NAME`` must name an existing
account (any case or Unicode form), and only the default user (``THEDRIVE_USER``, ``local``) is
created on first use. That name is reserved: nobody can sign up as it in the app.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import uuid
from typing import Any

from drive.core import Drive
from drive.errors import DriveError
from drive.service import DriveService
from drive.store import users

NOBODY = uuid.UUID(int=0)  # the owner of the service handed to commands that act on no user's files


def acting_user(drive: Drive, name: str | None) -> uuid.UUID:
    """The user a CLI command acts as. Accounts on: an existing one, except the default user."""
    if not drive.settings.accounts or name is None or users.fold(name) == users.fold(drive.settings.user):
        return drive.user_id(name)
    try:
        return users.find_user(drive.db, name)
    except DriveError as exc:
        raise DriveError(f"{exc}. With accounts on, the CLI acts only as an existing user") from exc


def _password(args: argparse.Namespace) -> str:
    """From --password-stdin (one line), else asked twice on the terminal (never an argument: ps shows those)."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise DriveError("no terminal to ask the password on: pipe it with --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise DriveError("the two passwords differ")
    return first


def cmd_user_create(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    user_id = users.create_user(drive.db, args.name, _password(args))
    print(json.dumps({"id": str(user_id), "name": args.name}) if args.json else f"created user {args.name}")
    return 0


def cmd_user_list(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    found = users.list_users(drive.db)
    if args.json:
        print(json.dumps([u.to_json() for u in found], indent=2, ensure_ascii=False))
        return 0
    for u in found:
        state = "disabled" if u.disabled_at else ("active" if u.has_password else "no password (CLI only)")
        print(f"{u.name:<24} {state:<24} created {u.created_at:%Y-%m-%d}  {u.id}")
    if not found:
        print("(no users)")
    return 0


def cmd_user_disable(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    users.set_disabled(drive.db, args.name, disabled=args.user_command == "disable")
    done = "disabled (signed out everywhere; API tokens stop)" if args.user_command == "disable" else "enabled"
    print(json.dumps({"name": args.name, "disabled": args.user_command == "disable"}) if args.json
          else f"user {args.name} {done}")
    return 0


def cmd_user_reset_password(args: argparse.Namespace, drive: Drive, svc: DriveService) -> int:
    users.reset_password(drive.db, args.name, _password(args))
    print(json.dumps({"name": args.name, "password_reset": True}) if args.json
          else f"new password set for {args.name}; signed out everywhere")
    return 0


def add_user_commands(sub: Any) -> None:
    u = sub.add_parser("user", help="accounts of the app: create, list, disable, enable, reset-password")
    usub = u.add_subparsers(dest="user_command", required=True)
    for name, func, help_text in [
        ("create", cmd_user_create, "a new account (password asked, or --password-stdin)"),
        ("list", cmd_user_list, "every user, and whether it can sign in"),
        ("disable", cmd_user_disable, "stop an account signing in (its sessions and API tokens end; files stay)"),
        ("enable", cmd_user_disable, "let a disabled account sign in again"),
        ("reset-password", cmd_user_reset_password, "set a new password and sign the user out everywhere"),
    ]:
        c = usub.add_parser(name, help=help_text)
        if name != "list":
            c.add_argument("name")
        if name in ("create", "reset-password"):
            c.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        c.set_defaults(func=func, acts_as_user=False)
        c.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")


