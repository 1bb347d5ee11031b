"""A spool directory of signed reports waiting to be sent; every step is an atomic rename,
so a crash or a full disk never loses a queued report and never half-queues one.

    outbox/pending/<report id>/   report.json, report.json.p7s, [report.pdf], attempts.json
    outbox/sent/<report id>/      … plus receipt.json
    outbox/rejected/<report id>/  … plus reason.json (the receiver refused it for good)
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.fileio import atomic_write
from auditor.report.outputs import PDF, REPORT, SIGNATURE

FILES = (REPORT, SIGNATURE)  # and the PDF, sent along once the commune has made it


@dataclass(frozen=True)
class Item:
    report_id: str
    path: Path

    @property
    def content(self) -> bytes:
        return (self.path / REPORT).read_bytes()

    @property
    def signature(self) -> bytes:
        return (self.path / SIGNATURE).read_bytes()

    @property
    def pdf(self) -> bytes | None:
        path = self.path / PDF
        return path.read_bytes() if path.is_file() and not path.is_symlink() else None

    def attempts(self) -> int:
        state = self.path / "attempts.json"
        return int(json.loads(state.read_text()).get("attempts", 0)) if state.exists() else 0


class Outbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        root.chmod(0o700)  # signed reports and receipts are the commune's own business
        for name in ("pending", "sent", "rejected"):
            (root / name).mkdir(exist_ok=True, mode=0o700)

    def enqueue(self, report_dir: Path, report_id: str) -> Item:
        """Copy the signed report in (with its PDF, if made); visible to the sender only
        once complete."""
        final = self.root / "pending" / report_id
        if final.exists() or (self.root / "sent" / report_id).exists():
            return Item(report_id, final)
        pdf = report_dir / PDF
        return self._stage(report_id, report_dir, pdf.read_bytes() if pdf.is_file() else None)

    def attach_pdf(self, report_dir: Path, report_id: str) -> bool:
        """Queue the signed PDF made (or countersigned) after its report was queued: into the
        copy still waiting, or, once the report was sent, as a new copy to send again (the
        receiver keeps the report and adds the PDF). False when there is nothing to do: the
        report was never queued (an experiment), or this very PDF was sent already."""
        pdf = (report_dir / PDF).read_bytes()
        waiting = self.root / "pending" / report_id
        if waiting.is_dir():
            atomic_write(waiting / PDF, pdf, mode=0o600)
            return True
        sent = self.root / "sent" / report_id
        if not sent.is_dir() or Item(report_id, sent).pdf == pdf:
            return False
        self._stage(report_id, sent, pdf)
        return True

    def _stage(self, report_id: str, source: Path, pdf: bytes | None) -> Item:
        """The report and signature of `source` (and `pdf`) into pending/, by one rename."""
        staging = self.root / "pending" / f".{report_id}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for name in FILES:
            atomic_write(staging / name, (source / name).read_bytes(), mode=0o600)
        if pdf is not None:
            atomic_write(staging / PDF, pdf, mode=0o600)
        final = self.root / "pending" / report_id
        os.replace(staging, final)
        return Item(report_id, final)

    def set_pdf_aside(self, item: Item, reason: str) -> None:
        """The receiver refused the PDF itself: send the report without it, keep the file."""
        os.replace(item.path / PDF, item.path / f"{PDF}.refused")
        atomic_write(item.path / "pdf-refused.json", json.dumps({"reason": reason}).encode(), 0o600)

    def pending(self) -> list[Item]:
        """Reports waiting; a copy of one already sent with the same bytes is dropped."""
        items = []
        for path in sorted((self.root / "pending").iterdir()):
            if not path.is_dir() or path.is_symlink() or path.name.startswith("."):
                continue
            done = self.root / "sent" / path.name
            if done.is_dir() and _same_files(path, done):
                shutil.rmtree(path)
                continue
            items.append(Item(path.name, path))
        return items

    def sent(self) -> list[Item]:
        return [Item(p.name, p) for p in sorted((self.root / "sent").iterdir()) if p.is_dir()]

    def record_attempt(self, item: Item, error: str) -> None:
        atomic_write(
            item.path / "attempts.json",
            json.dumps({"attempts": item.attempts() + 1, "last_error": error}).encode(),
            mode=0o600,
        )

    def mark_sent(self, item: Item, receipt: dict[str, Any]) -> None:
        atomic_write(
            item.path / "receipt.json",
            json.dumps(receipt, ensure_ascii=False, sort_keys=True).encode(),
            mode=0o600,
        )
        target = self.root / "sent" / item.report_id
        if target.exists():  # an older copy: the receipt just checked is the one that counts
            shutil.rmtree(target)
        os.replace(item.path, target)

    def mark_rejected(self, item: Item, reason: str) -> None:
        atomic_write(item.path / "reason.json", json.dumps({"reason": reason}).encode(), mode=0o600)
        target = self.root / "rejected" / item.report_id
        if target.exists():
            shutil.rmtree(target)
        os.replace(item.path, target)


def _same_files(a: Path, b: Path) -> bool:
    """The same report, signature and PDF (or no PDF on either side)."""
    return (
        all(
            (b / name).is_file() and (a / name).read_bytes() == (b / name).read_bytes()
            for name in FILES
        )
        and Item(a.name, a).pdf == Item(b.name, b).pdf
    )
