"""Load untrusted YAML defensively and remember the line of every key.

Inventories and attestation files are written by hand and may be hostile: the loader
bounds the size, refuses aliases (the "billion laughs" bomb), duplicate keys and
non-UTF-8 bytes, and keeps a map from each key path to its line so that pydantic errors
can name the line the user must fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from auditor.errors import InputError, Problem

MAX_BYTES = 1_000_000
KeyPath = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


# libyaml's parser when present (about ten times faster on the policy packs). Both it and
# the pure-Python one compose an alias as the anchored node itself, shared, without
# expanding it; _walk refuses any node met twice, so the "billion laughs" bomb is caught
# there, before anything is constructed.
_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_shipped(text: str) -> Any:
    """YAML the tool ships itself (catalogues, check cards, defaults tables): trusted, so
    read without the guard, but with libyaml (the 114 cards took a second in pure Python)."""
    return yaml.load(text, Loader=_Loader)


class _AliasRefused(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__("alias")
        self.mark = mark


@dataclass(frozen=True)
class LoadedYaml:
    """Parsed data plus the 1-based line of each key path."""

    file: str
    data: Any
    lines: dict[KeyPath, int]

    def problem(
        self, loc: tuple[str | int, ...], code: str, params: dict[str, Any] | None = None
    ) -> Problem:
        """A problem at `loc` of this file: file, line and dotted field filled in."""
        return Problem(self.file, self.line_of(loc), dotted(loc), code, params or {})

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        """Line of the longest known prefix of `loc` (the closest thing the user wrote)."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def load_yaml(path: Path, *, max_bytes: int = MAX_BYTES) -> LoadedYaml:
    """Read `path`; raise InputError naming file and line for anything unusable."""
    name = str(path)
    if path.is_dir():
        raise InputError([Problem(name, None, None, "input.is_folder")])
    if not path.is_file():
        raise InputError([Problem(name, None, None, "input.missing_file")])
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            [Problem(name, None, None, "input.too_large", {"size": size, "limit": max_bytes})]
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError([Problem(name, line, None, "input.not_utf8")]) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> LoadedYaml:
    """Parse YAML text already in memory (see load_yaml)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LoadedYaml(name, None, {})
        problems: list[Problem] = []
        lines: dict[KeyPath, int] = {(): node.start_mark.line + 1}
        _walk(node, (), lines, problems, name, set())
        if problems:
            raise InputError(problems)
        data = loader.construct_document(node)
    except _AliasRefused as exc:
        raise InputError([Problem(name, exc.mark.line + 1, None, "input.yaml_alias")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise InputError(
            [Problem(name, line, None, "input.yaml_syntax", {"detail": str(exc.problem)})]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(
            [Problem(name, None, None, "input.yaml_syntax", {"detail": str(exc)})]
        ) from None
    finally:
        loader.dispose()
    return LoadedYaml(name, data, lines)


def _walk(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    problems: list[Problem],
    name: str,
    visited: set[int],
) -> None:
    if isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]  # keys and values
    else:
        children = node.value if isinstance(node, yaml.SequenceNode) else []
    for child_node in children:
        if id(child_node) in visited:  # the same node twice: an alias
            raise _AliasRefused(node.start_mark)
        visited.add(id(child_node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                problems.append(
                    Problem(
                        name, key_node.start_mark.line + 1, dotted(child), "input.duplicate_key"
                    )
                )
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines, problems, name, visited)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines, problems, name, visited)


def dotted(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _field_names(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every field name reachable from `model`, for "did you mean" suggestions."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for fname, info in model.model_fields.items():
        names.add(info.alias or fname)
        for sub in _models_in(info.annotation):
            names |= _field_names(sub, seen)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()):
        out += _models_in(arg)
    return out


def validate(model: type[M], loaded: LoadedYaml, context: dict[str, Any] | None = None) -> M:
    """Validate loaded data against `model`; every error becomes a Problem with its line.

    Input values are never copied into problems: a mistyped field may hold a secret.
    """
    try:
        return model.model_validate(loaded.data, context=context)
    except ValidationError as exc:
        known = _field_names(model)
        problems = []
        for err in exc.errors(include_input=False):
            loc = tuple(part for part in err["loc"] if not str(part).startswith("function-"))
            problems.append(problem_of(err, loaded.file, loaded.line_of(loc), loc, known))
        raise InputError(problems) from None


def problem_of(
    err: Any, file: str, line: int | None, loc: tuple[Any, ...], known: set[str]
) -> Problem:
    """One pydantic error as a coded problem at `file`:`line`, field `loc`: a mistyped key
    with the nearest `known` name ("did you mean"), a missing field, a value of the wrong
    kind, in the catalogue's words (never pydantic's English)."""
    kind = err["type"]
    where = dotted(loc)
    if kind == "extra_forbidden" and loc:
        guess = difflib.get_close_matches(str(loc[-1]), sorted(known), n=1)
        code = "input.unknown_key_suggest" if guess else "input.unknown_key"
        return Problem(file, line, where, code, {"suggestion": guess[0] if guess else ""})
    if kind == "missing":
        return Problem(file, line, where, "input.missing_field")
    if kind == "value_error":
        ctx = err.get("ctx", {})
        inner = ctx.get("error")
        if isinstance(inner, CodedValueError):
            return Problem(file, line, where, inner.code, inner.params)
    if kind in PYDANTIC_CODES:
        params = {k: str(v).replace(" or ", ", ") for k, v in err.get("ctx", {}).items()}
        return Problem(file, line, where, f"input.{PYDANTIC_CODES[kind]}", params)
    return Problem(file, line, where, "input.invalid", {"detail": err["msg"]})


# pydantic error types → catalogue codes (`input.*`), so the reason reads in vi or en; the
# parameters are pydantic's context (limits, allowed values), never the input value
PYDANTIC_CODES = {
    "bool_parsing": "need_bool",
    "bool_type": "need_bool",
    "int_parsing": "need_int",
    "int_type": "need_int",
    "int_from_float": "need_int",
    "float_parsing": "need_number",
    "float_type": "need_number",
    "string_type": "need_text",
    "string_too_short": "text_too_short",
    "string_too_long": "text_too_long",
    "string_pattern_mismatch": "bad_format",
    "literal_error": "one_of",
    "enum": "one_of",
    "greater_than_equal": "at_least",
    "less_than_equal": "at_most",
    "greater_than": "above",
    "less_than": "below",
    "too_short": "list_too_short",
    "too_long": "list_too_long",
    "list_type": "need_list",
    "dict_type": "need_mapping",
    "model_type": "need_mapping",
    "model_attributes_type": "need_mapping",
    "date_parsing": "need_date",
    "date_from_datetime_parsing": "need_date",
    "date_from_datetime_inexact": "need_date",
    "date_type": "need_date",
    "datetime_parsing": "need_datetime",
    "datetime_type": "need_datetime",
}


class CodedValueError(ValueError):
    """A validator failure with a catalogue code, so the CLI can say it in vi or en."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
