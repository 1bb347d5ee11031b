"""`--help` of every command in Vietnamese and in English, click's own words included, and
a Vietnamese text for every command and option (a new option without one fails here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib.resources import files

import click
import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import main

VI = yaml.safe_load(files("auditor.messages").joinpath("help.vi.yaml").read_text("utf-8"))


def commands(
    command: click.Command = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, (*path, name))


def key(path: tuple[str, ...]) -> str:
    return " ".join(path) or "auditor"


def words(text: str, count: int = 6) -> str:
    """The first words of a help text as click prints them (rewrapped, markers dropped)."""
    plain = " ".join(line for line in text.splitlines() if line.strip() != "\b")
    return " ".join(plain.split()[:count])


def shown(output: str) -> str:
    return " ".join(output.split())


ALL = list(commands())
# an option's placeholder as click names its type, and its bracketed marks
ENGLISH_MARKS = re.compile(
    r"\[OPTIONS\]|\[required\]|default: |--[a-z-]+ (PATH|FILE|DIRECTORY|TEXT|INTEGER|FLOAT)\b"
)


def test_every_command_and_option_has_a_vietnamese_help() -> None:
    for path, command in ALL:
        entry = VI.get(key(path))
        assert entry and entry.get("_"), key(path)
        options = {p.name for p in command.params if isinstance(p, click.Option) and p.help}
        assert options <= set(entry), (key(path), options - set(entry))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_help_of_every_command_in_the_chosen_language(lang: str) -> None:
    runner = CliRunner()
    for path, command in ALL:
        result = runner.invoke(main, ["--lang", lang, *path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        out = shown(result.output)
        entry = VI[key(path)]
        english = {p.name: p.help for p in command.params if isinstance(p, click.Option)}
        if lang == "vi":
            assert out.startswith("Cách dùng:"), (path, out[:80])
            assert words(entry["_"]) in out, (path, entry["_"])
            for name, text in entry.items():
                if name != "_" and english.get(name):
                    assert words(text, 4) in out, (path, name)
            assert "Show this message and exit." not in out
            # click's own placeholders and marks, in the language too
            assert not ENGLISH_MARKS.search(out), (path, ENGLISH_MARKS.search(out))
            for argument in (p for p in command.params if isinstance(p, click.Argument)):
                english_name = (argument.name or "").upper()
                if not english_name.isidentifier() or argument.type.name == "choice":
                    continue
                assert not re.search(rf"\b{english_name}\b", out), (path, english_name)
        else:
            assert out.startswith("Usage:")
            assert "[OPTIONS]" in out and "ĐƯỜNG_DẪN" not in out and "bắt buộc" not in out
            assert words(command.help or "") in out, path
            assert "Hiện hướng dẫn" not in out


def test_clicks_own_errors_in_vietnamese() -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["--lang", "vi", "audit"])
    assert missing.exit_code == 2
    assert "Missing option" not in missing.output and "Lỗi" in missing.output
    assert "'-i'" in missing.output or "--inventory" in missing.output
    unknown = runner.invoke(main, ["--lang", "vi", "audit", "--pdff"])
    assert "No such option" not in unknown.output and "--pdf" in unknown.output  # suggestion
    english = runner.invoke(main, ["--lang", "en", "audit"])
    assert "Missing option" in english.output
    assert re.search(r"Try '.*--help' for help", english.output)


def test_clicks_strings_come_through_gettext_not_patched_modules() -> None:
    """click's own strings are found by click's own `gettext` calls in our compiled
    catalogue: the one in the package is what click.vi.yaml and the installed click make
    (a click upgrade that adds or changes a string fails here, not silently in English),
    every string click marks has a Vietnamese text, and click's modules are untouched."""
    import gettext

    import click.core
    import click.exceptions

    from auditor.cli.click_catalogue import click_strings
    from auditor.cli.i18n import install
    from auditor.messages.mo import catalogue_path, compile_mo, table

    singles, pairs = click_strings()
    words = table()
    assert catalogue_path().read_bytes() == compile_mo(words, pairs), (
        "run: python -m auditor.cli.click_catalogue"
    )
    marked = singles | {text for pair in pairs for text in pair}
    assert marked - set(words) == set(), "click strings without a Vietnamese text"
    install("vi")
    assert click.core._ is gettext.gettext and click.exceptions.ngettext is gettext.ngettext
    assert gettext.gettext("Missing option") == "Thiếu tùy chọn"
    assert gettext.ngettext(*pairs[0], 1) == words[pairs[0][0]]
    install("en")
    assert gettext.gettext("Missing option") == "Missing option"
