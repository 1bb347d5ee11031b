"""Atomic, symlink-safe file writes: a crash or a full disk never leaves a half-written file
in place, and a link planted in the output folder never redirects a write."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


class UnsafePath(OSError):
    """A symlink (or a non-directory) where the tool must write: refused, nothing written."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"refusing to write through a symbolic link: {path}")
        self.path = path


def safe_dir(path: Path, mode: int = 0o755) -> Path:
    """Make `path` (and missing parents) a real directory; refuse if it is a symlink."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(path, mode)
        return path
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafePath(path)
    return path


def refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise UnsafePath(path)


def atomic_write(path: Path, data: bytes, mode: int = 0o640, *, durable: bool = True) -> None:
    """Write to a new, randomly named sibling (O_EXCL|O_NOFOLLOW), fsync, then rename over
    `path`. The folder and the target may not be symlinks.

    `durable=False` skips the per-file fsync for batches (evidence files): the caller then
    calls `os.sync()` once, which costs one flush instead of one per file.
    """
    safe_dir(path.parent)
    refuse_link(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, mode)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, UnsafePath):
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class TooLarge(OSError):
    """A file larger than the limit for its kind: refused before it is read."""

    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(f"{path} is larger than {limit} bytes")
        self.path, self.limit = path, limit


def read_regular(path: Path, limit: int) -> bytes:
    """Read a regular file, never through a final symlink, refusing it above `limit` bytes
    before reading (checked on the open file, so it cannot be swapped in between)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(path)
        if info.st_size > limit:
            raise TooLarge(path, limit)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(path, limit)
    return data


def inside(base: Path, relative: Path) -> Path | None:
    """`base/relative` when it stays inside `base` with no symlink on the way; else None."""
    root = base.resolve()
    candidate = relative if relative.is_absolute() else root / relative
    try:
        parts = candidate.relative_to(root).parts
    except ValueError:
        return None
    if ".." in parts:
        return None
    current = root
    for part in parts:
        current = current / part
        if current.is_symlink():
            return None
    return current
