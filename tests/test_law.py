"""A document cites the law in force on its own date: a replaced text gives way to what
replaced it, and stays only as the transition basis while its transition lasts."""

from __future__ import annotations

import datetime as dt

import pytest

from auditor.checking import discover
from auditor.law import citations_on, legal_texts
from auditor.policy import load_policy
from auditor.report.model import PolicyInfo

ND85 = ["luat-86-2015", "nd-85-2016", "tt-12-2022", "tcvn-11930-2017"]


def cited(day: dt.date, ids: list[str]) -> list[str]:
    return [c.vi for c in citations_on(day, ids)]


def test_the_day_before_and_the_day_the_new_law_takes_effect() -> None:
    before = cited(dt.date(2026, 6, 30), ND85)
    assert before[0].startswith("Luật An toàn thông tin mạng số 86/2015/QH13")
    assert not any("116/2025" in c or "chuyển tiếp" in c for c in before)
    after = cited(dt.date(2026, 12, 6), ND85)
    assert after[0] == "Luật An ninh mạng số 116/2025/QH15 ngày 10 tháng 12 năm 2025"
    assert not any("86/2015/QH13" in c for c in after)  # a replaced law is never the basis
    assert not any(c.startswith("Thông tư số 12/2022") for c in after)  # replaced, no transition
    nd85 = [c for c in after if c.startswith("Nghị định số 85/2016/NĐ-CP")]
    assert len(nd85) == 1 and "căn cứ chuyển tiếp" in nd85[0] and "30/6/2027" in nd85[0]
    assert sum("331/2026/NĐ-CP" in c for c in after) == 1  # replaced twice, cited once
    # once the transition is over, only the texts in force remain
    later = cited(dt.date(2027, 7, 1), ND85)
    assert not any("85/2016" in c or "11930" in c for c in later)


def test_every_pack_cites_known_texts_with_dates_and_titles() -> None:
    texts = legal_texts()
    registry = discover()
    for pack_id in ("nd85-level2", "nd331-level2"):
        pack = load_policy(pack_id, registry)
        assert pack.citations and set(pack.citations) <= set(texts)
        for text in (texts[i] for i in pack.citations):
            assert text.number in text.citation.vi and str(text.issued.year) in text.citation.vi
        info = PolicyInfo.of(pack, dt.date(2026, 12, 6))
        assert "86/2015" not in " ".join(c.vi for c in info.citations)
        assert all("4.x" not in c.vi for c in info.citations)


def test_a_pack_citing_an_unknown_text_is_refused(tmp_path: object) -> None:
    from auditor.policy import Pack

    pack = load_policy("nd331-level2", discover())
    data = pack.model_dump(mode="json") | {"citations": ["luat-99-2099"]}
    with pytest.raises(ValueError, match="luat-99-2099"):
        Pack.model_validate(data)
