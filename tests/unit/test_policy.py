"""The policy is the runbook: times and thresholds as written, decisions where it is ambiguous."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.escalation.schedule import exhausted_at, level_times
from functions.policy import RUNBOOK, Level, Severity

T0 = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (Severity.P0, {Level.L1: 0, Level.L2: 30, Level.L3: 90, Level.L4: 210}),
        (Severity.P1, {Level.L1: 0, Level.L2: 60, Level.L3: 180, Level.L4: 420}),
        (Severity.P2, {Level.L1: 0, Level.L2: 480, Level.L3: 960, Level.L4: 1440}),
        (Severity.P3, {Level.L1: 0, Level.L2: 72 * 60, Level.L3: 144 * 60, Level.L4: 216 * 60}),
    ],
)
def test_each_level_is_paged_when_the_level_below_has_held_it_for_its_time(severity, expected):
    times = level_times(severity, T0)
    assert {level: int((at - T0).total_seconds() // 60) for level, at in times.items()} == expected


def test_ladder_is_exhausted_when_l4s_own_time_runs_out():
    assert exhausted_at(Severity.P0, T0) - T0 == timedelta(hours=7, minutes=30)
    assert exhausted_at(Severity.P1, T0) - T0 == timedelta(hours=15)


@pytest.mark.parametrize(("severity", "minutes"), [("P0", 15), ("P1", 60), ("P2", 240), ("P3", 1440)])
def test_response_times_are_the_runbooks(severity, minutes):
    assert RUNBOOK.severity(Severity(severity)).response_seconds == minutes * 60


def test_thresholds_are_the_runbooks():
    rule = RUNBOOK.rule
    assert rule("availability").threshold == 99 and rule("availability").comparison == "LessThanThreshold"
    assert rule("error-rate-critical").threshold == 5 and rule("error-rate-critical").severity is Severity.P0
    assert rule("error-rate-high").threshold == 5 and rule("error-rate-high").severity is Severity.P1
    assert rule("latency-p99").threshold == 2
    assert rule("ecs-cpu").threshold == 80
    assert rule("ecs-memory").threshold == 85


def test_every_rule_names_a_known_scenario_and_every_scenario_is_reachable():
    names = {s.name for s in RUNBOOK.scenarios}
    assert {r.scenario for r in RUNBOOK.alarm_rules} <= names
    assert {i.scenario for i in RUNBOOK.info_signals} <= names
    assert RUNBOOK.unknown_alarm_scenario in names


def test_only_p0_and_p1_need_a_human_to_resolve():
    confirms = {p.severity for p in RUNBOOK.severities if p.human_confirms_resolution}
    assert confirms == {Severity.P0, Severity.P1}


def test_people_declare_the_runbooks_incidents_no_alarm_can_raise():
    # The runbook's P0 Data Loss and Security Breach, P1 Partial Outage, P3 Documentation / Enhancement
    declared = {s.name: s.declared_severity for s in RUNBOOK.declarable}
    assert declared == {
        "data-loss": Severity.P0,
        "security-breach": Severity.P0,
        "partial-outage": Severity.P1,
        "documentation": Severity.P3,
        "enhancement": Severity.P3,
    }
    assert not {r.scenario for r in RUNBOOK.alarm_rules} & set(declared)


def test_a_security_incident_stays_off_the_status_page_unless_a_person_sets_it_public():
    assert RUNBOOK.scenario("security-breach").public_by_default is False
    assert RUNBOOK.scenario("service-down").public_impact == "outage"


def test_p0_and_p1_get_a_channel_and_the_status_page_p2_and_p3_do_not_by_default():
    assert {p.severity for p in RUNBOOK.severities if p.incident_channel} == {Severity.P0, Severity.P1}
    assert {p.severity for p in RUNBOOK.severities if p.public} == {Severity.P0, Severity.P1}
