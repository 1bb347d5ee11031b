"""Editable .docx drafts of the documents a commune must issue, in NĐ 30/2020 form.

Each document is data (`<name>.yaml` beside this module): its kind, trích yếu, căn cứ in
force, body and who signs, with the sources and doubts of whoever wrote it. The writer
fills in the commune, its officer, its systems and today's date and lays the page out as
Phụ lục I of NĐ 30 asks: A4, Times New Roman, the two-column header, the signature on the
right and Nơi nhận on the left. Blanks ("……") stay for what only the commune knows.
Nothing here is signed: these are drafts to edit, then issue.
"""

from __future__ import annotations

import io
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Mm, Pt
from pydantic import BaseModel, ConfigDict, Field

from auditor.cards import TEMPLATES
from auditor.fileio import atomic_write, safe_dir
from auditor.inventory import Inventory
from auditor.yamlfile import load_shipped

_FONT = "Times New Roman"
_CENTER, _LEFT, _JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


class _Data(BaseModel):
    # the files also carry their sources, notes and doubts for reviewers: not printed
    model_config = ConfigDict(frozen=True, extra="ignore")


class Section(_Data):
    heading: str | None = None
    paragraphs: list[str] = Field(default_factory=list)


class Basis(_Data):
    text: str
    optional: bool = False


class Form(_Data):
    symbol: str | None = None
    place_date: bool = True
    header: str | None = None  # "national_only": a personal paper (no issuer, no number)
    preamble: bool = True  # False: the căn cứ are cited in the body (a biên bản, a cam kết)


class Power(_Data):
    """Whose power the document is issued under: the line printed under the trích yếu and
    the signature lines for the chairman or a vice-chairman signing for him."""

    line: str | None = None
    authority_line: str | None = None
    upper: bool = False
    signature: dict[str, list[str]] = Field(default_factory=dict)
    symbol: str | None = None


class Signer(_Data):
    title: str
    hint: str = ""
    name: str = "……"


class Attachment(_Data):
    heading: str
    abstract: str | None = None
    subtitle: str | None = None
    sections: list[Section] = Field(default_factory=list)
    appendices: list[Section] = Field(default_factory=list)


class Template(_Data):
    name: str
    heading: str = Field(min_length=1)  # tên loại as printed: QUYẾT ĐỊNH, KẾ HOẠCH, …
    abstract: str = Field(min_length=1)
    form: Form = Form()
    to: str | None = None
    authority: dict[str, Any] = Field(default_factory=dict)
    approver: dict[str, Any] = Field(default_factory=dict)
    can_cu: list[Basis] = Field(default_factory=list)
    proposal: str | None = None
    decides: str | None = None
    intro: str | None = None
    sections: list[Section] = Field(min_length=1)
    appendices: list[Section] = Field(default_factory=list)
    closing_place_date: str | None = None
    signatures: dict[str, Any] = Field(default_factory=dict)
    recipients: list[str] = Field(default_factory=list)
    archive: str | None = None
    attachment: Attachment | None = None
    dossier: Attachment | None = None

    def power(self) -> Power | None:
        """The chosen power: `authority` (head or collective) or, for an approval decision,
        the chosen `approver`."""
        for choices in (self.authority, self.approver):
            chosen = choices.get(choices.get("default", ""))
            if isinstance(chosen, dict):
                return Power.model_validate(chosen)
        return None


def load_template(name: str) -> Template:
    text = files(__package__ or "auditor.templates").joinpath(f"{name}.yaml").read_text("utf-8")
    return Template.model_validate(load_shipped(text) | {"name": name})


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Writer:
    """One document being written: the values to fill in and the python-docx object."""

    def __init__(self, inventory: Inventory, today: date) -> None:
        org = inventory.organisation
        signatory = org.documents.signatory
        self.position = signatory.position if signatory else "chairman"
        self.systems = [
            f"- {s.name} (cấp độ {s.level})" if s.level else f"- {s.name}"
            for s in inventory.systems
        ] or ["- ……"]
        self.place_date = (
            f"{org.place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}"
        )
        self.values = _Keep(
            organisation=org.name,
            commune=org.commune,
            province=org.province,
            officer=org.security_officer.name,
            officer_title=org.security_officer.title or "……",
            chairman=signatory.name if signatory else "……",
            date=today.strftime("%d/%m/%Y"),
            year=str(today.year),
        )
        self.doc = Document()
        page = self.doc.sections[0]
        page.page_width, page.page_height = Mm(210), Mm(297)
        page.top_margin, page.bottom_margin = Mm(20), Mm(20)
        page.left_margin, page.right_margin = Mm(30), Mm(15)
        self.doc.styles["Normal"].font.name = _FONT
        self.doc.styles["Normal"].font.size = Pt(14)

    def page_break(self) -> None:
        self.doc.add_page_break()  # type: ignore[no-untyped-call]  # python-docx is untyped

    def fill(self, text: str, upper: bool = False) -> str:
        filled = text.format_map(self.values)
        return filled.upper() if upper else filled

    def line(
        self, container: Any, text: str, align: Any = _JUSTIFY, size: float = 14, **style: Any
    ) -> None:
        paragraphs = container.paragraphs
        use_first = len(paragraphs) == 1 and not paragraphs[0].text and container is not self.doc
        paragraph = paragraphs[0] if use_first else container.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_after = Pt(6 if container is self.doc else 0)
        if align == _JUSTIFY and container is self.doc:
            paragraph.paragraph_format.first_line_indent = Cm(1.27)
        run = paragraph.add_run(self.fill(text, style.pop("upper", False)))
        run.font.name, run.font.size = _FONT, Pt(size)
        run.bold, run.italic = style.get("bold", False), style.get("italic", False)

    def header(self, template: Template) -> None:
        """Ô 1–4: issuer and number on the left, Quốc hiệu, Tiêu ngữ and date on the right."""
        if template.form.header == "national_only":
            self.line(self.doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", _CENTER, 12, bold=True)
            self.line(self.doc, "Độc lập - Tự do - Hạnh phúc", _CENTER, 13, bold=True)
            return
        left, right = self.doc.add_table(rows=1, cols=2).rows[0].cells
        left.width, right.width = Cm(6.5), Cm(9.5)
        power = template.power()
        symbol = (power.symbol if power else None) or template.form.symbol
        self.line(left, "ỦY BAN NHÂN DÂN", _CENTER, 13)
        self.line(left, "{commune}", _CENTER, 13, bold=True, upper=True)
        if symbol:
            self.line(left, f"Số: ……/{symbol}", _CENTER, 13)
        self.line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", _CENTER, 12, bold=True)
        self.line(right, "Độc lập - Tự do - Hạnh phúc", _CENTER, 13, bold=True)
        if template.form.place_date:
            self.line(right, self.place_date, _CENTER, 13, italic=True)

    def sections(self, sections: list[Section]) -> None:
        for section in sections:
            if section.heading:
                for part in section.heading.split("\n"):
                    self.line(self.doc, part, _LEFT, bold=True)
            for text in section.paragraphs:
                if text.strip() == "{systems}":
                    for system in self.systems:
                        self.line(self.doc, system)
                else:
                    self.line(self.doc, text)

    def opening(self, template: Template) -> None:
        self.line(self.doc, template.heading, _CENTER, bold=True)
        self.line(self.doc, template.abstract, _CENTER, bold=True)
        if template.to:
            self.line(self.doc, template.to, _CENTER)
        power = template.power()
        printed = template.authority.get("printed_line", True)
        if power is not None and printed and (power.line or power.authority_line):
            self.line(
                self.doc,
                power.line or power.authority_line or "",
                _CENTER,
                bold=True,
                upper=power.upper,
            )
        bases = [b for b in template.can_cu if not b.optional]
        for i, basis in enumerate(bases if template.form.preamble else []):
            last = i == len(bases) - 1 and not template.proposal
            self.line(self.doc, f"Căn cứ {basis.text}{'.' if last else ';'}", italic=True)
        if template.proposal:
            self.line(self.doc, template.proposal, italic=True)
        if template.decides:
            self.line(self.doc, template.decides, _CENTER, bold=True)
        if template.intro:
            self.line(self.doc, template.intro)

    def signature(self, template: Template) -> None:
        """Nơi nhận on the left, level with the signer on the right (ô 7, 9b); a biên bản
        or a cam kết has its two signers side by side instead."""
        if template.closing_place_date:
            self.line(self.doc, template.closing_place_date, WD_ALIGN_PARAGRAPH.RIGHT, italic=True)
        left, right = self.doc.add_table(rows=1, cols=2).rows[0].cells
        if template.signatures:
            for cell, side in ((left, "left"), (right, "right")):
                if side in template.signatures:
                    self.signer(cell, Signer.model_validate(template.signatures[side]))
            return
        if template.recipients or template.archive:
            self.line(left, "Nơi nhận:", _LEFT, 12, bold=True, italic=True)
            for recipient in template.recipients:
                self.line(left, f"- {recipient}", _LEFT, 11)
            if template.archive:
                self.line(left, f"- Lưu: {template.archive}.", _LEFT, 11)
        power = template.power()
        lines = (power.signature.get(self.position) if power else None) or ["CHỦ TỊCH"]
        for text in lines:
            self.line(right, text, _CENTER, bold=True)
        for _ in range(3):
            self.line(right, "", _CENTER)
        self.line(right, "{chairman}", _CENTER, bold=True)

    def signer(self, cell: Any, signer: Signer) -> None:
        self.line(cell, signer.title, _CENTER, bold=True)
        if signer.hint:
            self.line(cell, signer.hint, _CENTER, 12, italic=True)
        for _ in range(3):
            self.line(cell, "", _CENTER)
        self.line(cell, signer.name, _CENTER, bold=True)

    def attached(self, part: Attachment) -> None:
        self.page_break()
        for text in part.heading.split("\n"):
            self.line(self.doc, text, _CENTER, bold=True)
        if part.abstract:
            self.line(self.doc, part.abstract, _CENTER, bold=True)
        if part.subtitle:
            self.line(self.doc, part.subtitle, _CENTER, italic=True)
        self.sections(part.sections)
        for appendix in part.appendices:
            self.page_break()
            self.sections([appendix])


def render(template: Template, inventory: Inventory, today: date) -> bytes:
    """The document as .docx bytes."""
    writer = _Writer(inventory, today)
    writer.header(template)
    writer.opening(template)
    writer.sections(template.sections)
    writer.signature(template)
    for appendix in template.appendices:
        writer.page_break()
        writer.sections([appendix])
    for part in (template.attachment, template.dossier):
        if part is not None:
            writer.attached(part)
    core = writer.doc.core_properties
    core.title = writer.fill(f"{template.heading} {template.abstract}")
    core.author = inventory.organisation.name
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return buffer.getvalue()


def write_templates(
    inventory: Inventory, out_dir: Path, today: date | None = None
) -> tuple[list[Path], list[Path]]:
    """Write every template not already in `out_dir` (an edited draft is never
    overwritten); return what was written and what was kept."""
    safe_dir(out_dir)
    written, kept = [], []
    for name in TEMPLATES:
        path = out_dir / f"{name}.docx"
        if path.exists() or path.is_symlink():
            kept.append(path)
            continue
        atomic_write(path, render(load_template(name), inventory, today or date.today()))
        written.append(path)
    return written, kept
