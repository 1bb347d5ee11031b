"""An incident's notice or report as an official document (NĐ 30/2020, Phụ lục I): the
fields the forms of the text in force on the incident's day ask for (TT 20/2017 Điều 9 and
Mẫu 03/04 before 01/07/2026; NĐ 331's initial notice and 72-hour report after), filled from
the register and the inventory. A field the register does not hold yet is left as a dotted
line for the officer, and the console names it, so nothing is invented.

The PDF is bound to a record of the incident as rendered (its JSON beside it, whose sha256
the certified metadata carries), as a report's PDF is bound to its report.json."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from auditor.incidents import Incident, SentKind, deadlines
from auditor.inventory import Inventory
from auditor.messages.catalogue import Messages
from auditor.report.fonts import document_font
from auditor.report.html import environment, load_resource
from auditor.report.official import dmy, letterhead, vn_date, vn_time
from auditor.report.pdf import css_string

BLANK = "……………………"
# the document type of each kind in its number's symbol (NĐ 30, Phụ lục III)
SYMBOL_KIND = {"notice": "TB", "report": "BC", "final": "BC"}


@dataclass(frozen=True)
class FormLine:
    label: str
    value: str  # BLANK when the register does not know it

    @property
    def missing(self) -> bool:
        return self.value == BLANK


def record_bytes(
    inventory: Inventory, incident: Incident, kind: SentKind, made: dt.datetime
) -> bytes:
    """The incident as the document states it: what the PDF is bound to."""
    record = {
        "organisation": inventory.organisation.name,
        "kind": kind,
        "made_at": made.isoformat(),
        "incident": incident.model_dump(mode="json"),
    }
    return json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode()


def _when(moment: dt.datetime | None) -> str:
    return f"{vn_time(moment):%H:%M} {dmy(moment)}" if moment else BLANK


def _where(inventory: Inventory, incident: Incident) -> str:
    """The system and the asset concerned, by name, the asset with its address."""
    system = next((s for s in inventory.systems if s.id == incident.system), None)
    asset = next((a for a in inventory.assets if a.id == incident.asset_id), None)
    parts = [system.name if system else incident.system]
    if asset is not None:
        parts.append(f"{asset.name} ({asset.address})" if asset.address else asset.name)
    else:
        parts.append(incident.asset_id)
    return "; ".join(p for p in parts if p)


def form_lines(
    inventory: Inventory, incident: Incident, kind: SentKind, t: Messages
) -> list[FormLine]:
    """The form's fields in its order, each with what the register and inventory say."""
    org = inventory.organisation
    system = next((s for s in inventory.systems if s.id == incident.system), None)
    officer = org.security_officer
    details = incident.details

    def line(key: str, value: str | None) -> FormLine:
        text = value.strip() if value else ""
        return FormLine(t(f"incident_doc.field.{key}"), text or BLANK)

    sent_before = [
        t(
            "incident_doc.sent_line",
            what=t(f"incident.sent_kind.{s.kind}").capitalize(),
            to=s.to,
            at=_when(s.at),
            number=s.reference or BLANK,
        )
        for s in incident.sent
    ]
    updates = [f"{dmy(e.at)}: {e.detail}" for e in incident.history if e.kind == "update"]
    what = f"{t('incident.kind.' + incident.kind)} — {t('incident.severity.' + incident.severity)}"
    lines = [
        line("reporter", org.name),
        line("contact", ", ".join(x for x in (officer.name, officer.phone, officer.email) if x)),
        line("system", _where(inventory, incident)),
        line("level", t("incident_doc.level_value", level=system.level) if system else None),
        line("owner", (system.owner if system else None) or org.name),
        line("operator", system.operator if system else None),
        line("kind", what),
        line("detected_at", _when(incident.detected_at)),
        line("detection_method", details.get("detection_method")),
        line("description", incident.description),
        line("affected", details.get("affected")),
    ]
    if kind in ("report", "final"):
        lines.append(line("cause", details.get("cause")))
    lines.append(line("actions", "\n".join([incident.actions, *updates])))
    if kind == "final":
        lines.append(line("closed_at", _when(incident.closed_at) if incident.closed_at else None))
        lines.append(line("result", incident.result))
    else:
        state = "closed" if incident.closed_at else "open"
        lines.append(line("status", t(f"incident_doc.status_{state}")))
    lines.append(line("sent_before", "\n".join(sent_before)))
    lines.append(line("requests", details.get("requests")))
    return lines


def incident_context(
    inventory: Inventory,
    incident: Incident,
    kind: SentKind,
    lang: str,
    *,
    made: dt.datetime,
    number: str | None,
    addressee: str | None,
    record_sha256: str,
) -> dict[str, Any]:
    """What incident.html.j2 needs: the letterhead dated `made`, the title the text in force
    gives this kind of document, the addressee and the form's lines."""
    t = Messages(lang)
    org = inventory.organisation
    rule, owed = deadlines(incident)
    regime = rule.id if rule else "none"
    symbol = SYMBOL_KIND[kind] + "-" + org.documents.symbol.split("-", 1)[-1]
    due = next((d for d in owed if d.kind == kind), None)
    basis = (rule.basis.vi if lang == "vi" else rule.basis.en) if rule else None
    previous = next((s for s in reversed(incident.sent) if s.kind != kind), None)
    return {
        "t": t,
        "lang": lang,
        "kind": kind,
        "letter": letterhead(org, t, number=number, day=vn_date(made), citations=[], symbol=symbol),
        "doc_kind": t(f"incident_doc.kind.{kind}"),
        "abstract": t(f"incident_doc.abstract.{kind}.{regime}"),
        "opening": t("incident_doc.opening", basis=basis) if basis else "",
        "due": t("incident_doc.due", date=_when(due.due)) if due else "",
        "addressee": addressee or (previous.to if previous else None) or org.documents.addressee,
        "blank": BLANK,
        "lines": form_lines(inventory, incident, kind, t),
        "org": org,
        "fonts": Markup(document_font().css()),  # file URIs we chose, not input
        "css": Markup(load_resource("report-pdf.css") or ""),  # package data, not input
        "binding_css": css_string(t("incident_doc.binding", id=incident.id, sha256=record_sha256)),
    }


def render_incident_html(context: dict[str, Any]) -> str:
    return environment().get_template("incident.html.j2").render(**context)


def record_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
