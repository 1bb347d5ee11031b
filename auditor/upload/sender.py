"""Send everything pending in the outbox, with exponential backoff and jitter.

A report whose own signature no longer verifies is never sent: it goes to rejected/.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from auditor.logs import event
from auditor.report.signing import verify_detached
from auditor.upload.outbox import Item, Outbox
from auditor.upload.transport import Held, Refused, Retry, Transport


@dataclass
class UploadResult:
    sent: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    waiting: dict[str, str] = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)  # kept queued until the officer acts
    details: dict[str, str] = field(default_factory=dict)
    pdf_refused: dict[str, str] = field(default_factory=dict)  # sent without its PDF


def check_receipt(receipt: dict[str, Any], item: Item) -> None:
    """A receipt proves delivery only when it names this report and the hash of what was
    sent; anything else keeps the report queued."""
    if receipt.get("report_id") != item.report_id:
        raise Retry("upload.bad_receipt", "report_id")
    if receipt.get("sha256") != hashlib.sha256(item.content).hexdigest():
        raise Retry("upload.bad_receipt", "sha256")


log = logging.getLogger("auditor.upload")


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full jitter: a random wait up to base·2^attempt, never more than `cap` seconds."""
    return rng.uniform(0, min(cap, base * 2**attempt))


def upload_pending(
    outbox: Outbox,
    transport: Transport,
    anchors: list[x509.Certificate],
    *,
    attempts: int = 5,
    base_delay: float = 1.0,
    max_delay: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> UploadResult:
    rng = rng or random.Random()
    result = UploadResult()
    for item in outbox.pending():
        check = verify_detached(item.content, item.signature, anchors)
        if not check.intact or not check.trusted:
            reason = ",".join(check.problems) or "verify.failed"
            outbox.mark_rejected(item, reason)
            result.rejected[item.report_id] = reason
            continue
        for attempt in range(attempts):
            try:
                receipt = transport.send(item)
                check_receipt(receipt, item)
            except Retry as exc:
                event(
                    log,
                    logging.WARNING,
                    "log.upload.retry",
                    report=item.report_id,
                    code=exc.code,
                    attempt=attempt + 1,
                )
                outbox.record_attempt(item, exc.code)
                result.waiting[item.report_id] = exc.code
                result.details[item.report_id] = exc.detail
                if attempt + 1 < attempts:
                    sleep(backoff(attempt, base_delay, max_delay, rng))
                continue
            except Held as exc:  # retrying now would only be refused again
                event(log, logging.WARNING, "log.upload.held", report=item.report_id, code=exc.code)
                outbox.record_attempt(item, exc.code)
                result.held[item.report_id] = exc.code
                result.details[item.report_id] = exc.detail
                result.waiting.pop(item.report_id, None)
                break
            except Refused as exc:
                if exc.code.startswith("receiver.pdf_") and item.pdf is not None:
                    # the report itself is good: deliver it, and say why its PDF was not taken
                    outbox.set_pdf_aside(item, exc.code)
                    result.pdf_refused[item.report_id] = exc.code
                    result.waiting[item.report_id] = exc.code  # until sent without it
                    continue
                event(
                    log, logging.ERROR, "log.upload.refused", report=item.report_id, code=exc.code
                )
                outbox.mark_rejected(item, exc.code)
                result.rejected[item.report_id] = exc.code
                result.details[item.report_id] = exc.detail
                result.waiting.pop(item.report_id, None)
                break
            outbox.mark_sent(item, receipt)
            event(log, logging.INFO, "log.upload.sent", report=item.report_id)
            result.sent.append(item.report_id)
            result.waiting.pop(item.report_id, None)
            break
    return result
