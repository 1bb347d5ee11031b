"""The Windows facts document itself: its bytes decoded (UTF-8 or UTF-16, with or without a
BOM), checked for being JSON of our schema, and the small readers every section uses
(PowerShell 5.1 dates, one object where a list was meant, numbers and flags as text)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from auditor.errors import CollectionError
from auditor.strictjson import DuplicateKey, unique_keys
from auditor.textsafe import printable

SCHEMA = "commune-auditor/windows-facts/1"
MAX_BYTES = 16 * 1024 * 1024
_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


def decode(data: bytes) -> str:
    """Text of a facts file in UTF-8 or UTF-16 (with or without BOM)."""
    if len(data) > MAX_BYTES:
        raise CollectionError("windows.too_large", f"{len(data)} bytes")
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return _decode(data[len(bom) :], codec)
    if len(data) >= 2 and data[1] == 0 and data[0] != 0:
        return _decode(data, "utf-16-le")
    return _decode(data, "utf-8")


def _decode(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise CollectionError("windows.encoding", codec) from None


def load_document(data: bytes) -> dict[str, Any]:
    """The facts document, checked for being JSON of our schema."""
    text = decode(data).strip()
    try:
        doc = json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        raise CollectionError("windows.not_json", f"line {exc.lineno} col {exc.colno}") from None
    except DuplicateKey as exc:
        raise CollectionError("windows.duplicate_key", printable(str(exc), 80)) from None
    except RecursionError:
        raise CollectionError("windows.too_deep") from None
    except ValueError:  # e.g. an integer of more than 4,300 digits
        raise CollectionError("windows.not_json", "number too large") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise CollectionError(
            "windows.wrong_schema",
            str(doc.get("schema"))[:80] if isinstance(doc, dict) else type(doc).__name__,
        )
    return doc


def when(value: Any) -> datetime | None:
    """ISO 8601 or PowerShell 5.1's "/Date(ms)/" to an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    match = _MS_DATE.match(value)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def listed(doc: dict[str, Any], key: str) -> list[dict[str, Any]] | None:
    """A list section; PowerShell 5.1 emits a single object instead of a one-item list."""
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        value = [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else None


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def truthy(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)
