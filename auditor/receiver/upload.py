"""An upload read without ever being held whole. The body is streamed to a spooled temporary
file; from there a multipart/form-data upload (what `auditor upload` sends) has each part
streamed into its own spooled file by python-multipart, the report hashed as it passes, so
nothing of it is in memory; the older JSON envelope (base64 fields) is read by ijson, the
report's base64 decoded a slice at a time into a spooled file (its text, one JSON string, is
held once). Then the report is validated as it is read, its long lists one item at a time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, get_args

import ijson
from pydantic import TypeAdapter, ValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from auditor.report.model import Report
from auditor.results import Evaluation

SPOOL_IN_MEMORY = 1 << 20  # bytes kept in memory before a spooled file moves to disk
_B64_SLICE = 1 << 20  # characters decoded at a time (a multiple of 4)
_READ = 1 << 20  # bytes the parser reads at a time: a long string read in small pieces is
# rebuilt many times over (0.95 s for a 19 MB envelope with 64 KiB, 0.07 s with 1 MiB)
_FIELDS = {"report_id", "report", "signature", "pdf"}


class BadUpload(ValueError):
    """The upload is not what the protocol says; `code` names why (a catalogue key)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code


def spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+b")


@dataclass
class Upload:
    report_id: str
    content: IO[bytes]  # the report's bytes, decoded, at position 0
    sha256: str  # of the report's bytes
    signature: bytes
    pdf: bytes | None  # the signed PDF of the report, when the commune sent it

    def read_content(self) -> bytes:
        self.content.seek(0)
        return self.content.read()

    def close(self) -> None:
        self.content.close()


class _Unique(dict[str, Any]):
    """A JSON object that refuses a key given twice (two readers could see two values)."""

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self:
            raise BadUpload(400, "receiver.bad_request")
        super().__setitem__(key, value)


def read_upload(body: IO[bytes]) -> Upload:
    """The envelope's fields from the spooled body: each top-level value is built alone (the
    report's base64 text, then decoded into its own spooled file), a field given twice, a
    missing or mistyped one, bad base64 or a malformed id refused."""
    body.seek(0)
    fields: dict[str, Any] = {}
    content = spool()
    try:
        for key, value in _top_level(body):
            if key in fields or key not in _FIELDS:
                raise BadUpload(400, "receiver.bad_request")
            if not isinstance(value, str):
                raise BadUpload(400, "receiver.bad_request")
            fields[key] = _decode_into(value, content) if key == "report" else value
            del value
        if not {"report_id", "report", "signature"} <= fields.keys():
            raise BadUpload(400, "receiver.bad_request")
        signature = _b64(fields["signature"])
        pdf = _b64(fields["pdf"]) if "pdf" in fields else None
    except BadUpload:
        content.close()
        raise
    content.seek(0)
    return Upload(_report_id(fields["report_id"]), content, fields["report"], signature, pdf)


MAX_SIGNATURE = 1 << 20  # a CMS signature with its certificates; more is not a signature


def read_multipart(body: IO[bytes], content_type: str) -> Upload:
    """The parts `report_id`, `report`, `signature` and optionally `pdf` of a spooled
    multipart/form-data body, each once; anything else, or a body that does not end as
    multipart ends, refused."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadUpload(400, "receiver.bad_request")
    parts = _Parts()
    parser = MultipartParser(boundary, parts.callbacks(), max_header_count=4)
    body.seek(0)
    try:
        while chunk := body.read(_READ):
            parser.write(chunk)
        parser.finalize()
    except BadUpload:
        parts.close()
        raise
    except MultipartParseError:
        parts.close()
        raise BadUpload(400, "receiver.bad_request") from None
    return parts.upload()


class _Parts:
    """What python-multipart's callbacks deliver, each part into its own spooled file."""

    def __init__(self) -> None:
        self.files: dict[str, IO[bytes]] = {}
        self.header = bytearray()
        self.field = b""
        self.name: str | None = None
        self.digest = hashlib.sha256()
        self.ended = False

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self.begin,
            "on_header_field": lambda data, start, end: self.header_piece(data[start:end], True),
            "on_header_value": lambda data, start, end: self.header_piece(data[start:end], False),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.data,
            "on_end": self.end,
        }

    def begin(self) -> None:
        self.name, self.header, self.field = None, bytearray(), b""

    def header_piece(self, data: bytes, is_field: bool) -> None:
        if is_field:
            self.field += data
        else:
            self.header += data
        if len(self.field) + len(self.header) > 1024:
            raise BadUpload(400, "receiver.bad_request")

    def header_end(self) -> None:
        if self.field.lower() == b"content-disposition":
            kind, options = parse_options_header(bytes(self.header))
            name = options.get(b"name", b"").decode("ascii", "replace")
            if kind != b"form-data" or name not in _FIELDS or name in self.files:
                raise BadUpload(400, "receiver.bad_request")
            self.name = name
        self.field, self.header = b"", bytearray()

    def headers_finished(self) -> None:
        if self.name is None:
            raise BadUpload(400, "receiver.bad_request")
        self.files[self.name] = spool()

    def data(self, data: bytes, start: int, end: int) -> None:
        if self.name is None:
            raise BadUpload(400, "receiver.bad_request")
        piece = data[start:end]
        if self.name == "report":
            self.digest.update(piece)
        elif self.files[self.name].tell() + len(piece) > MAX_SIGNATURE and self.name != "pdf":
            raise BadUpload(400, "receiver.bad_request")
        self.files[self.name].write(piece)

    def end(self) -> None:
        self.ended = True

    def close(self) -> None:
        for file in self.files.values():
            file.close()

    def upload(self) -> Upload:
        if not self.ended or not {"report_id", "report", "signature"} <= self.files.keys():
            self.close()
            raise BadUpload(400, "receiver.bad_request")
        small = {}
        for name in ("report_id", "signature", "pdf"):
            if name in self.files:
                with self.files.pop(name) as file:
                    file.seek(0)
                    small[name] = file.read()
        try:
            claimed = _report_id(small["report_id"].decode("ascii"))
        except (UnicodeDecodeError, BadUpload):
            self.close()
            raise BadUpload(422, "receiver.bad_report_id") from None
        report = self.files["report"]
        report.seek(0)
        return Upload(
            claimed, report, self.digest.hexdigest(), small["signature"], small.get("pdf")
        )


def _top_level(body: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """The envelope's (key, string value) pairs, from the parser's flat events (ijson's
    prefixed ones cost time in the square of the nesting depth a hostile body chooses):
    anything but an object of strings is refused at its first event."""
    events = _events(body)
    if next(events, None) != ("start_map", None):
        raise BadUpload(400, "receiver.bad_request")
    for event, key in events:
        if event == "end_map":
            break
        kind, value = next(events, (None, None))
        if event != "map_key" or kind != "string":
            raise BadUpload(400, "receiver.bad_request")
        yield key, value
    if next(events, None) is not None:
        raise BadUpload(400, "receiver.bad_request")


def _events(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    try:
        yield from ijson.basic_parse(stream, use_float=True, buf_size=_READ)
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError):
        raise BadUpload(400, "receiver.bad_request") from None


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadUpload(400, "receiver.bad_request") from None


def _decode_into(text: str, out: IO[bytes]) -> str:
    """Strict base64 decoded a slice at a time into `out`; the decoded bytes' sha256."""
    digest = hashlib.sha256()
    for start in range(0, len(text), _B64_SLICE):
        chunk = _b64(text[start : start + _B64_SLICE])
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()


def _report_id(claimed: str) -> str:
    try:
        if len(claimed) != 36 or str(uuid.UUID(claimed)) != claimed:
            raise ValueError(claimed)
    except ValueError:
        raise BadUpload(422, "receiver.bad_report_id") from None
    return claimed


# the report's long lists: validated item by item and not kept (the receiver needs none of
# them; the stored bytes keep them whole)
_STREAMED: dict[str, TypeAdapter[Any]] = {
    prefix: TypeAdapter(get_args(model.model_fields[name].annotation)[0])
    for prefix, model, name in (
        ("evidence", Report, "evidence"),
        ("assets", Report, "assets"),
        ("plan", Report, "plan"),
        ("tailoring", Report, "tailoring"),
        ("evaluation.asset_results", Evaluation, "asset_results"),
    )
}


MAX_DEPTH = 64  # nesting a report never needs; deeper is refused before it is built


def read_report(content: IO[bytes]) -> Report:
    """The report, validated as `parse_report` would, with its long lists (evidence, assets,
    per-asset results, plan, tailoring) checked one item at a time and left empty."""
    content.seek(0)
    top = ijson.ObjectBuilder(map_type=_Unique)
    path: list[str] = []  # the key (objects) or "item" (arrays) of each open container
    streamed: tuple[int, TypeAdapter[Any]] | None = None  # the list being read item by item
    item: ijson.ObjectBuilder | None = None
    try:
        for event, value in _events(content):
            if streamed is None:
                top.event(event, value)
                adapter = _STREAMED.get(".".join(path)) if event == "start_array" else None
                _step(path, event, value)
                streamed = (len(path), adapter) if adapter is not None else None
            elif event == "end_array" and len(path) == streamed[0]:
                top.event(event, value)
                _step(path, event, value)
                streamed = None
            else:
                item = item or ijson.ObjectBuilder(map_type=_Unique)
                item.event(event, value)
                _step(path, event, value)
                if len(path) == streamed[0] and event != "map_key":
                    streamed[1].validate_python(item.value)
                    item = None
        return Report.model_validate(top.value)
    except (BadUpload, ValidationError, TypeError, ValueError, RecursionError):
        raise BadUpload(422, "verify.report_unreadable") from None


def _step(path: list[str], event: str, value: Any) -> None:
    """Follow one parser event in `path`, refusing a nesting deeper than MAX_DEPTH."""
    if event == "map_key":
        path[-1] = value
    elif event in ("start_map", "start_array"):
        if len(path) >= MAX_DEPTH:
            raise BadUpload(422, "verify.report_unreadable")
        path.append("" if event == "start_map" else "item")
    elif event in ("end_map", "end_array"):
        path.pop()
