"""Who may import whom (shared/design/ARCHITECTURE.md, "Who may import whom"), checked by
walking every import of the production code, function-level ones included: a forbidden
edge fails with the module and the line."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# importer prefix → the prefixes it must never import
FORBIDDEN = {
    "checks": ("auditor.collect", "auditor.store", "auditor.report", "auditor.cli", "click"),
    "auditor.collect": (
        "checks", "auditor.engine", "auditor.report", "auditor.store", "auditor.receiver",
        "auditor.upload", "auditor.cli",
    ),
    "auditor.engine": ("auditor.collect",),
    "auditor.report": ("auditor.collect", "auditor.engine", "auditor.store"),
    "auditor.store": ("auditor.collect", "auditor.engine"),
    "auditor.upload": ("auditor.collect", "auditor.engine"),
    "auditor.receiver": ("auditor.collect", "auditor.engine", "auditor.store"),
}  # fmt: skip


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> list[tuple[str, str, int]]:
    """(importing module, imported module, line) for every import in auditor/ and checks/."""
    found = []
    for path in [*ROOT.glob("auditor/**/*.py"), *ROOT.glob("checks/**/*.py")]:
        if "migrations" in path.parts:
            continue
        module = _module(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((module, node.module, node.lineno))
            elif isinstance(node, ast.Import):
                found += [(module, alias.name, node.lineno) for alias in node.names]
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_no_forbidden_import() -> None:
    bad = [
        f"{source}:{line} imports {target}"
        for source, target, line in imports()
        for importer, banned in FORBIDDEN.items()
        if _within(source, importer) and any(_within(target, b) for b in banned)
    ]
    assert bad == []


def test_only_the_cli_knows_click() -> None:
    bad = [
        f"{source}:{line}"
        for source, target, line in imports()
        if _within(target, "click") and not _within(source, "auditor.cli")
    ]
    assert bad == []


def test_no_two_packages_import_each_other() -> None:
    """Packages of auditor/ (collect, report, store, upload, receiver, cli, …): an edge one
    way is allowed, both ways is a cycle."""
    edges: dict[str, set[str]] = defaultdict(set)
    for source, target, _line in imports():
        if source.count(".") >= 1 and target.startswith("auditor."):
            a, b = ".".join(source.split(".")[:2]), ".".join(target.split(".")[:2])
            if a != b:
                edges[a].add(b)
    pairs = [(a, b) for a, targets in edges.items() for b in targets]
    cycles = sorted(f"{a} <-> {b}" for a, b in pairs if a < b and a in edges.get(b, set()))
    assert cycles == []


def test_the_rules_see_a_forbidden_import(tmp_path: Path) -> None:
    """The near miss: the walker finds a function-level import of the store in the report."""
    tree = ast.parse("def f():\n    from auditor.store.history import Store\n")
    (node,) = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert node.module == "auditor.store.history" and _within(node.module, "auditor.store")
    assert any(_within(node.module, b) for b in FORBIDDEN["auditor.report"])


def test_the_cli_writes_no_sql() -> None:
    """Queries belong to the store (auditor/store/queries.py and history.py): the CLI may
    name SQLAlchemy's errors, never build a query."""
    bad = [
        f"{source}:{line} imports {target}"
        for source, target, line in imports()
        if _within(source, "auditor.cli")
        and _within(target, "sqlalchemy")
        and not _within(target, "sqlalchemy.exc")
    ]
    assert bad == []


def test_no_production_function_is_above_radon_c() -> None:
    """Every function of auditor/ and checks/ at cyclomatic complexity 20 or less (radon's
    rank C): a long function is split by naming its steps."""
    from radon.complexity import cc_rank, cc_visit

    def functions(path: Path) -> list[Any]:
        """Functions, and each class's methods, as `radon cc` lists them."""
        found = []
        for block in cc_visit(path.read_text(encoding="utf-8")):
            found += [*getattr(block, "methods", []), block]
        return found

    too_complex = [
        f"{path.relative_to(ROOT)}:{block.lineno} {block.name} {cc_rank(block.complexity)}"
        f" ({block.complexity})"
        for path in [*ROOT.glob("auditor/**/*.py"), *ROOT.glob("checks/**/*.py")]
        if "migrations" not in path.parts
        for block in functions(path)
        if block.complexity > 20
    ]
    assert too_complex == []
