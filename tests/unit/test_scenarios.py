"""Classification reads the policy: marker first, then metric, then the policy's default."""

from __future__ import annotations

from pathlib import Path

import pytest

from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.policy import RUNBOOK, Severity
from functions.scenarios import Action, classify
from functions.services import DEFAULT_SERVICES, ServiceConfig
from tests.conftest import event_files, load_event

ALARM_SCENARIOS = {s.name for s in RUNBOOK.scenarios}
PEOPLES_COMMANDS = ("declared", "window")  # shapes of what people start through the actions API


def classify_file(name: str):
    signal = parse_event(load_event(name))[0]
    assert isinstance(signal, Signal)
    return classify(signal, DEFAULT_SERVICES)


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in event_files()
        if p.name.split(".")[0] in ALARM_SCENARIOS and ".ecs." not in p.name
        and p.name.split(".")[1] not in PEOPLES_COMMANDS
    ],
    ids=lambda p: p.name,
)
def test_sample_alarm_lands_in_the_scenario_its_file_names(path: Path):
    # Given a sample named <scenario>.<shape>.<state>.json
    result = classify_file(path.name)
    # Then the classifier puts it in that scenario, for the runbook's service
    assert result.scenario == path.name.split(".")[0]
    assert result.service == "flask-sre-challenge"


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
        ("deployment.ecs.failed.json", Severity.P2, Action.OPEN),  # D7
        ("deployment.ecs.completed.json", Severity.P2, Action.UPDATE),
        ("maintenance.health.scheduled.json", Severity.P2, Action.UPDATE),
    ],
)
def test_severity_and_action_follow_the_policy(name: str, severity: Severity, action: Action):
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
        ServiceConfig(),
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
