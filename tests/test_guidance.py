"""`auditor checks list|show` print the cards; `auditor templates` writes the documents a
commune must issue as .docx that python-docx opens, with the commune's own names inside."""

from __future__ import annotations

import json
from pathlib import Path

import docx

from auditor.cards import TEMPLATES, check_cards, requirement_cards
from tests.helpers import ORG, auditor_cli

ROOT = Path(__file__).resolve().parents[1]


def test_checks_list_json_names_every_check_and_its_files(tmp_path: Path) -> None:
    listed = auditor_cli("checks", "list", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["id"] for r in rows] == sorted(check_cards())
    for row in rows:
        family = row["id"].split(".")[0]
        assert row["code"] == f"checks/{family}.py" and (ROOT / row["code"]).is_file()
        assert row["card"] == f"checks/{row['id']}.yaml" and (ROOT / row["card"]).is_file()
        assert row["platforms"]


def test_checks_show_prints_a_card_in_each_language(tmp_path: Path) -> None:
    shown = auditor_cli("checks", "show", "pwd.min_length", home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Độ dài mật khẩu tối thiểu" in shown.stdout
    assert "net accounts /minpwlen:" in shown.stdout  # the Windows command
    assert "https://" in shown.stdout  # its vendor source
    english = auditor_cli("--lang", "en", "checks", "show", "net.wps", home=tmp_path)
    assert "RouterOS" in english.stdout and "Why" in english.stdout
    unknown = auditor_cli("checks", "show", "pwd.min_lenght", home=tmp_path)
    assert unknown.returncode == 2
    assert "pwd.min_lenght" in unknown.stderr and "Traceback" not in unknown.stderr


def test_templates_writes_seven_documents_with_the_commune_inside(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        ORG.replace(
            "  name: UBND xã Thử",
            "  name: UBND xã Thử\n  documents: {signatory: {name: Lò Văn Bình}}",
        )
        + "systems:\n  - {id: lan, name: Mạng nội bộ xã Thử, level: 2}\n"
        + "assets:\n  - {id: pc1, name: Máy văn thư, kind: windows, connection: import,"
        + " systems: [lan]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "docs"
    made = auditor_cli("templates", "-i", str(inventory), "-o", str(out), home=tmp_path)
    assert made.returncode == 0, made.stderr
    files = sorted(out.glob("*.docx"))
    assert [f.stem for f in files] == sorted(TEMPLATES) and len(files) >= 7
    for path in files:
        document = docx.Document(str(path))
        text = "\n".join(p.text for p in document.paragraphs)
        cells = "\n".join(
            p.text for t in document.tables for c in t.rows[0].cells for p in c.paragraphs
        )
        assert "xã Thử" in text or "XÃ THỬ" in cells, path.name
        assert "{" not in text and "{" not in cells, path.name
        assert document.sections[0].left_margin.mm >= 30  # NĐ 30: left margin 30–35 mm
    decision = docx.Document(str(out / "quyet-dinh-phan-cong.docx"))
    body = "\n".join(p.text for p in decision.paragraphs)
    assert "Nguyễn Văn An" in body and "Mạng nội bộ xã Thử (cấp độ 2)" in body
    assert "Luật An ninh mạng số 116/2025/QH15" in body and "86/2015" not in body
    signature = "\n".join(p.text for c in decision.tables[-1].rows[0].cells for p in c.paragraphs)
    assert "Lò Văn Bình" in signature and "Nơi nhận:" in signature
    (out / "quy-che.docx").write_bytes(b"edited by the officer")
    again = auditor_cli("templates", "-i", str(inventory), "-o", str(out), home=tmp_path)
    assert again.returncode == 0 and (out / "quy-che.docx").read_bytes() == b"edited by the officer"


def test_every_template_a_card_names_exists() -> None:
    named = {c.template for c in requirement_cards().values() if c.template}
    assert named == set(TEMPLATES)
