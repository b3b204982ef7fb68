"""The alarms are the policy: one per rule and service, every number read from RUNBOOK."""

from __future__ import annotations

from typing import Any

import pytest

from functions.intake.signal import parse_marker
from functions.policy import RUNBOOK, AlarmRule
from infra.config import load_config
from infra.constructs.alarms import ANOMALY_RULES, BURN_RATE_RULES, LONG_WINDOW_FACTOR

from .conftest import logical_id, of_type

CASES = [(service, rule) for service in ("flask-sre-challenge",) for rule in RUNBOOK.alarm_rules]
STAGE = load_config({}).stage  # the suite's config: alarms are named <service>-<stage>-<rule>


def _intake(resources: dict[str, Any]) -> dict[str, str]:
    return {"Ref": logical_id(resources, "AWS::SNS::Topic", "TopicsIntake")}


def _children(alarms: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [alarms[f"{name}-long-window"], alarms[f"{name}-short-window"]]


def _assert_thresholds(props: dict[str, Any], rule: AlarmRule, period: int) -> None:
    assert props["ComparisonOperator"] == rule.comparison
    assert props["EvaluationPeriods"] == rule.evaluation_periods
    assert props.get("DatapointsToAlarm") == rule.datapoints_to_alarm
    assert props["TreatMissingData"] == rule.missing_data
    if rule.rule in ANOMALY_RULES:
        band = next(m for m in props["Metrics"] if "Expression" in m)
        assert band["Expression"].startswith("ANOMALY_DETECTION_BAND(")
        assert band["Expression"].endswith(f", {rule.threshold:g})") or f", {rule.threshold})" in band["Expression"]
        assert props["ThresholdMetricId"] == band["Id"]
        assert "Threshold" not in props
    else:
        assert props["Threshold"] == rule.threshold
    periods = {m["MetricStat"]["Period"] for m in props.get("Metrics", []) if "MetricStat" in m}
    assert periods == {period} if periods else props["Period"] == period


@pytest.mark.parametrize(("service", "rule"), CASES, ids=[f"{s}-{r.rule}" for s, r in CASES])
def test_every_policy_rule_has_its_alarm(alarms_by_name, resources, service: str, rule: AlarmRule) -> None:
    # Given the policy's rule and a configured service
    name = f"{service}-{STAGE}-{rule.rule}"

    # When the stack is synthesized
    alarm = alarms_by_name.get(name)

    # Then the alarm exists with the marker, ALARM and OK actions to the intake topic
    assert alarm is not None, f"no alarm {name}"
    summary, marker_line = alarm["AlarmDescription"].split("\n")
    assert summary == rule.description
    assert marker_line == (
        f"[runbook-responder rule={rule.rule} severity={rule.severity.value} "
        f"scenario={rule.scenario} service={service}]"
    )
    marker = parse_marker(alarm["AlarmDescription"])
    assert marker is not None and (marker.rule, marker.service) == (rule.rule, service)
    assert alarm["AlarmActions"] == [_intake(resources)]
    assert alarm["OKActions"] == [_intake(resources)]
    tags = {tag["Key"]: tag["Value"] for tag in alarm.get("Tags", [])}
    assert tags["runbook-responder:rule"] == rule.rule
    assert tags["runbook-responder:severity"] == rule.severity.value
    assert tags["runbook-responder:scenario"] == rule.scenario

    # And its thresholds, periods and missing-data treatment are the policy's
    if rule.rule in BURN_RATE_RULES:
        long, short = _children(alarms_by_name, name)
        _assert_thresholds(long, rule, rule.period_seconds * LONG_WINDOW_FACTOR)
        _assert_thresholds(short, rule, rule.period_seconds)
        ids = {key for key, r in resources.items() if r["Properties"].get("AlarmName") in
               (f"{name}-long-window", f"{name}-short-window")}  # fmt: skip
        _separator, parts = alarm["AlarmRule"]["Fn::Join"]
        assert {part["Fn::GetAtt"][0] for part in parts if isinstance(part, dict)} == ids
        assert [p for p in parts if isinstance(p, str)] == ['(ALARM("', '") AND ALARM("', '"))']
    else:
        _assert_thresholds(alarm, rule, rule.period_seconds)


def test_burn_rate_children_do_not_page_on_their_own(alarms_by_name) -> None:
    # Given the two windows of each burn-rate rule
    children = [a for name, a in alarms_by_name.items() if name.endswith(("-long-window", "-short-window"))]

    # Then only the composite notifies the intake
    assert len(children) == 2 * len(BURN_RATE_RULES)
    assert all(not child.get("AlarmActions") and not child.get("OKActions") for child in children)


def test_burn_rate_math_uses_the_slo(alarms_by_name) -> None:
    # Given the default SLO of 99.9 %
    short = alarms_by_name[f"flask-sre-challenge-{STAGE}-error-budget-burn-fast-short-window"]

    # Then the burn rate divides the error percentage by the 0.1 % budget
    expression = next(m["Expression"] for m in short["Metrics"] if "Expression" in m)
    assert expression.endswith("/ 0.1")


def test_log_metric_filters_count_into_the_service_namespace(resources, alarms_by_name) -> None:
    # Given the service's log group
    filters = of_type(resources, "AWS::Logs::MetricFilter").values()

    # Then DB connection errors and slow queries become metrics, under the service's namespace for this stage,
    # that the alarms watch
    transformations = {f["Properties"]["MetricTransformations"][0]["MetricName"]: f["Properties"] for f in filters}
    assert set(transformations) == {"DatabaseConnectionErrors", "SlowQueryCount"}
    namespace = f"FlaskSREChallenge/{STAGE}"
    watched = {a["MetricName"] for a in alarms_by_name.values() if a.get("Namespace") == namespace}
    assert set(transformations) <= watched
    for props in transformations.values():
        assert props["LogGroupName"] == "/ecs/flask-sre-challenge"
        assert props["MetricTransformations"][0]["MetricNamespace"] == namespace


def test_alb_dimensions_use_the_full_names(alarms_by_name) -> None:
    # Given the no-healthy-targets alarm
    alarm = alarms_by_name[f"flask-sre-challenge-{STAGE}-no-healthy-targets"]

    # Then its dimensions are the app/... and targetgroup/... forms
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert dimensions["LoadBalancer"].startswith("app/flask-sre-challenge-alb/")
    assert dimensions["TargetGroup"].startswith("targetgroup/flask-sre-challenge-tg/")
    assert alarm["Statistic"] == "Minimum"


def test_info_signal_rules_target_the_intake_with_a_dead_letter_queue(resources) -> None:
    # Given the EventBridge rules
    rules = of_type(resources, "AWS::Events::Rule").values()
    patterns = [r["Properties"]["EventPattern"] for r in rules]

    # Then ECS, RDS and Health events reach the intake, with a DLQ on every target
    assert {p["source"][0] for p in patterns} == {"aws.ecs", "aws.rds", "aws.health"}
    intake = logical_id(resources, "AWS::Lambda::Function", "FunctionsIntake")
    for rule in rules:
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [intake, "Arn"]}
        assert "DeadLetterConfig" in target
