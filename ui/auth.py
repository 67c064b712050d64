"""Who is using the app: the drive's single local user, or (accounts on) the account this browser signed in as.

Accounts on, the identity is the browser's session cookie (HttpOnly, set by ``ui.web``'s ``/auth/session``
route), checked against the server's record on every run: a Streamlit session whose browser lacks a live
cookie of that user is signed out, whatever its ``session_state`` says. Signing in makes a one-time code
and sends the browser to the route that trades it for the cookie. Passwords, throttling and one name per
person are ``drive.store.users``' business.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import streamlit as st

from drive.errors import DriveError
from drive.store import sessions
from drive.store.signin_guard import Throttle
from drive.store.users import reserved_names, sign_in, sign_up
from ui import resources, web
from ui.resources import OWNER_KEY, USER_NAME_KEY

# Per-user state dropped on sign-out (or a change of user) so the next user starts clean.
USER_STATE_PREFIXES = ("chat_", "upload_", "files_", "graph_", "comm_", "tokens_")


def require_user() -> uuid.UUID:
    """The current user's id; with accounts on and no live session cookie, show the sign-in form and stop."""
    settings = resources.settings()
    if not settings.accounts:
        current = st.session_state.get(OWNER_KEY)
        if isinstance(current, uuid.UUID):
            return current
        return _remember(resources.drive().user_id(), settings.user)
    if not web.served():
        st.error("Accounts are on: start the app with `streamlit run web.py`, which serves the sign-in "
                 "cookie and private downloads (`streamlit run app.py` cannot).")
        st.stop()
    user = _browser_user()
    if user is None:
        _forget()
        _account_forms()
        st.stop()
        raise AssertionError("unreachable")  # st.stop() raises
    if st.session_state.get(OWNER_KEY) != user.id:
        _forget()
        _remember(user.id, user.name)
    return user.id


def _session_token() -> str | None:
    """The browser's session token, if its cookie (sent with this connection) carries an intact one."""
    key = sessions.signing_key(resources.drive().db)
    return sessions.token_from_cookie(key, st.context.cookies.get(web.COOKIE))


def _browser_user() -> sessions.SessionUser | None:
    token = _session_token()
    return sessions.session_user(resources.drive().db, token) if token else None


def _remember(user_id: uuid.UUID, name: str) -> uuid.UUID:
    st.session_state[OWNER_KEY] = user_id
    st.session_state[USER_NAME_KEY] = name
    return user_id


def _forget() -> None:
    for key in list(st.session_state.keys()):
        if key in (OWNER_KEY, USER_NAME_KEY) or str(key).startswith(USER_STATE_PREFIXES):
            del st.session_state[key]


def _account_forms() -> None:
    st.title("TheDrive")
    st.caption("Sign in to chat with your files.")
    if st.query_params.get("signin") == "expired":
        st.warning("That sign-in took too long or was already used: please sign in again.")
    sign_in_tab, sign_up_tab = st.tabs(["Sign in", "Create an account"])
    with sign_in_tab, st.form("sign_in"):
        name = st.text_input("User name", key="auth_in_name")
        password = st.text_input("Password", type="password", key="auth_in_password")
        if st.form_submit_button("Sign in", type="primary"):
            _attempt(_sign_in, name, password)
    with sign_up_tab, st.form("sign_up"):
        name = st.text_input("User name", key="auth_up_name", help="Letters, digits, '.', '_' or '-'.")
        password = st.text_input("Password", type="password", key="auth_up_password",
                                 help="At least 10 characters; a few unrelated words work well.")
        if st.form_submit_button("Create account", type="primary"):
            _attempt(_sign_up, name, password)


def _client() -> str:
    return st.context.ip_address or "unknown"


def _sign_in(name: str, password: str) -> uuid.UUID:
    settings = resources.settings()
    return sign_in(resources.drive().db, name, password, client=_client(), throttle=Throttle.from_settings(settings))


def _sign_up(name: str, password: str) -> uuid.UUID:
    settings = resources.settings()
    return sign_up(resources.drive().db, name, password, client=_client(), reserved=reserved_names(settings.user),
                   throttle=Throttle.from_settings(settings))


def _attempt(action: Callable[[str, str], uuid.UUID], name: str, password: str) -> None:
    try:
        user_id = action(name.strip(), password)
    except DriveError as exc:
        st.error(str(exc)[:1].upper() + str(exc)[1:])
        return
    code = sessions.issue_code(resources.drive().db, user_id)
    st.info("Signing in…")
    _redirect(f"{web.SESSION_ROUTE}?code={code}")


def _redirect(url: str) -> None:
    """Send the browser to ``url`` on this server (the message ``st.login`` uses to leave the page)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        msg = ForwardMsg()
        msg.auth_redirect.url = url
        ctx.enqueue(msg)


def sign_out_button() -> None:
    """In the sidebar when accounts are on: who is signed in, ways out, and their API tokens."""
    if not resources.settings().accounts:
        return
    st.caption(f"Signed in as **{st.session_state.get(USER_NAME_KEY, '?')}**")
    owner = st.session_state.get(OWNER_KEY)
    left, right = st.columns(2)
    if left.button("Sign out", key="auth_sign_out"):
        token = _session_token()
        if token:
            sessions.revoke(resources.drive().db, token)
        _leave()
    if right.button("Sign out everywhere", key="auth_sign_out_all", help="Every browser signed in as you"):
        if isinstance(owner, uuid.UUID):
            sessions.revoke_all(resources.drive().db, owner)
        _leave()
    from ui.tokens import api_tokens_box

    if isinstance(owner, uuid.UUID):
        api_tokens_box(owner)


def _leave() -> None:
    _forget()
    _redirect(web.SIGNOUT_ROUTE)
    st.stop()
