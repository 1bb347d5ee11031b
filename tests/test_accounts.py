"""Province accounts under attack, on real SQLite and PostgreSQL stores: a lockout that
forty concurrent wrong passwords cannot race, hashing that a flood cannot multiply, names
that cannot break a query, and a lifecycle whose every change ends the sessions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine

from auditor.receiver import accounts
from auditor.receiver.accounts import (
    Busy,
    add_account,
    authenticate,
    disable_account,
    enable_account,
    end_sessions,
    remove_account,
    session_valid,
    set_password,
    set_role,
)
from auditor.receiver.limits import Buckets
from auditor.receiver.store import Account, RegistryError, open_store
from tests.pg import Cluster, why_not_available

RIGHT = "mật-khẩu-đúng-2026"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield open_store(f"sqlite:///{tmp_path}/received.db")
        return
    reason = why_not_available()
    if reason:
        pytest.skip(reason)
    cluster = Cluster.temporary()
    try:
        yield open_store(cluster.start())
    finally:
        cluster.stop()


def test_forty_wrong_passwords_at_once_lock_the_account_before_the_right_one(
    engine: Engine,
) -> None:
    add_account(engine, "canbo", RIGHT, "admin")

    def attempt(i: int) -> str:
        try:
            return "accepted" if authenticate(engine, "canbo", f"sai-{i}") else "refused"
        except Busy:  # a loaded machine: the flood is told to wait, which refuses it too
            return "busy"

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(attempt, range(40)))
    assert "accepted" not in results
    assert results.count("refused") >= accounts.MAX_FAILURES  # enough were judged to lock
    assert authenticate(engine, "canbo", RIGHT) is None  # locked: the right one is refused
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        account = session.get(Account, "canbo")
        assert account is not None and account.locked_until is not None
    enable_account(engine, "canbo")  # an admin lets the officer back in
    login = authenticate(engine, "canbo", RIGHT)
    assert login is not None and login.role == "admin"


def test_a_success_racing_the_lock_is_refused(engine: Engine) -> None:
    """The right password checked while another request sets the lock does not get in."""
    add_account(engine, "canbo", RIGHT)
    for i in range(accounts.MAX_FAILURES - 1):
        assert authenticate(engine, "canbo", f"sai-{i}") is None
    started, release = threading.Event(), threading.Event()
    real_verify = accounts._verify

    def slow_verify(stored: str, password: str) -> bool:
        if password == RIGHT:
            started.set()
            release.wait(10)
        return real_verify(stored, password)

    accounts._verify = slow_verify  # type: ignore[assignment]
    try:
        with ThreadPoolExecutor(1) as pool:
            right = pool.submit(authenticate, engine, "canbo", RIGHT)
            assert started.wait(10)
            assert authenticate(engine, "canbo", "sai-cuoi") is None  # the fifth: locks
            release.set()
            assert right.result() is None
    finally:
        accounts._verify = real_verify  # type: ignore[assignment]


def test_hashing_is_bounded_and_a_flood_is_told_to_wait(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(engine, "canbo", RIGHT)
    monkeypatch.setattr(accounts, "SLOT_WAIT_S", 0.05)
    for _ in range(accounts.HASHING_SLOTS):
        assert accounts._slots.acquire(timeout=1)
    try:
        started = time.monotonic()
        with pytest.raises(Busy):
            authenticate(engine, "canbo", RIGHT)
        assert time.monotonic() - started < 2  # refused quickly, nothing hashed
    finally:
        for _ in range(accounts.HASHING_SLOTS):
            accounts._slots.release()
    assert authenticate(engine, "canbo", RIGHT) is not None


def test_names_that_would_break_a_query_or_a_page_are_refused(engine: Engine) -> None:
    for bad in ("", " ", "a\x00b", "ad\nmin", "x" * 65, "<script>", "quản trị"):
        with pytest.raises(RegistryError):
            add_account(engine, bad, RIGHT)
        assert authenticate(engine, bad, RIGHT) is None  # no database error, no 500
    with pytest.raises(RegistryError):
        add_account(engine, "ngan", "ngắn")  # a short password


def test_every_change_ends_the_sessions_of_the_account(engine: Engine) -> None:
    add_account(engine, "quantri", RIGHT, "admin")
    add_account(engine, "canbo", RIGHT, "admin")
    login = authenticate(engine, "canbo", RIGHT)
    assert login is not None and session_valid(engine, "canbo", "admin", login.generation)
    changes = [
        lambda: end_sessions(engine, "canbo"),  # logout
        lambda: set_password(engine, "canbo", RIGHT + "-moi"),
        lambda: set_role(engine, "canbo", "viewer"),
        lambda: disable_account(engine, "canbo"),
    ]
    for change in changes:
        generation = login.generation
        change()
        assert not session_valid(engine, "canbo", login.role, generation)
    assert authenticate(engine, "canbo", RIGHT + "-moi") is None  # disabled
    enable_account(engine, "canbo")
    again = authenticate(engine, "canbo", RIGHT + "-moi")
    assert again is not None and again.role == "viewer"
    remove_account(engine, "canbo")
    assert not session_valid(engine, "canbo", "viewer", again.generation)
    with pytest.raises(RegistryError, match=r"receiver\.no_account"):
        disable_account(engine, "canbo")


def test_the_last_admin_cannot_be_ended(engine: Engine) -> None:
    add_account(engine, "quantri", RIGHT, "admin")
    add_account(engine, "xem", RIGHT, "viewer")
    for change in (disable_account, remove_account):
        with pytest.raises(RegistryError, match=r"receiver\.last_admin"):
            change(engine, "quantri")
    with pytest.raises(RegistryError, match=r"receiver\.last_admin"):
        set_role(engine, "quantri", "viewer")
    set_role(engine, "xem", "admin")
    disable_account(engine, "quantri")  # another admin remains


def test_token_buckets_refill_and_stay_bounded() -> None:
    buckets = Buckets(per_minute=60, burst=3, max_keys=100)
    assert [buckets.take("1.2.3.4") for _ in range(3)] == [0, 0, 0]
    assert 0 < buckets.take("1.2.3.4") <= 1.0  # the fourth waits about a second
    for i in range(1000):
        buckets.take(f"10.0.{i // 256}.{i % 256}")
    assert len(buckets._tokens) == 100  # a flood of new sources costs a fixed memory
