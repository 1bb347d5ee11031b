"""click's own strings (usage, errors, prompts) in Vietnamese, the way click supports: it
marks every string it prints for `gettext`, so a compiled catalogue of our text domain,
bound with `gettext.bindtextdomain`, translates them without touching click's code.

The catalogue is written from `click.vi.yaml` by `python -m auditor.cli.click_catalogue`
(which finds click's plural pairs in the installed click's own source) and kept in the
package (`locale/vi/LC_MESSAGES/auditor-click.mo`). `tests/test_help.py` fails when the .mo,
the YAML and the installed click part ways (a click upgrade that adds or changes a string).
"""

from __future__ import annotations

import struct
from importlib.resources import files
from pathlib import Path

from auditor.yamlfile import load_shipped

DOMAIN = "auditor-click"
HEADER = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"


def locale_dir() -> Path:
    return Path(str(files("auditor.messages").joinpath("locale")))


def table() -> dict[str, str]:
    """click's msgids (and its placeholder words) → Vietnamese, from click.vi.yaml."""
    text = files("auditor.messages").joinpath("click.vi.yaml").read_text(encoding="utf-8")
    data = load_shipped(text)
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def compile_mo(words: dict[str, str], pairs: list[tuple[str, str]]) -> bytes:
    """A GNU .mo file (the format `gettext.GNUTranslations` reads): the header, each word,
    and each plural pair as one entry "singular NUL plural" → "one NUL other"."""
    entries = {"": HEADER}
    entries |= {msgid: text for msgid, text in words.items() if msgid}
    for singular, plural in pairs:
        if singular in words and plural in words:
            entries[f"{singular}\0{plural}"] = f"{words[singular]}\0{words[plural]}"
    keys = sorted(entries, key=lambda k: k.encode("utf-8"))
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    count = len(keys)
    start = 7 * 4 + 16 * count  # header, then the two tables of (length, offset)
    originals, translations, blob = [], [], b""
    for text in ids:
        originals.append((len(text), start + len(blob)))
        blob += text + b"\0"
    for text in strs:
        translations.append((len(text), start + len(blob)))
        blob += text + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, 0)
    tables = b"".join(struct.pack("<2I", *pair) for pair in originals + translations)
    return head + tables + blob


def catalogue_path(lang: str = "vi") -> Path:
    return locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
