"""Maintenance windows and declared incidents, played through the real handlers on the synthesized ladder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from local.replay import ReplayScript, replay
from local.report import ReplayReport
from tests.conftest import load_event

MIN = 60
WINDOW = "maintenance.window.declared.json"  # 13:55-15:00 UTC; the sample alarms fire at about 14:00


def run(*names: str, **script: Any) -> ReplayReport:
    return replay([(Path(name), load_event(name)) for name in names], ReplayScript(**script))


def received(report: ReplayReport) -> list[tuple[int, str, str | None]]:
    """(minute since the first event, kind, level) of what the SNS subscribers received."""
    return [(round((report.at_s(n.at) or 0) / MIN), n.kind, n.level) for n in report.notifications
            if n.channel.startswith("sns")]  # fmt: skip


def test_a_p1_in_a_window_is_announced_once_and_pages_l1_when_the_window_ends_still_firing():
    report = run(WINDOW, "performance-degradation.sns.alarm.json", until=timedelta(hours=2))
    # The alarm fired at 14:00 (minute 10 of the replay); the window ends at 15:00 (minute 70)
    assert received(report) == [(10, "initial", None), (70, "page", "L1"), (70, "update", None)]
    initial = next(n for n in report.notifications if n.kind == "initial" and n.channel.startswith("sns"))
    assert "**Maintenance**: opened during maintenance window mw-rds-upgrade" in initial.text
    assert "nobody is paged before it ends" in initial.text


def test_a_p1_that_recovers_inside_the_window_is_resolved_at_its_end_without_a_page():
    report = run(WINDOW, "performance-degradation.sns.alarm.json", "performance-degradation.sns.ok.json",
                 until=timedelta(hours=2))  # fmt: skip
    assert received(report) == [(10, "initial", None), (70, "resolution", None)]
    assert report.incident is not None and report.incident.resolved_by == "runbook-responder"


def test_ending_the_window_early_re_evaluates_at_once():
    report = run(WINDOW, "performance-degradation.sns.alarm.json", "maintenance.window.ended.json",
                 until=timedelta(hours=1))  # fmt: skip
    assert (40, "page", "L1") in received(report)  # ended at 14:30


def test_a_p0_in_a_window_still_pages_at_once():
    report = run(WINDOW, "service-down.sns.alarm.json", until=timedelta(minutes=20))
    assert received(report)[:2] == [(12, "initial", None), (12, "page", "L1")]


def test_a_declared_security_breach_follows_the_p0_ladder():
    report = run("security-breach.declared.api.json", until=timedelta(hours=1))
    assert [(m, k, lv) for m, k, lv in received(report) if k == "page"] == [(0, "page", "L1"), (30, "page", "L2")]
    assert report.incident is not None and report.incident.scenario == "security-breach"
