"""Province staff accounts: argon2 password hashes (argon2-cffi) and a lockout after repeated
failures, so that reading the communes' reports needs a person the province named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from auditor.receiver.store import Account, RegistryError

ROLES = ("viewer", "admin")
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
_hasher = PasswordHasher()


def add_account(engine: Engine, username: str, password: str, role: str = "viewer") -> None:
    if role not in ROLES:
        raise RegistryError("receiver.bad_role", role)
    if len(password) < 12:
        raise RegistryError("receiver.weak_password", "12")
    with Session(engine) as session:
        if session.get(Account, username) is not None:
            raise RegistryError("receiver.account_exists", username)
        session.add(Account(username=username, password_hash=_hasher.hash(password), role=role))
        session.commit()


def authenticate(engine: Engine, username: str, password: str) -> Account | None:
    """The account when the password is right and it is not locked; failures are counted."""
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        account = session.get(Account, username)
        if account is None:
            _hasher.hash(password)  # same cost as a real check: no user enumeration by timing
            return None
        locked = account.locked_until
        if locked is not None and locked.replace(tzinfo=locked.tzinfo or UTC) > now:
            return None
        try:
            _hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError):
            account.failures += 1
            if account.failures >= MAX_FAILURES:
                account.locked_until, account.failures = now + LOCKOUT, 0
            session.commit()
            return None
        account.failures, account.locked_until = 0, None
        session.commit()
        return account
