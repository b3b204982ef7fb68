"""Classification reads the policy: marker first, then metric, then the policy's default."""

from __future__ import annotations

from pathlib import Path

import pytest

from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.policy import RUNBOOK, EventAction, Severity
from functions.scenarios import Action, classify
from functions.services import UNASSIGNED, ServiceConfig
from local.classify import classify_event
from tests.conftest import event_files, load_event
from tests.samples import SAMPLE_SERVICE, SAMPLE_SERVICES

ALARM_SCENARIOS = {s.name for s in RUNBOOK.scenarios}
PEOPLES_COMMANDS = ("declared", "window")  # shapes of what people start through the actions API


# AWS Health's samples name no resource of the service (a region-wide ECS issue, an abuse report
# about an IP address): they open unassigned, never for a service they do not name (D8, D17).
NAMES_NO_SERVICE = {
    "aws-issue.health.issue.json",
    "abuse-report.health.abuse-event.json",
    "abuse-report.health.abuse-service.json",
}


def owner_of(name: str) -> str:
    return UNASSIGNED if name in NAMES_NO_SERVICE else "flask-sre-challenge"


def classify_file(name: str):
    signal = parse_event(load_event(name))[0]
    assert isinstance(signal, Signal)
    return classify(signal, SAMPLE_SERVICES)


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in event_files()
        if p.name.split(".")[0] in ALARM_SCENARIOS
        and ".ecs." not in p.name
        and p.name.split(".")[1] not in PEOPLES_COMMANDS
    ],
    ids=lambda p: p.name,
)
def test_sample_alarm_lands_in_the_scenario_its_file_names(path: Path):
    # Given a sample named <scenario>.<shape>.<state>.json
    result = classify_file(path.name)
    # Then the classifier puts it in that scenario, for the runbook's service when it names it
    assert result.scenario == path.name.split(".")[0]
    assert result.service == owner_of(path.name)


@pytest.mark.parametrize(
    ("name", "severity", "action"),
    [
        ("service-down.sns.alarm.json", Severity.P0, Action.OPEN),
        ("service-down.sns.ok.json", Severity.P0, Action.RESOLVE),
        ("high-error-rate.sns.alarm.json", Severity.P0, Action.OPEN),  # D1: sustained 15 min
        ("high-error-rate.eventbridge.alarm.json", Severity.P1, Action.OPEN),  # D1: 5-minute window
        ("performance-degradation.sns.alarm.json", Severity.P1, Action.OPEN),
        ("performance-degradation.lambda-action.alarm.json", Severity.P2, Action.OPEN),  # D2
        ("resource-pressure.sns.insufficient-data.json", Severity.P1, Action.UPDATE),  # D10
        ("database.sns.alarm.json", Severity.P0, Action.OPEN),
        ("deployment.ecs.failed.json", Severity.P1, Action.OPEN),  # D16
        ("deployment.ecs.completed.json", None, Action.TIMELINE),  # D7: recorded, pages nobody
        ("maintenance.health.scheduled.json", None, Action.TIMELINE),
    ],
)
def test_severity_and_action_follow_the_policy(name: str, severity: Severity | None, action: Action):
    result = classify_file(name)
    assert (result.severity, result.action) == (severity, action)


def test_alarm_without_marker_is_classified_by_its_metric():
    # Given an alarm we did not create (no marker) on the ALB's 5xx count
    result = classify_file("high-error-rate.sns-legacy.alarm.json")
    # Then its metric identifies the P1 error-rate rule
    assert (result.rule, result.severity, result.scenario) == ("error-rate-high", Severity.P1, "high-error-rate")
    assert "metric" in result.basis


def test_unknown_alarm_still_opens_at_the_policy_default():
    # Given an alarm on a metric the runbook never mentions
    result = classify_file("unknown.sns.alarm.json")
    # Then it is never dropped: it opens at the policy's default severity
    assert result.action is Action.OPEN
    assert result.severity is RUNBOOK.unknown_alarm_severity
    assert result.scenario == RUNBOOK.unknown_alarm_scenario


def test_well_formed_but_unrecognised_is_ignored():
    result = classify_file("unknown.sns.plain-text.json")
    assert (result.action, result.severity, result.scenario) == (Action.IGNORE, None, None)


def test_service_is_found_by_resource_names_among_several():
    # Given two configured services
    services = (
        ServiceConfig(
            name="payments",
            cluster="payments-cluster",
            ecs_service="payments-svc",
            target_group="payments-tg",
            db_instance="payments-db",
            log_group="/ecs/payments",
            namespace="Payments",
            load_balancer="payments-alb",
        ),
        SAMPLE_SERVICE,
    )
    signal = parse_event(load_event("resource-pressure.sns.alarm.json"))[0]
    assert isinstance(signal, Signal)
    # When the alarm names the runbook service's ECS cluster in its dimensions
    result = classify(signal, services)
    # Then it is that service's alarm
    assert result.service == "flask-sre-challenge"


def test_info_event_about_someone_elses_resource_is_ignored():
    signal = parse_event(load_event("maintenance.health.scheduled.json"))[0]
    assert isinstance(signal, Signal)
    other = (
        ServiceConfig(
            name="payments",
            db_instance="payments-db",
            cluster="c",
            ecs_service="s",
            target_group="t",
            log_group="/l",
            namespace="N",
            load_balancer="lb",
        ),
    )
    assert classify(signal, other).action is Action.IGNORE


# One sample per event-policy row that opens an incident: (file, severity, scenario) as `classify` prints them.
OPENING_SAMPLES = [
    ("deployment.ecs.failed.json", "P1", "deployment"),
    ("deployment.ecs.unlisted-error.json", "P2", "deployment"),
    ("tasks-failing.ecs.start-impaired.json", "P1", "tasks-failing"),
    ("tasks-failing.ecs.configuration-failure.json", "P1", "tasks-failing"),
    ("tasks-failing.ecs.placement-failure.json", "P2", "tasks-failing"),
    ("unclassified.ecs.unlisted-error.json", "P2", "unclassified"),
    ("database.rds-eventbridge.storage-full.json", "P1", "database"),
    ("database.rds-eventbridge.restart-error.json", "P1", "database"),
    ("database.rds-eventbridge.storage-90-percent.json", "P2", "database"),
    ("database.rds-eventbridge.stopped.json", "P1", "database"),
    ("database.rds-eventbridge.recovery-started.json", "P1", "database"),
    ("database.rds-eventbridge.deleted.json", "P0", "database"),
    ("database.rds-eventbridge.failed.json", "P1", "database"),
    ("database.rds-eventbridge.storage-consumed.json", "P1", "database"),
    ("database.rds-sns.event.json", "P2", "database"),
    ("database.rds-eventbridge.cluster-failover-failed.json", "P1", "database"),
    ("database.rds-eventbridge.cluster-failover.json", "P2", "database"),
    ("abuse-report.health.abuse-service.json", "P0", "abuse-report"),
    ("aws-issue.health.issue.json", "P2", "aws-issue"),
    ("abuse-report.health.abuse-event.json", "P0", "abuse-report"),
]


@pytest.mark.parametrize(("name", "severity", "scenario"), OPENING_SAMPLES, ids=[s[0] for s in OPENING_SAMPLES])
def test_each_event_that_means_breakage_opens_for_the_service(name: str, severity: str, scenario: str):
    # Given the sample of an event-policy row that opens, When a user classifies it
    (line,) = classify_event(load_event(name))
    # Then they see it open an incident for the service, at the row's severity and scenario
    assert (line["action"], line["severity"], line["scenario"], line["service"]) == (
        "open", severity, scenario, owner_of(name),
    )  # fmt: skip


def test_every_opening_row_of_the_event_policy_has_its_sample():
    # Given the row each opening sample lands on
    covered = set()
    for name, _, _ in OPENING_SAMPLES:
        signal = parse_event(load_event(name))[0]
        assert isinstance(signal, Signal) and signal.detail_type
        row = RUNBOOK.event_rule(signal.detail_type, signal.event_fields)
        assert row is not None and row.action is EventAction.OPEN, name
        covered.add(row.label)
    # Then no row that opens an incident is without one
    opening = {row.label for row in RUNBOOK.event_rules if row.action is EventAction.OPEN}
    assert opening - covered == set()


def _aws_docs_failed_deployment() -> dict:
    """AWS's own SERVICE_DEPLOYMENT_FAILED example: its service is `default/servicetest`, not ours."""
    return {
        "version": "0",
        "id": "ddca6449-b258-46c0-8653-e0e3aEXAMPLE",
        "detail-type": "ECS Deployment State Change",
        "source": "aws.ecs",
        "account": "111122223333",
        "time": "2020-05-23T12:31:14Z",
        "region": "us-west-2",
        "resources": ["arn:aws:ecs:us-west-2:111122223333:service/default/servicetest"],
        "detail": {
            "eventType": "ERROR",
            "eventName": "SERVICE_DEPLOYMENT_FAILED",
            "deploymentId": "ecs-svc/123",
            "updatedAt": "2020-05-23T11:11:11Z",
            "reason": "ECS deployment circuit breaker: task failed to start.",
        },
    }


PAYMENTS = ServiceConfig(
    name="payments", cluster="payments-cluster", ecs_service="payments-svc", target_group="payments-tg",
    db_instance="payments-db", log_group="/ecs/payments", namespace="Payments", load_balancer="payments-alb",
)  # fmt: skip


def test_a_failed_deployment_naming_no_configured_service_opens_unassigned_even_with_one_service():
    # Given AWS's documented failed deployment, whose service we do not know, and one service configured
    signal = parse_event(_aws_docs_failed_deployment())[0]
    assert isinstance(signal, Signal)
    result = classify(signal, SAMPLE_SERVICES)
    # Then breakage is not dropped, nor given to a service it does not name: it opens unassigned (D17)
    assert (result.action, result.severity, result.service) == (Action.OPEN, Severity.P1, UNASSIGNED)
    assert "D17" in result.basis


def test_with_several_services_an_unattributable_failure_opens_unassigned():
    signal = parse_event(_aws_docs_failed_deployment())[0]
    assert isinstance(signal, Signal)
    result = classify(signal, (PAYMENTS, SAMPLE_SERVICE))
    assert (result.action, result.service) == (Action.OPEN, UNASSIGNED)


def test_a_timeline_event_about_someone_elses_service_is_dropped():
    event = _aws_docs_failed_deployment()
    event["detail"] |= {"eventType": "INFO", "eventName": "SERVICE_DEPLOYMENT_COMPLETED"}
    signal = parse_event(event)[0]
    assert isinstance(signal, Signal)
    assert classify(signal, SAMPLE_SERVICES).action is Action.IGNORE


def test_ecs_task_state_changes_are_ecs_events_the_policy_ignores_not_unknown_input():
    # Given a task state change (AWS's example, of a Fargate task)
    event = {
        "version": "0", "id": "3317b2af-7005-947d-b652-f55e762e571a", "detail-type": "ECS Task State Change",
        "source": "aws.ecs", "account": "111122223333", "time": "2020-01-23T17:57:58Z", "region": "us-west-2",
        "resources": ["arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad"],
        "detail": {"lastStatus": "STOPPED", "stopCode": "EssentialContainerExited", "desiredStatus": "STOPPED"},
    }  # fmt: skip
    (line,) = classify_event(event)
    # Then it is read as ECS, and ignored because the policy says so (not because it is unknown)
    assert (line["source"], line["action"]) == ("ecs", "ignore")
    assert line["basis"].startswith("ECS Task State Change")


def test_an_event_type_the_policy_has_no_row_for_is_ignored_with_that_reason():
    event = _aws_docs_failed_deployment() | {"source": "aws.rds", "detail-type": "RDS DB Something New Event"}
    event["detail"] = {"EventID": "RDS-EVENT-9999", "Message": "new", "SourceIdentifier": "flask-sre-challenge-db"}
    (line,) = classify_event(event)
    assert line["action"] == "ignore" and "no row in the event policy" in line["basis"]
