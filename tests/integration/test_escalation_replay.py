"""The escalation ladder, played on the synthesized state machine in virtual time (responder replay)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local.replay import ReplayScript, replay
from local.report import ReplayReport
from tests.conftest import event_at, load_event

MIN = 60


def run(events: list[tuple[str, Any]], **script: Any) -> ReplayReport:
    return replay([(Path(name), event) for name, event in events], ReplayScript(**script))


def ladder(report: ReplayReport) -> list[tuple[int, str, str | None]]:
    """(minute, kind, level) of what the level topics' subscribers received."""
    return [
        (round((report.at_s(n.at) or 0) / MIN), n.kind, n.level)
        for n in report.notifications
        if n.channel.startswith("sns:page")
    ]


@pytest.fixture(scope="module")
def unresolved_p0() -> ReplayReport:
    return run([("p0", load_event("service-down.sns.alarm.json"))], until=timedelta(hours=8))


def test_unresolved_p0_pages_each_level_on_the_runbook_schedule(unresolved_p0: ReplayReport):
    pages = [(minute, level) for minute, kind, level in ladder(unresolved_p0) if kind == "page"]
    assert pages[:4] == [(0, "L1"), (30, "L2"), (90, "L3"), (210, "L4")]


def test_unacknowledged_levels_are_paged_again_once_at_the_response_time(unresolved_p0: ReplayReport):
    reminders = [(minute, level) for minute, kind, level in ladder(unresolved_p0) if kind == "reminder"]
    for expected in [(15, "L1"), (45, "L2"), (105, "L3"), (225, "L4")]:
        assert expected in reminders
    assert [r for r in reminders if r[1] == "L1" and r[0] == 15] == [(15, "L1")]


def test_every_level_is_told_when_the_ladder_is_exhausted(unresolved_p0: ReplayReport):
    exhausted = [n for n in unresolved_p0.notifications if "ESCALATION EXHAUSTED" in n.text and n.channel != "slack"]
    assert sorted(n.level or "" for n in exhausted) == ["L1", "L2", "L3", "L4"]
    assert {round((unresolved_p0.at_s(n.at) or 0) / MIN) for n in exhausted} == {450}  # +7 h 30


def test_each_page_names_the_incident_severity_age_history_and_links(unresolved_p0: ReplayReport):
    page = next(n for n in unresolved_p0.notifications if n.kind == "page" and n.level == "L3" and n.channel != "slack")
    assert "PAGE L3 Engineering Manager - P0 - flask-sre-challenge" in page.text
    assert "**Open for**: 1 h 30 min" in page.text
    assert "L1 at 2026-11-26 14:02 UTC" in page.text and "L2 at 2026-11-26 14:32 UTC" in page.text
    assert "Acknowledge: https://" in page.text and "Resolve: https://" in page.text


def test_p1_ladder_uses_p1_times():
    report = run([("p1", load_event("performance-degradation.sns.alarm.json"))], until=timedelta(hours=16))
    pages = [(minute, level) for minute, kind, level in ladder(report) if kind == "page"]
    assert pages[:4] == [(0, "L1"), (60, "L2"), (180, "L3"), (420, "L4")]
    assert (60, "reminder", "L1") in ladder(report)
    assert {level for minute, kind, level in ladder(report) if minute == 900} == {"L1", "L2", "L3", "L4"}


@pytest.fixture(scope="module")
def resolved_at_45m() -> ReplayReport:
    return run(
        [("p0", load_event("service-down.sns.alarm.json"))],
        ack_at=timedelta(minutes=10),
        resolve_at=timedelta(minutes=45),
        by="alice",
        until=timedelta(hours=4),
    )


def test_resolving_stops_the_ladder_after_the_l2_page(resolved_at_45m: ReplayReport):
    pages = [(minute, kind, level) for minute, kind, level in ladder(resolved_at_45m)]
    assert (30, "page", "L2") in pages
    assert all(minute <= 45 for minute, _, _ in pages)
    assert resolved_at_45m.incident is not None and resolved_at_45m.incident.status.value == "Resolved"


def test_acknowledging_stops_reminders_to_that_level(resolved_at_45m: ReplayReport):
    assert (15, "reminder", "L1") not in ladder(resolved_at_45m)
    assert resolved_at_45m.actions[0]["status"] == 200 and "alice" in resolved_at_45m.actions[0]["response"]


def test_resolution_notification_and_postmortem_draft(resolved_at_45m: ReplayReport):
    resolution = [n for n in resolved_at_45m.notifications if n.kind == "resolution" and n.channel != "slack"]
    assert len(resolution) == 1
    assert "**Resolution Time**: 45 min" in resolution[0].text
    assert "draft: s3://" in resolution[0].text
    draft = next(iter(resolved_at_45m.postmortems.values()))
    for heading in (
        "# Post-Mortem:",
        "## Summary",
        "## Timeline",
        "## Root Cause",
        "## Impact",
        "## Actions Taken",
        "## Action Items",
        "## Lessons Learned",
    ):
        assert heading in draft
    assert "L1 acknowledged by alice via link" in draft


def test_severity_upgrade_mid_ladder_moves_onto_the_p0_schedule():
    p1 = load_event("performance-degradation.sns.alarm.json")
    start = datetime.fromisoformat("2026-11-26T14:00:12.077+00:00")
    p0 = event_at("service-down.sns.alarm.json", start + timedelta(minutes=10))
    report = run([("p1", p1), ("p0", p0)], until=timedelta(hours=2))
    pages = [(minute, level) for minute, kind, level in ladder(report) if kind == "page"]
    # P1 alone would page L2 at +60 min; as a P0 from +10 min, L2 is due at +30 min and L3 at +90
    assert pages == [(0, "L1"), (30, "L2"), (90, "L3")]
    assert (15, "reminder", "L1") in ladder(report)  # the P0 response time now applies to L1


def test_monitoring_holds_pages_and_a_new_alarm_resumes_them():
    start = datetime.fromisoformat("2026-11-26T14:02:10.123+00:00")
    events = [
        ("alarm", load_event("service-down.sns.alarm.json")),
        ("ok", event_at("service-down.sns.ok.json", start + timedelta(minutes=20))),
        ("again", event_at("service-down.sns.alarm.json", start + timedelta(minutes=40))),
    ]
    report = run(events, until=timedelta(minutes=60))
    pages = [(minute, kind, level) for minute, kind, level in ladder(report)]
    # Then no L2 page at +30 (monitoring); the overdue L2 page goes out when the alarm fires again
    assert (30, "page", "L2") not in pages
    assert (40, "page", "L2") in pages
    assert report.incident is not None and report.incident.flap_count == 1


def test_p2_resolves_itself_after_the_stabilisation_window():
    alarm = load_event("performance-degradation.lambda-action.alarm.json")
    ok = load_event("performance-degradation.lambda-action.ok.json")
    report = run([("alarm", alarm), ("ok", ok)], until=timedelta(hours=3))
    assert report.incident is not None and report.incident.status.value == "Resolved"
    ok_at = max(e.at for e in report.timelines[report.incident.id] if e.kind == "monitoring")
    assert report.incident.resolved_at is not None
    # wake-ups are whole seconds (ASL), so the window ends within a second of OK + 15 min
    assert abs((report.incident.resolved_at - ok_at) - timedelta(minutes=15)) < timedelta(seconds=1)
    assert any(n.kind == "resolution" for n in report.notifications)
    assert not report.postmortems  # P2: no post-mortem required


def test_p0_all_ok_asks_a_person_to_confirm_instead_of_resolving():
    report = run(
        [("alarm", load_event("service-down.sns.alarm.json")), ("ok", load_event("service-down.sns.ok.json"))],
        until=timedelta(hours=1),
    )
    assert report.incident is not None and report.incident.status.value == "Monitoring"
    assert any("CONFIRM RESOLUTION" in n.text for n in report.notifications)
