"""The policy is the runbook: times and thresholds as written, decisions where it is ambiguous."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from functions.escalation.schedule import exhausted_at, level_times
from functions.policy import RUNBOOK, EventAction, EventRule, Level, Severity
from tests.conftest import own_fields, rows_of

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
    assert {e.scenario for e in RUNBOOK.event_rules} <= names
    assert RUNBOOK.unknown_alarm_scenario in names


def test_only_p0_and_p1_need_a_human_to_resolve():
    confirms = {p.severity for p in RUNBOOK.severities if p.human_confirms_resolution}
    assert confirms == {Severity.P0, Severity.P1}


# What AWS documents, to check the event policy against (the pages are cited on every row):
# ecs_service_deployment_events, ecs_service_events (INFO/WARN/ERROR), USER_Events.Messages (categories per
# source type), events-ref-rds (detail types), aws-health-events-eventbridge-schema (detail types, categories).
DOCUMENTED_ECS_EVENT_NAMES = {
    "ECS Deployment State Change": {
        "SERVICE_DEPLOYMENT_IN_PROGRESS",
        "SERVICE_DEPLOYMENT_COMPLETED",
        "SERVICE_DEPLOYMENT_FAILED",
    },
    "ECS Service Action": {
        "SERVICE_STEADY_STATE",
        "TASKSET_STEADY_STATE",
        "CAPACITY_PROVIDER_STEADY_STATE",
        "SERVICE_DESIRED_COUNT_UPDATED",
        "TASKS_STOPPED",
        "SERVICE_DEPLOYMENT_IN_PROGRESS",
        "SERVICE_DEPLOYMENT_COMPLETED",
        "SERVICE_TASK_START_IMPAIRED",
        "SERVICE_DISCOVERY_INSTANCE_UNHEALTHY",
        "VPC_LATTICE_TARGET_UNHEALTHY",
        "SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED",
        "ECS_OPERATION_THROTTLED",
        "SERVICE_DISCOVERY_OPERATION_THROTTLED",
        "SERVICE_TASK_PLACEMENT_FAILURE",
        "SERVICE_TASK_CONFIGURATION_FAILURE",
    },
}
DOCUMENTED_RDS_CATEGORIES = {
    "RDS DB Instance Event": {
        "availability",
        "backup",
        "configuration change",
        "creation",
        "deletion",
        "failover",
        "failure",
        "low storage",
        "maintenance",
        "notification",
        "read replica",
        "recovery",
        "restoration",
        "security",
        "security patching",
    },
    "RDS DB Cluster Event": {"creation", "failover", "global failover", "notification"},
    "RDS DB Parameter Group Event": {"configuration change"},
    "RDS DB Security Group Event": {"configuration change", "failure"},
    "RDS DB Snapshot Event": {"creation", "deletion", "notification", "restoration"},
    "RDS DB Cluster Snapshot Event": {"backup"},
    "RDS DB Proxy Event": {"configuration change", "creation", "deletion", "failure"},
    "RDS Blue Green Deployment Event": {"creation", "deletion", "failure", "notification"},
    "RDS Custom Engine Version Event": {"failure"},
}
DOCUMENTED_DETAIL_TYPES = {
    "ecs": {"ECS Deployment State Change", "ECS Service Action", "ECS Task State Change",
            "ECS Container Instance State Change"},
    "rds": {*DOCUMENTED_RDS_CATEGORIES, "RDS DB Shard Group Event", "RDS Zero ETL Event"},
    "health": {"AWS Health Event", "AWS Health Abuse Event"},
}  # fmt: skip
HEALTH_CATEGORIES = {"issue", "accountNotification", "scheduledChange", "investigation"}


def test_every_documented_event_type_has_rows_and_nothing_else_does():
    by_source: dict[str, set[str]] = {}
    for row in RUNBOOK.event_rules:
        by_source.setdefault(row.source, set()).add(row.detail_type)
    assert by_source == DOCUMENTED_DETAIL_TYPES


@pytest.mark.parametrize("detail_type", sorted(DOCUMENTED_ECS_EVENT_NAMES))
def test_every_documented_ecs_event_has_its_own_row(detail_type: str):
    named = {name for row in rows_of(detail_type) for name in row.when.get("eventName", ())}
    assert DOCUMENTED_ECS_EVENT_NAMES[detail_type] - named == set()


@pytest.mark.parametrize("detail_type", sorted(DOCUMENTED_RDS_CATEGORIES))
def test_every_documented_rds_category_has_a_row(detail_type: str):
    categories = {c for row in rows_of(detail_type) for c in row.when.get("EventCategories", ())}
    assert DOCUMENTED_RDS_CATEGORIES[detail_type] - categories == set()


def test_every_health_category_has_a_row():
    categories = {c for row in rows_of("AWS Health Event") for c in row.when.get("eventTypeCategory", ())}
    assert HEALTH_CATEGORIES - categories == set()


@pytest.mark.parametrize("detail_type", sorted(set().union(*DOCUMENTED_DETAIL_TYPES.values())))
def test_every_event_type_ends_with_a_row_for_everything_else(detail_type: str):
    rows = rows_of(detail_type)
    assert rows[-1].when == {} and all(row.when for row in rows[:-1])


@pytest.mark.parametrize("row", RUNBOOK.event_rules, ids=lambda row: row.label)
def test_no_row_is_hidden_by_an_earlier_one(row: EventRule):
    assert RUNBOOK.event_rule(row.detail_type, own_fields(row)) is row


@pytest.mark.parametrize("row", RUNBOOK.event_rules, ids=lambda row: row.label)
def test_only_rows_that_open_have_a_severity(row: EventRule):
    assert (row.action is EventAction.OPEN) == (row.severity is not None)
    assert row.reason and row.doc.startswith("https://docs.aws.amazon.com/")


def test_a_failed_deployment_opens_at_p1_d16():
    row = RUNBOOK.event_rule("ECS Deployment State Change", {"eventName": ("SERVICE_DEPLOYMENT_FAILED",)})
    assert row is not None and (row.action, row.severity) == (EventAction.OPEN, Severity.P1)


def test_scheduled_changes_stay_on_the_timeline_for_now():
    row = RUNBOOK.event_rule("AWS Health Event", {"service": ("RDS",), "eventTypeCategory": ("scheduledChange",)})
    assert row is not None and row.action is EventAction.TIMELINE


def test_the_table_in_policy_md_is_the_policy():
    from local.policy_table import END, START, render

    text = (Path(__file__).resolve().parents[2] / "functions" / "policy.md").read_text()
    assert text[text.index(START) + len(START) : text.index(END)].strip() == render()


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


def test_no_event_opens_a_scenario_people_declare():
    # D13: declared incidents come from people; an abuse report opens its own scenario, kept private
    declared = {s.name for s in RUNBOOK.declarable}
    assert not {r.scenario for r in RUNBOOK.event_rules if r.action is EventAction.OPEN} & declared
    assert RUNBOOK.scenario("abuse-report").public_by_default is False
