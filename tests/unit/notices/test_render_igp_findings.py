"""The two IGP finding emails: a SMARTS Level disagreement and a worsened in-year outlook (facts shown,
hostile text escaped, subjects on one line)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from permitclock.domain.notices import LevelDifference, LevelsDisagreementFacts, OutlookWorsenedFacts
from permitclock.notices.render import render_notice

HOSTILE = 'Acme <script>alert("x")</script> & Sons'


def outlook_facts(state: str = "at_risk", name: str = "Acme Plating") -> OutlookWorsenedFacts:
    return OutlookWorsenedFacts(
        wdid="4 19I000033", facility_name=name, parameter="Zinc, Total (Recoverable)", reporting_year="2025-2026",
        as_of=date(2026, 2, 3), state=state, previous_state="on_track", reason="the average 0.5 is above 0.26",
        running_average=Decimal("0.5"), annual_nal=Decimal("0.26"), qses_required_remaining=3,
        max_remaining_average=Decimal("0.18"), current_level="Level 1", level_if_exceeded="Level 2",
        obligations_if_exceeded=["Level 2 ERA Action Plan", "Level 2 ERA Technical Report"],
    )  # fmt: skip


def test_outlook_email_says_what_july_1_brings_and_what_to_do() -> None:
    out = render_notice("outlook_worsened", outlook_facts())
    text = " ".join(out.text.split())
    assert "2025-2026 is at risk" in text and "average at most 0.18" in text
    assert "from Level 1 to Level 2 on July 1, opening: Level 2 ERA Action Plan" in text
    assert "can still bring the average back" in text
    certain = render_notice("outlook_worsened", outlook_facts("exceedance_certain"))
    assert "is now certain" in certain.text and "exceedance certain" in certain.subject
    assert "cannot be avoided" in " ".join(certain.text.split())


def test_disagreement_email_lists_each_parameter() -> None:
    facts = LevelsDisagreementFacts(
        wdid="4 19I000033", facility_name=HOSTILE, export_key="smarts/levels/<b>x</b>.csv",
        disagreements=[LevelDifference(parameter="pH", smarts_level="Level 1", permitclock_level="Baseline")],
    )  # fmt: skip
    out = render_notice("levels_disagreement", facts)
    assert "- pH: SMARTS Level 1, permitclock Baseline" in out.text and "disagree on 1 Level:" in out.subject
    assert "<script>" not in out.html and "<b>x" not in out.html and "&lt;script&gt;" in out.html
    escaped = render_notice("outlook_worsened", outlook_facts(name=HOSTILE))
    assert "<script>" not in escaped.html and "\n" not in escaped.subject
