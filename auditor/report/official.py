"""What turns a rendered report into an administrative document (NĐ 30/2020/NĐ-CP, Phụ lục
I): the issuing body lines, "Số: 05/BC-UBND", the place-and-date line, the legal bases, the
signature block of the competent person, "Nơi nhận" and the drafter's mark (ô 12).

Everything comes from the inventory (`organisation.documents`), the policy pack (citations)
and the message catalogue; times are shown in Vietnam time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from auditor.inventory import Organisation
from auditor.messages.catalogue import Messages

VIETNAM = timezone(timedelta(hours=7))
_NUMBER = re.compile(r"^(?P<n>\d{1,6})(?:/(?P<symbol>[A-ZĐ0-9]{1,10}(?:-[A-ZĐ0-9]{1,10}){0,3}))?$")


def vn_time(moment: datetime) -> datetime:
    """The moment on Vietnamese clocks (UTC+07:00), whatever zone it was stored in."""
    return moment.astimezone(VIETNAM)


def vn_date(moment: datetime) -> date:
    """The document date: the local date, not the UTC one (07:00 on the 1st is still the 1st)."""
    return vn_time(moment).date()


def stamp_time(lang: str, moment: datetime) -> str:
    """A signing time as a signature's appearance shows it: '06/12/2026 18:37:38 (+07:00)'
    in Vietnamese text, ISO 8601 with the offset in English."""
    local = vn_time(moment).replace(microsecond=0)
    if lang == "vi":
        return local.strftime("%d/%m/%Y %H:%M:%S (+07:00)")
    return local.isoformat(sep=" ")


def document_number(number: str | None, symbol: str) -> str:
    """'5' → '05/BC-UBND'; '12/BC-UBND' as given; none → '     /BC-UBND' for the clerk to
    fill in when the document is registered (numbers are given out by the văn thư)."""
    if number is None:
        return f"\u2003\u2003/{symbol}"
    match = _NUMBER.match(number.strip())
    if match is None:
        raise ValueError(number)
    return f"{int(match['n']):02d}/{match['symbol'] or symbol}"


def place_date(t: Messages, place: str, day: date) -> str:
    """'Mường La, ngày 05 tháng 02 năm 2026': days 1–9 and months 1–2 take a leading 0."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return t("doc.place_date", place=place, day=f"{day.day:02d}", month=month, year=day.year)


def dmy(day: date | datetime | None) -> str:
    """dd/mm/yyyy, the only date format of the official text; a datetime in Vietnam time."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = vn_date(day)
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Letterhead:
    """The parts of the document that are not the report's body."""

    parent: str | None
    issuer: list[str]
    number: str
    place_date: str
    citations: list[str]
    authority: list[str]  # "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"
    signatory: str
    number_only: str  # "05/BC-UBND" as ô 3 shows it, for "Kèm theo Báo cáo số …"
    date_text: str  # the document's date, dd/mm/yyyy
    recipients: list[str]  # "- …;" lines, the last "- Lưu: VT, …."
    drafter: str | None  # ô 12, e.g. "VHXH.An(02)", under the Lưu line


def letterhead(
    org: Organisation,
    t: Messages,
    *,
    number: str | None,
    day: date,
    citations: list[str],
    symbol: str | None = None,
) -> Letterhead:
    """The parts every document shares; `symbol` a công văn's own (documents.letter_symbol)
    in place of the báo cáo's."""
    documents = org.documents
    symbol = symbol or documents.symbol
    position = documents.signatory.position if documents.signatory else "chairman"
    authority = [t("doc.on_behalf")] + (
        [t("doc.for_chairman"), t("doc.vice_chairman")]
        if position == "vice_chairman"
        else [t("doc.chairman")]
    )
    recipients = [f"- {name};" for name in documents.recipients]
    recipients.append(f"- {t('doc.archive', units=documents.archive)}.")
    bases = [t("doc.citation", text=text) for text in citations]
    return Letterhead(
        parent=documents.parent_body.upper() if documents.parent_body else None,
        issuer=[t("doc.collective"), *org.issuer_lines],
        number=t("doc.number", number=document_number(number, symbol)),
        place_date=place_date(t, org.place, day),
        citations=[line + (";" if i < len(bases) - 1 else ".") for i, line in enumerate(bases)],
        authority=authority,
        signatory=documents.signatory.name if documents.signatory else "",
        number_only=document_number(number, symbol),
        date_text=dmy(day),
        recipients=recipients,
        drafter=documents.drafter,
    )
