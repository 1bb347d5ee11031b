"""`--help` and click's own messages in the officer's language, through click's supported
extension points only.

The English texts stay in the code (decorators and docstrings); the Vietnamese ones live in
two catalogues beside the message catalogue: `help.vi.yaml` (command path → docstring and
option help), set on our own command and option objects when help is formatted (custom
Command/Group classes), and `click.vi.yaml` (click's msgids: "Usage:", "Missing option", …),
compiled to a gettext catalogue (`auditor/messages/mo.py`) that click's own `gettext` calls
find once `install()` has bound our text domain and chosen the language.
"""

from __future__ import annotations

import gettext
import os
import sys
from functools import cache
from importlib.resources import files
from typing import Any

import click

from auditor.messages.mo import DOMAIN, locale_dir
from auditor.yamlfile import load_shipped

LANG_ENV = "AUDITOR_LANG"


def chosen_language(args: list[str] | None = None) -> str:
    """The language of this run as the root group will parse it: `--lang X` or
    `--lang=X` before the command, else $AUDITOR_LANG, else Vietnamese."""
    argv = sys.argv[1:] if args is None else args
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1] if argv[index + 1] in ("vi", "en") else "vi"
        if arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
            return value if value in ("vi", "en") else "vi"
        if not arg.startswith("-"):
            break  # the command: later options are the command's own
    value = os.environ.get(LANG_ENV, "vi")
    return value if value in ("vi", "en") else "vi"


@cache
def _catalogue(name: str) -> dict[str, Any]:
    text = files("auditor.messages").joinpath(name).read_text(encoding="utf-8")
    data = load_shipped(text)
    return data if isinstance(data, dict) else {}


def install(lang: str) -> None:
    """Make click print its own strings (usage, errors) in `lang`: click asks `gettext` in
    the current text domain, which becomes ours, for the language $LANGUAGE names (the
    variable gettext reads first; tools we run with LC_ALL=C ignore it)."""
    gettext.bindtextdomain(DOMAIN, str(locale_dir()))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = lang


def _path(ctx: click.Context) -> str:
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names)) or "auditor"


_ENGLISH: dict[int, str | None] = {}  # id of a command or option → its help in the code


def _set(target: click.Command | click.Option, text: str | None) -> None:
    _ENGLISH.setdefault(id(target), target.help)
    target.help = text if text else _ENGLISH[id(target)]


_METAVARS: dict[int, str | None] = {}  # id of an option → the metavar given in the code


def _set_metavar(option: click.Option, words: dict[str, Any]) -> None:
    """An option's value placeholder (click prints its type: PATH, TEXT) in the language;
    a metavar the code chose stays. Arguments keep theirs: the help texts name them."""
    original = _METAVARS.setdefault(id(option), option.metavar)
    if original is not None or option.is_flag:
        return
    word = words.get(option.type.name.upper())
    option.metavar = word if isinstance(word, str) and option.nargs == 1 else None


def _set_argument_metavar(argument: click.Argument, words: dict[str, Any]) -> None:
    """An argument's placeholder (DIRECTORY, NAME) in the language; the help texts of that
    language name the argument by the same word. A list of choices stays as it is."""
    original = _METAVARS.setdefault(id(argument), argument.metavar)
    if original is not None or isinstance(argument.type, click.Choice):
        return
    word = words.get((argument.name or "").upper())
    if not isinstance(word, str):
        argument.metavar = None
        return
    word = word if argument.required else f"[{word}]"
    argument.metavar = word + ("..." if argument.nargs != 1 else "")


def translate_tree(command: click.Command, path: str, lang: str) -> None:
    """Put the `lang` help texts on `command`, its options and every subcommand (English:
    the texts in the code)."""
    entry = (_catalogue("help.vi.yaml").get(path) or {}) if lang == "vi" else {}
    words = _catalogue("click.vi.yaml") if lang == "vi" else {}
    _set(command, entry.get("_"))
    command.options_metavar = words.get("[OPTIONS]", "[OPTIONS]")
    if isinstance(command, click.Group):
        command.subcommand_metavar = words.get("COMMAND [ARGS]...", "COMMAND [ARGS]...")
    arguments = _catalogue("help.vi.yaml").get("_arguments", {}) if lang == "vi" else {}
    for param in command.params:
        if isinstance(param, click.Option):
            _set(param, entry.get(param.name or ""))
            _set_metavar(param, words)
        elif isinstance(param, click.Argument):
            _set_argument_metavar(param, arguments)
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            prefix = "" if path == "auditor" else path + " "
            translate_tree(sub, prefix + name, lang)


_RUN = {"lang": "vi"}  # the language `TranslatedGroup.main` chose for this run
_TYPE_NAMES: dict[int, str] = {}  # id of a click.Path → the name it was made with ("file")


def localise_types(command: click.Command, lang: str) -> None:
    """click names a path parameter ("file", "directory") when the decorator runs, before
    the language is known; name every one in `lang` (its errors say "Tệp 'x' không tồn
    tại", never "File 'x' …")."""
    table: dict[str, Any] = _catalogue("click.vi.yaml") if lang == "vi" else {}
    for param in command.params:
        if isinstance(param.type, click.Path):
            original = _TYPE_NAMES.setdefault(id(param.type), param.type.name)
            word = table.get(original, original)
            param.type.name = word if isinstance(word, str) else original
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            localise_types(sub, lang)


def _help_option(option: click.Option | None) -> click.Option | None:
    """click makes its --help option once per command, its text in the language of that
    moment: said again in the run's language."""
    if option is not None:
        option.help = gettext.gettext("Show this message and exit.")
    return option


class TranslatedCommand(click.Command):
    """A command whose help, and usage line under an error, are in the run's language."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _help_option(super().get_help_option(ctx))

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        translate_tree(self, _path(ctx), _RUN["lang"])
        super().format_help(ctx, formatter)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        translate_tree(self, _path(ctx), _RUN["lang"])
        super().format_usage(ctx, formatter)


class TranslatedGroup(click.Group):
    """A group whose help (and its subcommands' one-line summaries) follow the run's
    language, and whose `main` installs click's own strings in that language first."""

    command_class = TranslatedCommand
    group_class = type  # subgroups are TranslatedGroup too

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _help_option(super().get_help_option(ctx))

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        translate_tree(self, _path(ctx), _RUN["lang"])
        super().format_help(ctx, formatter)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        translate_tree(self, _path(ctx), _RUN["lang"])
        super().format_usage(ctx, formatter)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        given = kwargs.get("args", args[0] if args else None)
        _RUN["lang"] = chosen_language(list(given) if given is not None else None)
        install(_RUN["lang"])
        localise_types(self, _RUN["lang"])
        return super().main(*args, **kwargs)
