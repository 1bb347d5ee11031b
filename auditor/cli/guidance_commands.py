"""Commands that teach: the check cards, and the document templates a commune must issue."""

from __future__ import annotations

import json
from pathlib import Path

import click

from auditor.cli.app import _fail, _input_errors, _lang, _t, main
from auditor.cli.console import echo


@main.group()
def checks() -> None:
    """The checks the tool runs: what each proves and how to fix a failure."""


@checks.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the cards as JSON.")
def checks_list(as_json: bool) -> None:
    """List every check: id, title, platforms and the files that hold it."""
    from auditor.cards import check_cards

    lang = _lang()
    cards = check_cards()
    if as_json:
        rows = [
            {
                "id": c.id,
                "title": c.title(lang),
                "platforms": c.platforms(),
                "code": c.code_file,
                "card": c.card_file,
            }
            for c in cards.values()
        ]
        echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    width = max(len(i) for i in cards)
    for card in cards.values():
        echo(f"{card.id:<{width}}  {card.title(lang)}  [{', '.join(card.platforms())}]")


@checks.command("show")
@click.argument("check_id", metavar="ID")
def checks_show(check_id: str) -> None:
    """Print one check's card: why, what a pass proves, how to fix on each platform."""
    from auditor.cards import check_cards

    t, lang = _t(), _lang()
    card = check_cards().get(check_id)
    if card is None:
        _fail(t("cards.unknown_check", id=check_id))
    echo(f"{card.id} — {card.title(lang)}")
    echo(f"  {t('cards.files')}: {card.code_file}, {card.card_file}")
    echo(f"  {t('cards.rationale')}: {card.rationale(lang)}")
    echo(f"  {t('report.proves')}: {card.proves(lang)}")
    echo(f"  {t('report.not_proves')}: {card.does_not_prove(lang)}")
    echo(f"  {t('report.how_to_fix')}:")
    for step in card.remediation:
        echo(f"    [{t('platform.' + step.platform)}] {step.text(lang)}")
        if step.where is not None:
            echo(f"      {t('cards.where')}: {step.where(lang)}")
        for line in (step.command or "").splitlines():
            echo(f"      $ {line}")
    echo(f"  {t('cards.sources')}:")
    for source in card.sources:
        echo(f"    - {source.title}: {source.url}")
    kinds = ", ".join(sorted({c.kind for c in card.cases}))
    echo(f"  {t('cards.cases', count=len(card.cases), kinds=kinds)}")


@main.command("templates")
@click.option(
    "-i",
    "--inventory",
    "inventory_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default="inventory.yaml",
    show_default=True,
    help="Inventory whose commune, officer and systems fill the documents.",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder for the .docx files (created if missing; existing files are kept).",
)
def templates(inventory_path: Path, out_dir: Path) -> None:
    """Write the documents a commune must issue as editable .docx in NĐ 30 form, filled with
    the commune's name, officer, systems and today's date."""
    from auditor.inventory import load_inventory
    from auditor.templates import write_templates

    t = _t()
    with _input_errors():
        inventory = load_inventory(inventory_path)
        written, kept = write_templates(inventory, out_dir)
    for path in written:
        echo(t("templates.written", path=str(path)))
    for path in kept:
        echo(t("templates.kept", path=str(path)))
