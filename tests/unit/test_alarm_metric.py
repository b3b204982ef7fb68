"""Every alarm shape carries what a graph of it needs: the metric or its queries, statistic,
period, threshold and comparison; composite alarms carry none. The incident's member alarm
fills what EventBridge and Lambda-action payloads lack from the runbook's rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from functions.incident import MemberAlarm
from functions.intake.parse import parse_event
from functions.intake.signal import AlarmKind, AlarmMetric, Signal, SignalSource
from functions.lifecycle import decide
from functions.policy import RUNBOOK
from functions.scenarios import classify
from tests.conftest import event_files, load_event
from tests.samples import SAMPLE_SERVICE, SAMPLE_SERVICES

NOW = datetime(2026, 11, 26, 14, 5, tzinfo=UTC)
ALARM_SAMPLES = [
    path
    for path in event_files()
    if any(isinstance(s, Signal) and s.source is SignalSource.ALARM for s in parse_event(json.loads(path.read_text())))
]


def signal_of(event: Any) -> Signal:
    signal = parse_event(event)[0]
    assert isinstance(signal, Signal)
    return signal


def member_of(event: Any) -> MemberAlarm:
    signal = signal_of(event)
    decision = decide(None, signal, classify(signal, SAMPLE_SERVICES), SAMPLE_SERVICE, NOW)
    assert decision.incident is not None
    return decision.incident.alarms[signal.name]


def metric_of(name: str) -> AlarmMetric:
    metric = signal_of(load_event(name)).alarm_metric
    assert metric is not None
    return metric


@pytest.mark.parametrize("path", ALARM_SAMPLES, ids=lambda p: p.name)
def test_every_alarm_sample_yields_a_metric_and_composites_none(path: Path):
    # Given an alarm sample in any shape and state
    signal = signal_of(json.loads(path.read_text()))
    # When it is parsed
    metric = signal.alarm_metric
    # Then a composite alarm has no metric of its own, every other one names a metric to graph
    if signal.alarm_kind is AlarmKind.COMPOSITE:
        assert metric is None
        return
    assert metric is not None
    named = [metric.metric] if metric.metric else [q.metric for q in metric.queries if q.metric]
    assert named and all(ref.namespace and ref.name for ref in named)
    assert metric.period and metric.period > 0


@pytest.mark.parametrize(
    ("name", "metric_name", "stat", "period", "threshold", "comparison"),
    [
        # SNS writes extended statistics as they are and plain ones in capitals
        ("performance-degradation.sns.alarm.json", "TargetResponseTime", "p99", 60, 2.0, "GreaterThanThreshold"),
        ("service-down.sns.alarm.json", "HealthyHostCount", "Minimum", 60, 1.0, "LessThanThreshold"),
        ("circuit-breaker.sns.alarm.json", "CircuitBreakerOpen", "Maximum", 60, 1.0, "GreaterThanOrEqualToThreshold"),
        ("database.sns-legacy.alarm.json", "SlowQueryCount", "Sum", 300, 5.0, "GreaterThanThreshold"),
        ("resource-pressure.sns-legacy.alarm.json", "MemoryUtilization", "Average", 300, 85.0, "GreaterThanThreshold"),
    ],
)
def test_sns_single_metric_alarms_carry_their_own_configuration(
    name: str, metric_name: str, stat: str, period: int, threshold: float, comparison: str
):
    # When an SNS alarm message is parsed
    metric = metric_of(name)
    # Then statistic, period, threshold and comparison are the alarm's, in CloudWatch's spelling
    assert metric.metric is not None and metric.metric.name == metric_name
    assert (metric.stat, metric.period, metric.threshold, metric.comparison) == (stat, period, threshold, comparison)
    assert metric.threshold_from == "alarm"


def test_a_math_alarm_keeps_its_queries_in_order_with_what_each_returns():
    # When the SNS error-rate alarm (100*m2/m1) is parsed
    metric = metric_of("high-error-rate.sns.alarm.json")
    # Then the expression is returned and the two metrics it divides are hidden inputs with their statistic
    assert metric.metric is None
    by_id = {q.id: q for q in metric.queries}
    assert [q.id for q in metric.queries] == ["e1", "m1", "m2"]
    assert by_id["e1"].expression == "100*m2/m1" and by_id["e1"].return_data
    assert by_id["m1"].metric is not None and by_id["m1"].metric.name == "RequestCount"
    assert (by_id["m1"].stat, by_id["m1"].period, by_id["m1"].return_data) == ("Sum", 300, False)
    assert by_id["m2"].metric is not None and by_id["m2"].metric.name == "HTTPCode_Target_5XX_Count"
    assert (metric.threshold, metric.period) == (5.0, 300)


def test_an_eventbridge_single_metric_alarm_is_a_metric_not_a_query_with_a_generated_id():
    # When an EventBridge metric alarm, whose one query has a UUID for an id, is parsed
    metric = metric_of("database.eventbridge.alarm.json")
    # Then it is the metric itself, with the threshold its reasonData reported evaluating
    assert metric.metric is not None and metric.metric.dimensions == {"DBInstanceIdentifier": "flask-sre-challenge-db"}
    assert (metric.stat, metric.period, metric.queries) == ("Average", 300, ())
    assert (metric.threshold, metric.threshold_from, metric.comparison) == (80.0, "reason", None)


def test_anomaly_alarms_name_their_band_whichever_transport():
    # Given the anomaly alarms by EventBridge and as a Lambda action (ANOMALY_DETECTION_BAND expression)
    for name in ("performance-degradation.eventbridge.alarm.json", "performance-degradation.lambda-action.alarm.json"):
        metric = metric_of(name)
        # Then the band query is known, so no graph draws the band's width as a threshold line
        assert metric.band_id == "ad1" and metric.is_band
        assert metric.threshold is None


def test_unreadable_reason_data_leaves_the_threshold_to_the_rule():
    # Given an EventBridge alarm whose reasonData is not JSON
    event = load_event("database.eventbridge.alarm.json")
    event["detail"]["state"]["reasonData"] = "{not json"
    # When it is parsed
    metric = signal_of(event).alarm_metric
    # Then it still parses, without a threshold of its own
    assert metric is not None and metric.threshold is None


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("database.eventbridge.alarm.json", "db-connections"),
        ("service-down.eventbridge.alarm.json", "availability"),
        ("resource-pressure.lambda-action.alarm.json", "ecs-memory"),
        ("error-budget.lambda-action.alarm.json", "error-budget-burn-fast"),
    ],
)
def test_eventbridge_and_lambda_action_members_take_threshold_and_comparison_from_the_rule(name: str, rule: str):
    # Given an alarm whose payload carries no comparison and no configured threshold
    policy = RUNBOOK.rule(rule)
    assert policy is not None
    # When it opens an incident
    member = member_of(load_event(name))
    # Then its graph's line is the runbook rule's, and says so
    assert member.rule == rule and member.metric is not None
    assert (member.metric.threshold, member.metric.comparison) == (policy.threshold, policy.comparison)
    assert member.metric.threshold_from == "policy"


def test_the_rule_wins_over_a_reported_threshold_when_they_differ():
    # Given an EventBridge db-connections alarm reporting it evaluated 75 (the runbook says 80)
    event = load_event("database.eventbridge.alarm.json")
    reason = json.loads(event["detail"]["state"]["reasonData"])
    event["detail"]["state"]["reasonData"] = json.dumps({**reason, "threshold": 75.0})
    # When it opens an incident
    member = member_of(event)
    # Then the member's threshold is the runbook's
    assert member.metric is not None and (member.metric.threshold, member.metric.threshold_from) == (80, "policy")


def test_an_sns_alarm_keeps_its_own_threshold_even_when_its_rule_says_otherwise():
    # Given the markerless legacy 5xx alarm (> 10), matched by its metric to the error-rate rule (> 5)
    member = member_of(load_event("high-error-rate.sns-legacy.alarm.json"))
    # Then the member graphs the threshold the alarm was configured with
    assert member.rule == "error-rate-high"
    assert member.metric is not None and (member.metric.threshold, member.metric.threshold_from) == (10.0, "alarm")


def test_an_anomaly_member_gets_the_band_comparison_but_never_the_band_width_as_a_threshold():
    # Given the latency-anomaly rule, whose "threshold" 3 is the band's width in standard deviations
    member = member_of(load_event("performance-degradation.eventbridge.alarm.json"))
    # Then the member knows it alarms above the band, and has no threshold line
    assert member.metric is not None
    assert (member.metric.comparison, member.metric.threshold) == ("GreaterThanUpperThreshold", None)


def test_composite_members_have_no_metric_and_an_ok_keeps_the_metric():
    # Given an incident opened by a metric alarm, and one by a composite alarm
    composite = member_of(load_event("service-down.composite-sns.alarm.json"))
    signal = signal_of(load_event("resource-pressure.sns.alarm.json"))
    opened = decide(None, signal, classify(signal, SAMPLE_SERVICES), SAMPLE_SERVICE, NOW).incident
    assert opened is not None
    # When the metric alarm's OK arrives
    ok = signal_of(load_event("resource-pressure.sns.ok.json"))
    after = decide(opened, ok, classify(ok, SAMPLE_SERVICES), SAMPLE_SERVICE, NOW).incident
    # Then the composite has nothing to graph and the member still knows its metric
    assert composite.metric is None
    assert after is not None and after.alarms[signal.name].metric == opened.alarms[signal.name].metric
