"""The pure parts of the app's routes: no open redirect after sign-in, a browser cannot forge the header
that binds a Streamlit session to its cookie, and the browser is never shown error details."""

from __future__ import annotations

import asyncio
import hashlib
import tomllib
from pathlib import Path
from typing import Any

from ui.web import BINDING_HEADER, COOKIE, BindSession, _local_path

ROOT = Path(__file__).resolve().parents[2]


def test_sign_in_returns_only_to_a_path_of_this_server() -> None:
    assert _local_path("/files?folder=1") == "/files?folder=1"
    for bad in (None, "", "https://evil.example", "//evil.example/x", "/\\evil.example", "files"):
        assert _local_path(bad) == "/"


def _headers_seen(headers: list[tuple[bytes, bytes]], kind: str = "websocket") -> list[tuple[bytes, bytes]]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["headers"] = scope["headers"]

    scope = {"type": kind, "path": "/_stcore/stream", "headers": headers}
    asyncio.run(BindSession(app)(scope, None, None))  # type: ignore[arg-type]
    return list(seen["headers"])


def test_the_binding_header_comes_from_the_cookie_never_from_the_browser() -> None:
    forged = (BINDING_HEADER, b"hash-of-alices-cookie")
    assert not [h for h in _headers_seen([forged]) if h[0] == BINDING_HEADER]
    cookie = (b"cookie", f"other=1; {COOKIE}=tok.sig".encode())
    bound = [v for k, v in _headers_seen([forged, cookie], "http") if k == BINDING_HEADER]
    assert bound == [hashlib.sha256(b"tok.sig").hexdigest().encode()]


def test_streamlit_config_hides_error_details_and_binds_sessions() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["trustedUserHeaders"] == {"X-TheDrive-Binding": "thedrive_binding"}
