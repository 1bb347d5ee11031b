"""Both catalogues hold the same keys, every code the code emits exists, and the
Vietnamese text really is Vietnamese."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.messages.catalogue import Messages, catalogue

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(
    r'"((?:input|inventory|policy|collect|ssh|nmap|outcome|keys|verify|hosts|cli)'
    r'\.[a-z_0-9]+)"'
)


def test_same_keys_in_both_languages() -> None:
    assert set(catalogue("vi")) == set(catalogue("en"))


def test_every_code_used_in_source_is_catalogued() -> None:
    used = set()
    for path in [*ROOT.joinpath("auditor").rglob("*.py"), *ROOT.joinpath("checks").rglob("*.py")]:
        used |= set(CODE.findall(path.read_text(encoding="utf-8")))
    used = {code for code in used if not code.endswith((".xml", ".txt", ".yaml"))}  # file names
    known = Messages("vi")  # a text with plural forms is known by its key
    missing = sorted(code for code in used if code not in catalogue("vi") and not known.has(code))
    assert not missing
    assert len(used) > 40


def test_vietnamese_has_diacritics_and_formats() -> None:
    t = Messages("vi")
    assert t("status.not_met") == "Không đạt"
    assert t("input.unknown_key_suggest", suggestion="address").endswith("'address'?")
    diacritic = re.compile(
        r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.I
    )
    texts = [v for k, v in catalogue("vi").items() if not k.startswith("check.")]
    with_marks = sum(1 for v in texts if diacritic.search(v))
    assert with_marks / len(texts) > 0.9


def test_every_check_says_what_a_pass_proves_and_does_not_in_both_languages() -> None:
    """The methodology appendix's lines, and the docstring that states the same in English."""
    from auditor.checking import discover

    registry = discover()
    for lang in ("vi", "en"):
        strings = catalogue(lang)
        for check_id in registry.ids():
            for part in ("pass", "not"):
                assert strings.get(f"proves.{check_id}.{part}"), (lang, check_id, part)
    for check_id in registry.ids():
        doc = " ".join((registry[check_id].func.__doc__ or "").split())
        english = catalogue("en")[f"proves.{check_id}.pass"]
        assert doc.startswith(f"Pass proves: {english}."), check_id
        assert "Does not prove:" in doc, check_id


def test_every_named_fact_of_a_check_has_vietnamese_words() -> None:
    """A check saying what it could not judge (`what="…"`) is read in Vietnamese: every
    literal it names has a `value.*` entry, so no English reaches a Vietnamese report."""
    import re
    from pathlib import Path

    import yaml

    checks = Path(__file__).resolve().parents[1] / "checks"
    named = {
        m.group(1)
        for path in checks.glob("*.py")
        for m in re.finditer(r'what="([^"]+)"', path.read_text(encoding="utf-8"))
    }
    root = Path(__file__).resolve().parents[1] / "auditor" / "messages"
    words = yaml.safe_load((root / "vi.yaml").read_text(encoding="utf-8"))["value"]
    assert named and not sorted(named - set(words))


def test_english_counts_take_their_plural_form() -> None:
    """'1 requirement has …', '2 requirements have …' (never '1 requirements have'); the
    Vietnamese text has one form for every number."""
    from auditor.messages.catalogue import Messages

    en, vi = Messages("en"), Messages("vi")
    assert en("cli.waived", count=1, ids="A").startswith("1 requirement has an accepted risk")
    assert en("cli.waived", count=2, ids="A, B").startswith("2 requirements have")
    assert en("cli.collection_errors", count=1, assets="pc1") == (
        "1 asset could not be collected: pc1"
    )
    assert en("cli.error_count", count=3, file="x.yaml") == "3 problems in x.yaml:"
    assert vi("cli.error_count", count=1, file="x.yaml") == "1 lỗi trong x.yaml:"
    assert en.has("cli.waived") and not en.has("cli.no_such_text")
