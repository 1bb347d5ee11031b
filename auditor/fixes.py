"""Fix snippets: the card commands for one asset's failures, as a file the officer reviews
and runs himself. The tool never applies them.

Values observed on a host (account names, packages) reach a command only quoted for the
snippet's language, and a value that cannot be quoted safely is left out (with a note).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from auditor.cards import Step, check_cards, fill
from auditor.checking import Registry, Status
from auditor.messages.catalogue import Messages
from auditor.policy import Requirement
from auditor.results import Evaluation
from auditor.textsafe import has_control, printable

EXTENSIONS = {
    "windows": "ps1",
    "debian": "sh",
    "rhel": "sh",
    "routeros": "rsc",
    "cisco-ios": "ios.txt",
    "pfsense": "txt",
    "fortios": "fortios.txt",
}
_COMMENT = {"ps1": "#", "sh": "#", "rsc": "#", "ios.txt": "!", "txt": "", "fortios.txt": ""}
# platforms whose file is read and followed, not pasted whole: the pfSense GUI, and the
# FortiOS CLI (which has no comment syntax to carry the explanations): commands indented
_READ_ONLY = {"pfsense", "fortios"}
_IOS_SAFE = re.compile(r"^[A-Za-z0-9._@/:-]{1,64}$")
_CONFIG_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/:-]{0,199}$")


def quote(platform: str, value: str, *, line: bool = False) -> str | None:
    """`value` as a literal in the platform's command language, or None when it cannot be
    written there safely (control characters anywhere; anything unusual on IOS). `line`:
    the value is one of the device's own configuration lines, repeated as it is."""
    if not value or has_control(value) or len(value) > 256:
        return None
    if line:
        return value if _CONFIG_LINE.match(value) else None
    if platform == "windows":
        return "'" + value.replace("'", "''").replace("\u2019", "\u2019\u2019") + "'"
    if platform in ("debian", "rhel"):
        return shlex.quote(value)
    if platform == "routeros":
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
        return f'"{escaped}"'
    if platform == "cisco-ios":
        return value if _IOS_SAFE.match(value) else None
    return value


def param_values(params: BaseModel) -> dict[str, str]:
    """The scalar parameters of a check, as `{param.NAME}` fills them (policy data)."""
    return {
        f"param.{name}": f"{value:g}" if isinstance(value, float) else str(value)
        for name, value in params.model_dump().items()
        if isinstance(value, str | int | float) and not isinstance(value, bool)
    }


def step_items(step: Step, observed: object, params: Mapping[str, object]) -> list[str]:
    """The values a per-item command repeats over, for one asset's outcome."""
    if step.items == "rules":
        rules = params.get("rules")
        return str(rules).splitlines() if rules else []
    return [str(v) for v in observed] if isinstance(observed, list) else []


def command_for(step: Step, items: Iterable[str], params: BaseModel) -> str | None:
    """The step's command filled in; a per-item command once per item, each quoted."""
    if step.command is None:
        return None
    command = fill(step.command, param_values(params))
    if not step.per_item:
        return command.rstrip("\n")
    lines = []
    for item in dict.fromkeys(items):
        quoted = quote(step.platform, item, line=step.items == "rules")
        if quoted is not None:
            lines.append(fill(command, {"item": quoted}).rstrip("\n"))
    return "\n".join(lines) or None


@dataclass(frozen=True)
class SnippetPart:
    """One failing check's part of an asset's snippet."""

    check: str
    title: str
    step: Step
    command: str | None
    text: str


def snippet(platform: str, asset_name: str, parts: Sequence[SnippetPart]) -> str:
    """The whole file for one asset: the warning, the backup step, then each fix."""
    ext = EXTENSIONS[platform]
    mark = _COMMENT[ext]
    t = Messages("vi")

    def comment(text: str) -> list[str]:
        return [f"{mark} {line}".rstrip() if mark else line for line in text.splitlines()]

    lines = comment(t("fixes.warning", asset=asset_name))
    lines += ["", *comment(t("fixes.backup_title"))]
    lines += t(f"fixes.backup.{platform}").splitlines()
    if platform == "cisco-ios":
        lines += ["configure terminal"]
    for part in parts:
        lines += ["", *comment(f"{part.check}: {part.title}"), *comment(part.text)]
        if part.step.where is not None:
            lines += comment(part.step.where("vi"))
        if part.command is not None and platform not in _READ_ONLY:
            lines += part.command.splitlines()
        elif part.command is not None:
            lines += [f"  {line}" for line in part.command.splitlines()]
    if platform == "cisco-ios":
        lines += ["end"]
    if platform == "debian" or platform == "rhel":
        lines.insert(0, "#!/bin/sh")
    return "\n".join(lines) + "\n"


def snippet_name(asset_id: str, platform: str) -> str:
    return f"{asset_id}.{EXTENSIONS[platform]}"


def asset_snippets(
    evaluation: Evaluation,
    requirements: Sequence[Requirement],
    registry: Registry,
    platforms: Mapping[str, str | None],
    names: Mapping[str, str],
) -> dict[str, str]:
    """File name → snippet, for each asset with a failure its card knows how to fix on the
    asset's platform (a check failing under two requirements is fixed once)."""
    cards = check_cards()
    params = {(r.id, ref.id): ref.params for r in requirements for ref in r.checks}
    parts: dict[str, dict[str, SnippetPart]] = {}
    for ar in evaluation.asset_results:
        platform = platforms.get(ar.asset_id)
        if platform is None or platform not in EXTENSIONS:
            continue
        for result in ar.checks:
            if result.status is not Status.failed:
                continue
            if result.check in parts.get(ar.asset_id, {}):
                continue
            card = cards[result.check]
            model = registry[result.check].params.model_validate(
                params.get((ar.requirement, result.check), {})
            )
            for step in card.remediation:
                if step.platform != platform or step.command is None:
                    continue
                items = step_items(step, result.observed, result.params)
                command = command_for(step, items, model)
                seen = {"observed": _said(result.observed), "required": result.expected or ""}
                text = fill(step.text.vi, seen | param_values(model))
                part = SnippetPart(result.check, card.title.vi, step, command, text)
                parts.setdefault(ar.asset_id, {})[result.check] = part
    return {
        snippet_name(asset_id, platforms[asset_id] or ""): snippet(
            platforms[asset_id] or "", names.get(asset_id, asset_id), list(found.values())
        )
        for asset_id, found in sorted(parts.items())
    }


def _said(observed: object) -> str:
    """An observed value for a comment line: one line, control characters escaped."""
    if isinstance(observed, list):
        observed = ", ".join(str(v) for v in observed)
    return printable(str(observed), 500).replace("\n", "\\n").replace("\t", " ")
