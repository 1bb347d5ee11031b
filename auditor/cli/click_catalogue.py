"""Write the gettext catalogue of click's own strings (`auditor/messages/mo.py`) from
click.vi.yaml and the installed click: `python -m auditor.cli.click_catalogue`. Run it after
upgrading click when `tests/test_help.py` says the catalogue is out of date."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import click

from auditor.messages.mo import catalogue_path, compile_mo, table


def click_strings() -> tuple[set[str], list[tuple[str, str]]]:
    """Every literal the installed click passes to `_()`, and its `ngettext` pairs."""
    singles: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for source in sorted(Path(click.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            texts = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
            if node.func.id == "_" and texts and isinstance(texts[0], str):
                singles.add(texts[0])
            elif node.func.id == "ngettext" and len(texts) == 2:
                pairs.append((str(texts[0]), str(texts[1])))
    return singles, sorted(set(pairs))


def main() -> None:
    _singles, pairs = click_strings()
    path = catalogue_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(compile_mo(table(), pairs))
    sys.stdout.write(f"{path}\n")


if __name__ == "__main__":
    main()
