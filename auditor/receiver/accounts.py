"""Province staff accounts: argon2 password hashes (argon2-cffi), a lockout that cannot be
raced, bounded hashing work, and a lifecycle (disable, enable, remove, role, password)
that ends the account's sessions.

A login is decided in this order, each step before any costly one: the name is well
formed; the account is neither disabled nor locked; then — holding one of a few hashing
slots, or refused as busy — the password is verified. Unknown, disabled, locked and wrong
logins cost the same argon2 verification, so timing says nothing about which it was. A
failure is counted and the lockout set in one UPDATE; a success is accepted only by an
UPDATE that finds the account still unlocked, so forty wrong passwords sent at once and
the right one among them cannot slip past the lock.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, Delete, Engine, Update, and_, case, delete, or_, update
from sqlalchemy.orm import Session

from auditor.receiver.store import Account, RegistryError

ROLES = ("viewer", "admin")
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 12
HASHING_SLOTS = 2  # argon2 verifications at once: each takes 64 MiB; a flood queues instead
SLOT_WAIT_S = 5.0
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_hasher = PasswordHasher()
_slots = threading.BoundedSemaphore(HASHING_SLOTS)
_DUMMY = _hasher.hash("not a password of anybody")  # verified for unknown/locked logins


class Busy(Exception):
    """Every hashing slot stayed taken: the caller answers 429 and asks to retry later."""


@dataclass(frozen=True)
class Login:
    """A successful login: who, in which role, and the session generation to bind to."""

    username: str
    role: str
    generation: int


def valid_username(name: str) -> bool:
    """Letters, digits and . _ @ - only: no empty name, no NUL or control character (which
    PostgreSQL refuses with an error), nothing to confuse a page or a log."""
    return bool(_USERNAME.match(name))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise RegistryError("receiver.weak_password", str(MIN_PASSWORD))


def add_account(engine: Engine, username: str, password: str, role: str = "viewer") -> None:
    if not valid_username(username):
        raise RegistryError("receiver.bad_username", username[:64])
    if role not in ROLES:
        raise RegistryError("receiver.bad_role", role)
    _check_password(password)
    with Session(engine) as session:
        if session.get(Account, username) is not None:
            raise RegistryError("receiver.account_exists", username)
        session.add(Account(username=username, password_hash=_hasher.hash(password), role=role))
        session.commit()


def _verify(stored: str, password: str) -> bool:
    """One argon2 verification in a bounded slot."""
    if not _slots.acquire(timeout=SLOT_WAIT_S):
        raise Busy
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False
    finally:
        _slots.release()


def authenticate(engine: Engine, username: str, password: str) -> Login | None:
    """The login when the password is right and the account enabled and unlocked."""
    now = datetime.now(UTC)
    account = None
    if valid_username(username):
        with Session(engine) as session:
            account = session.get(Account, username)
            if account is not None:
                session.expunge(account)
    usable = account is not None and not account.disabled and not _locked(account, now)
    right = _verify(account.password_hash if account and usable else _DUMMY, password)
    if account is None or not usable:
        return None
    with Session(engine) as session:
        if not right:
            _rows(session, _failure(username, now))
            session.commit()
            return None
        accepted = _rows(
            session,
            update(Account)
            .where(
                Account.username == username,
                Account.disabled.is_(False),
                or_(Account.locked_until.is_(None), Account.locked_until <= now),
            )
            .values(failures=0),
        )
        session.commit()
    if accepted != 1:  # locked (or disabled) while the password was being checked
        return None
    return Login(account.username, account.role, account.generation)


def _rows(session: Session, statement: Update | Delete) -> int:
    """Run one UPDATE/DELETE; the number of rows it changed."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _locked(account: Account, now: datetime) -> bool:
    until = account.locked_until
    return until is not None and until.replace(tzinfo=until.tzinfo or UTC) > now


def _failure(username: str, now: datetime) -> Update:
    """Count one failure and, at the limit, lock: one statement, whatever runs beside it."""
    reached = Account.failures + 1 >= MAX_FAILURES
    return (
        update(Account)
        .where(Account.username == username)
        .values(
            failures=case((reached, 0), else_=Account.failures + 1),
            locked_until=case((reached, now + LOCKOUT), else_=Account.locked_until),
        )
    )


def session_valid(engine: Engine, username: str, role: str, generation: int) -> bool:
    """A session stands only while its account exists, is enabled, holds the same role and
    has not ended its sessions (logout, password change, disable, role change)."""
    with Session(engine) as session:
        account = session.get(Account, username) if valid_username(username) else None
        return (
            account is not None
            and not account.disabled
            and account.role == role
            and account.generation == generation
        )


def _change(engine: Engine, username: str, **values: object) -> None:
    """Change an account and end its sessions, or say it does not exist."""
    with Session(engine) as session:
        done = _rows(
            session,
            update(Account)
            .where(Account.username == username)
            .values(generation=Account.generation + 1, **values),
        )
        session.commit()
    if done != 1:
        raise RegistryError("receiver.no_account", username[:64])


def end_sessions(engine: Engine, username: str) -> None:
    _change(engine, username)


def disable_account(engine: Engine, username: str) -> None:
    _keep_an_admin(engine, username)
    _change(engine, username, disabled=True)


def enable_account(engine: Engine, username: str) -> None:
    _change(engine, username, disabled=False, failures=0, locked_until=None)


def set_role(engine: Engine, username: str, role: str) -> None:
    if role not in ROLES:
        raise RegistryError("receiver.bad_role", role)
    if role != "admin":
        _keep_an_admin(engine, username)
    _change(engine, username, role=role)


def set_password(engine: Engine, username: str, password: str) -> None:
    _check_password(password)
    _change(engine, username, password_hash=_hasher.hash(password), failures=0, locked_until=None)


def remove_account(engine: Engine, username: str) -> None:
    _keep_an_admin(engine, username)
    with Session(engine) as session:
        done = _rows(session, delete(Account).where(Account.username == username))
        session.commit()
    if done != 1:
        raise RegistryError("receiver.no_account", username[:64])


def _keep_an_admin(engine: Engine, username: str) -> None:
    """The last enabled admin cannot be disabled, demoted or removed: nobody could manage."""
    with Session(engine) as session:
        others = session.query(Account).filter(
            and_(Account.role == "admin", Account.disabled.is_(False)),
            Account.username != username,
        )
        account = session.get(Account, username)
        if account is not None and account.role == "admin" and others.count() == 0:
            raise RegistryError("receiver.last_admin", username)


# what an admin can do to an account, by name, from the CLI and the admin page alike
ACCOUNT_CHANGES = ("disable", "enable", "remove", "set-role", "passwd")


def change_account(engine: Engine, change: str, username: str, value: str = "") -> None:
    """Apply one named lifecycle change (`value`: the role or the new password)."""
    if change == "disable":
        disable_account(engine, username)
    elif change == "enable":
        enable_account(engine, username)
    elif change == "remove":
        remove_account(engine, username)
    elif change == "set-role":
        set_role(engine, username, value)
    elif change == "passwd":
        set_password(engine, username, value)
    else:
        raise ValueError(change)
