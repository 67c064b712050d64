"""Accounts against the real database: one identity per person, passwords, throttled sign-in, sessions,
signed links, and what the administrator's commands do to a signed-in user."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import text

from drive.core import Drive
from drive.errors import InvalidName, NotFound
from drive.store import sessions, tokens
from drive.store.signin_guard import Throttle
from drive.store.users import (
    AuthError,
    SignInLocked,
    create_user,
    find_user,
    list_users,
    reset_password,
    set_disabled,
    sign_in,
    sign_up,
)

GOOD = "violet tractor breakfast"


def _tag() -> str:
    return uuid.uuid4().hex[:8]


def test_names_are_one_identity_regardless_of_case_and_unicode_form(drive: Drive) -> None:
    tag = _tag()
    alice = sign_up(drive.db, f"alice{tag}", GOOD, client=tag)
    for twin in (f"Alice{tag}", f"ALICE{tag}", f"ａｌｉｃｅ{tag}"):  # the last one in fullwidth letters
        with pytest.raises(AuthError, match="taken"):
            sign_up(drive.db, twin, GOOD, client=tag)
    assert sign_in(drive.db, f"ALICE{tag}", GOOD, client=tag) == alice
    assert sign_in(drive.db, f"ａｌｉｃｅ{tag}", GOOD, client=tag) == alice
    assert find_user(drive.db, f"AlIcE{tag}") == alice
    # enforced by the database itself, not only by the check above
    with pytest.raises(Exception, match="users_name_key_key"), drive.db.session() as s:
        s.execute(text("INSERT INTO users (id, name, name_key) VALUES (:id, :n, :k)"),
                  {"id": uuid.uuid4(), "n": f"ALICE{tag}", "k": f"alice{tag}"})


def test_weak_blank_and_common_passwords_are_refused(drive: Drive) -> None:
    tag = _tag()
    for bad, why in [("", "blank"), (" " * 12, "blank"), ("password", "at least 10"), ("1234567890", "common"),
                     ("qwertyuiop", "common"), ("aaaaaaaaaaaa", "too easy"), (f"my name is bob{tag}!", "too easy")]:
        with pytest.raises(AuthError, match=why):
            sign_up(drive.db, f"bob{tag}", bad, client=tag)
    with pytest.raises(NotFound):
        find_user(drive.db, f"bob{tag}")  # nothing was created by the refusals
    with pytest.raises(InvalidName):
        sign_up(drive.db, "bob smith", GOOD, client=tag)


def test_the_cli_default_user_name_is_reserved(drive: Drive) -> None:
    with pytest.raises(AuthError, match="reserved"):
        sign_up(drive.db, "LOCAL", GOOD, reserved=("local",), client=_tag())


def test_simultaneous_sign_ups_of_one_name_give_one_account_and_name_taken(drive: Drive) -> None:
    tag, results = _tag(), list[uuid.UUID | str]()
    barrier = threading.Barrier(4)

    def attempt(name: str) -> None:
        barrier.wait()
        try:
            results.append(sign_up(drive.db, name, GOOD, client=tag))
        except AuthError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in
               (f"dan{tag}", f"Dan{tag}", f"DAN{tag}", f"dan{tag}")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, uuid.UUID) for r in results) == 1
    errors = [r for r in results if isinstance(r, str)]
    assert len(errors) == 3 and all("is taken" in e and "INSERT" not in e and "$argon2" not in e for e in errors)


def test_unknown_names_answer_like_wrong_passwords_and_cost_an_argon2_check(
        drive: Drive, monkeypatch: pytest.MonkeyPatch) -> None:
    from drive.store import users

    tag = _tag()
    sign_up(drive.db, f"erin{tag}", GOOD, client=tag)
    real = users._hasher()
    verified: list[str] = []

    class Spy:  # the real PasswordHasher, with its verify calls counted
        def hash(self, password: str) -> str:
            return str(real.hash(password))

        def verify(self, hashed: str, password: str) -> bool:
            verified.append(hashed)
            return bool(real.verify(hashed, password))

    monkeypatch.setattr(users, "_hasher", Spy)
    lenient = Throttle(name_failures=100, client_failures=100)
    for name in (f"erin{tag}", f"nobody{tag}", "not a valid name!"):
        with pytest.raises(AuthError) as caught:
            sign_in(drive.db, name, "not the password", client=tag, throttle=lenient)
        assert str(caught.value) == "wrong user name or password"
    # the real (spied, not replaced) argon2 check ran for every attempt: unknown names cost what real ones do
    assert len(verified) == 3 and all(h.startswith("$argon2") for h in verified)


def test_repeated_failures_lock_the_name_with_a_clear_message_and_success_resets(drive: Drive) -> None:
    tag = _tag()
    sign_up(drive.db, f"fay{tag}", GOOD, client=tag)
    throttle = Throttle(name_failures=3, client_failures=100)
    for _ in range(2):
        with pytest.raises(AuthError, match="^wrong user name or password$"):
            sign_in(drive.db, f"fay{tag}", "guess number one", client=tag, throttle=throttle)
    with pytest.raises(SignInLocked, match=r"Too many failed attempts: try again in 2 s"):
        sign_in(drive.db, f"fay{tag}", "guess number three", client=tag, throttle=throttle)
    with pytest.raises(SignInLocked, match="Too many failed sign-ins"):  # even the right password waits
        sign_in(drive.db, f"FAY{tag}", GOOD, client=f"other{tag}", throttle=throttle)
    time.sleep(2.1)
    with pytest.raises(SignInLocked, match="try again in 4 s"):  # the next failure locks twice as long
        sign_in(drive.db, f"fay{tag}", "guess number four", client=tag, throttle=throttle)
    with drive.db.session() as s:  # the lock is in the database: every app process sees it
        s.execute(text("UPDATE auth_failures SET locked_until = now() WHERE key = :k"), {"k": f"name:fay{tag}"})
    assert sign_in(drive.db, f"fay{tag}", GOOD, client=tag, throttle=throttle)
    with pytest.raises(AuthError, match="^wrong user name or password$"):  # success cleared the count
        sign_in(drive.db, f"fay{tag}", "guess again", client=tag, throttle=throttle)


def test_unknown_names_lock_too_and_a_client_is_throttled_across_names(drive: Drive) -> None:
    tag = _tag()
    throttle = Throttle(name_failures=100, client_failures=3)
    for i in range(2):
        with pytest.raises(AuthError, match="^wrong"):
            sign_in(drive.db, f"ghost{tag}{i}", "whatever it is", client=tag, throttle=throttle)
    with pytest.raises(SignInLocked):
        sign_in(drive.db, f"ghost{tag}x", "whatever it is", client=tag, throttle=throttle)
    with pytest.raises(SignInLocked):
        sign_up(drive.db, f"new{tag}", GOOD, client=tag, throttle=throttle)


def test_sessions_codes_rotation_and_sign_out_everywhere(drive: Drive) -> None:
    tag = _tag()
    user = sign_up(drive.db, f"gus{tag}", GOOD, client=tag)
    code = sessions.issue_code(drive.db, user)
    first = sessions.redeem_code(drive.db, code, 3600)
    assert first and sessions.session_user(drive.db, first) == sessions.SessionUser(user, f"gus{tag}")
    assert sessions.redeem_code(drive.db, code, 3600) is None  # one time only
    second = sessions.redeem_code(drive.db, sessions.issue_code(drive.db, user), 3600, replaces=first)
    assert second and sessions.session_user(drive.db, first) is None  # signing in again rotates the token
    other = sessions.redeem_code(drive.db, sessions.issue_code(drive.db, user), 3600)
    assert other and sessions.revoke_all(drive.db, user) >= 2
    assert sessions.session_user(drive.db, second) is None and sessions.session_user(drive.db, other) is None
    short = sessions.redeem_code(drive.db, sessions.issue_code(drive.db, user), 0.5)
    assert short and sessions.session_user(drive.db, short)
    time.sleep(0.6)
    assert sessions.session_user(drive.db, short) is None  # expired


def test_signed_cookies_and_download_links_hold_only_intact_and_in_time(drive: Drive) -> None:
    key = sessions.signing_key(drive.db)
    assert key == sessions.signing_key(drive.db) and len(key) == 32
    value = sessions.cookie_value(key, "tok")
    assert sessions.token_from_cookie(key, value) == "tok"
    assert sessions.token_from_cookie(key, "tak." + value.split(".")[1]) is None
    assert sessions.token_from_cookie(b"x" * 32, value) is None
    user, item = uuid.uuid4(), uuid.uuid4()
    link = sessions.sign_download(key, user, item, 60)
    grant = sessions.verify_download(key, link)
    assert grant and (grant.user_id, grant.item_id, grant.inline) == (user, item, False)
    forged = link.replace(item.hex, uuid.uuid4().hex)
    assert sessions.verify_download(key, forged) is None
    assert sessions.verify_download(key, sessions.sign_download(key, user, item, -1)) is None


def test_disable_and_reset_password_sign_the_user_out_everywhere(drive: Drive) -> None:
    tag = _tag()
    user = create_user(drive.db, f"hal{tag}", GOOD)
    live = sessions.redeem_code(drive.db, sessions.issue_code(drive.db, user), 3600)
    _, api_token = tokens.create(drive.db, user)
    set_disabled(drive.db, f"HAL{tag}")
    assert live and sessions.session_user(drive.db, live) is None
    assert tokens.authenticate(drive.db, api_token) is None  # a disabled account's API tokens stop too
    with pytest.raises(AuthError, match="disabled"):
        sign_in(drive.db, f"hal{tag}", GOOD, client=tag)
    set_disabled(drive.db, f"hal{tag}", disabled=False)
    assert tokens.authenticate(drive.db, api_token) == user
    live = sessions.redeem_code(drive.db, sessions.issue_code(drive.db, user), 3600)
    with pytest.raises(AuthError, match="common"):
        reset_password(drive.db, f"hal{tag}", "1234567890")
    reset_password(drive.db, f"hal{tag}", "another fine sentence")
    assert live and sessions.session_user(drive.db, live) is None
    with pytest.raises(AuthError):
        sign_in(drive.db, f"hal{tag}", GOOD, client=tag)
    assert sign_in(drive.db, f"hal{tag}", "another fine sentence", client=tag) == user
    listed = {u.name: u for u in list_users(drive.db)}
    assert listed[f"hal{tag}"].has_password and listed[f"hal{tag}"].disabled_at is None
