"""Every error a user meets on a wrong command line, in Vietnamese: click's own messages,
the usage line under them, path and choice errors, and the tool's refusals — with no
English word left in them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main

ENGLISH = re.compile(
    r"\b(Usage|Error|Missing|Invalid|invalid|option|argument|does not exist|not a valid|"
    r"Try|OPTIONS|required|Repeat|confirmation|File|Directory|Path|No such|Aborted|"
    r"choose from|is not one of|not found|refusing|Traceback|COMMAND|ARGS)\b"
)

WRONG: list[list[str]] = [
    ["audit", "-q"],  # a global option after the command
    ["audit", "-i", "/nonexistent/inventory.yaml", "-o", "out"],
    ["verify", "/nonexistent/out"],
    ["import", "/nonexistent/facts.json", "--asset", "pc1"],
    ["findings", "assign", "abc", "--owner", "An"],
    ["findings", "list", "--status", "bogus"],
    ["findings", "accept", "1", "--reason", "  ", "--until", "2099-01-01", "--approved-by", "x"],
    ["findings", "assign", "1", "--owner", "An", "--due", "mai"],
    ["incidents", "add", "--at", "hôm qua", "--type", "malware", "--severity", "low",
     "--description", "x"],
    ["incidents", "add"],
    ["incidents", "update", "1"],
    ["incidents", "close", "x", "--result", "y"],
    ["export", "findings", "-o", "phat-hien.doc"],
    ["export", "findings", "-o", "/nonexistent/dir/x.csv"],
    ["keys", "init"],
    ["annual", "/nonexistent/out"],
    ["pdf", "/nonexistent/out"],
    ["khong-co-lenh"],
    ["policy", "show", "nd99-level9"],
    ["inventory", "validate", "/nonexistent.yaml"],
    ["checks", "show", "khong.co"],
    ["schedule", "install", "-i", "/nonexistent.yaml", "--every", "fortnightly"],
]  # fmt: skip


@pytest.mark.parametrize("args", WRONG, ids=[" ".join(a)[:40] for a in WRONG])
def test_every_error_path_speaks_vietnamese(args: list[str], tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["--lang", "vi", *args], env={"AUDITOR_HOME": str(tmp_path / "home")}
    )
    assert result.exit_code != 0, (args, result.output)
    said = result.output + (result.stderr if result.stderr_bytes is not None else "")
    said = said.replace("/nonexistent", "")  # the user's own words may be anything
    for word in ("khong-co-lenh", "nd99-level9", "khong.co", "fortnightly", "phat-hien.doc"):
        said = said.replace(word, "")
    assert said.strip(), args  # something is said
    english = ENGLISH.findall(said)
    assert not english, (args, english, said)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), (args, result.exception)


def test_a_password_asked_twice_asks_and_refuses_in_vietnamese(tmp_path: Path) -> None:
    """click's own prompt texts ("Repeat for confirmation", "do not match") are translated."""
    pytest.importorskip("argon2")
    result = CliRunner().invoke(
        main,
        ["--lang", "vi", "receiver", "admin", "add-user", "tinh",
         "--db", f"sqlite:///{tmp_path}/r.db"],
        input="mot-mat-khau-dai\nmat-khau-khac-han\nmot-mat-khau-dai\nmot-mat-khau-dai\n",
        env={"AUDITOR_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert "Nhập lại để xác nhận" in result.output, result.output
    assert "Hai giá trị đã nhập không khớp nhau" in result.output
    assert not ENGLISH.findall(result.output), result.output
