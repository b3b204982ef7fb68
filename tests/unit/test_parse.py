"""Every input shape maps to a Signal; bad input is rejected with one line that names the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.declared.declaration import Declaration
from functions.intake.parse import Rejected, parse_event
from functions.intake.signal import AlarmKind, AlarmState, Signal, SignalSource, parse_timestamp
from functions.maintenance.window import MaintenanceWindow, WindowEnd
from tests.conftest import FIXTURES, PUBLIC_EXPECTED, event_files, load_event, public_payloads


@pytest.mark.parametrize("path", event_files(), ids=lambda p: p.name)
def test_every_sample_event_parses_to_signals(path: Path):
    # Given a sample event as the intake Lambda receives it
    event = json.loads(path.read_text())
    # When it is parsed
    records = parse_event(event)
    # Then every record is a Signal named after its alarm or event (or, for what people declare
    # through the actions API, that command), never a rejection
    commands = (Declaration, MaintenanceWindow, WindowEnd)
    expected = commands if path.name.split(".")[1] in ("declared", "window") else (Signal,)
    assert records and all(isinstance(r, expected) for r in records), records
    assert all(r.name for r in records if isinstance(r, Signal))


@pytest.mark.parametrize("path", public_payloads(), ids=lambda p: p.name)
def test_public_payloads_written_by_others_are_read_or_rejected_as_expected(path: Path):
    # Given a real payload collected from a public repository or AWS's docs
    records = parse_event(json.loads(path.read_text()))
    # Then it is read (possibly as an unknown but well-formed message), unless it is not an event at all
    expected_rejections = [e["error"] for e in PUBLIC_EXPECTED[path.name] if "error" in e]
    assert [r.reason for r in records if isinstance(r, Rejected)] == expected_rejections
    assert len(records) == len(PUBLIC_EXPECTED[path.name])


def test_same_transition_has_one_dedup_key_whichever_transport():
    # Given one alarm transition delivered by SNS and again by EventBridge
    sns_event = load_event("service-down.sns.alarm.json")
    message = json.loads(sns_event["Records"][0]["Sns"]["Message"])
    eventbridge_event = {
        "version": "0",
        "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": message["AWSAccountId"],
        "time": "2026-11-26T14:02:11Z",
        "region": "us-east-1",
        "resources": [message["AlarmArn"]],
        "detail": {
            "alarmName": message["AlarmName"],
            "state": {"value": "ALARM", "reason": "r", "timestamp": message["StateChangeTime"]},
            "configuration": {"description": message["AlarmDescription"]},
        },
    }
    # When both are parsed
    via_sns = parse_event(sns_event)[0]
    via_eventbridge = parse_event(eventbridge_event)[0]
    ok = parse_event(load_event("service-down.sns.ok.json"))[0]
    # Then they share one key (one incident, one notification), and the alarm's OK has another
    assert isinstance(via_sns, Signal) and isinstance(via_eventbridge, Signal) and isinstance(ok, Signal)
    assert via_sns.dedup_key == via_eventbridge.dedup_key
    assert via_sns.dedup_key != ok.dedup_key


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("service-down.sns.alarm.json", AlarmKind.METRIC),
        ("high-error-rate.eventbridge.alarm.json", AlarmKind.METRIC_MATH),
        ("performance-degradation.eventbridge.alarm.json", AlarmKind.ANOMALY),
        ("service-down.composite-sns.alarm.json", AlarmKind.COMPOSITE),
        ("service-down.composite-eventbridge.alarm.json", AlarmKind.COMPOSITE),
    ],
)
def test_alarm_kinds_are_recognised(name: str, kind: AlarmKind):
    signal = parse_event(load_event(name))[0]
    assert isinstance(signal, Signal)
    assert signal.alarm_kind is kind


def test_legacy_layout_has_no_arn_but_keeps_account_and_metric():
    signal = parse_event(load_event("database.sns-legacy.alarm.json"))[0]
    assert isinstance(signal, Signal)
    assert signal.transport == "sns-legacy"
    assert signal.account == "123456789012"
    assert signal.metrics and signal.metrics[0].name


def test_a_batch_is_handled_record_by_record():
    # Given an SNS batch with a good record, a bad one, and another good one
    good = load_event("service-down.sns.alarm.json")["Records"][0]
    bad = json.loads(json.dumps(good))
    bad["Sns"]["Message"] = json.dumps({"AlarmName": "x", "NewStateValue": 42, "StateChangeTime": "now"})
    other = load_event("database.sns.alarm.json")["Records"][0]
    # When parsed
    records = parse_event({"Records": [good, bad, other]})
    # Then the good ones survive and the bad one names its position and field
    assert [type(r).__name__ for r in records] == ["Signal", "Rejected", "Signal"]
    rejected = records[1]
    assert isinstance(rejected, Rejected)
    assert rejected.reason.startswith("Records[1].NewStateValue")
    assert "\n" not in rejected.reason


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ([1, 2], "JSON list"),
        ("text", "JSON str"),
        ({"hello": "world"}, "no known event shape"),
        ({"Records": []}, "non-empty list"),
        ({"Records": [{"foo": 1}]}, "Records[0]: not an SNS or SQS record"),
        ({"source": "aws.cloudwatch", "alarmData": {"alarmName": "a"}, "alarmArn": "x"}, "alarmData.state"),
    ],
)
def test_bad_events_are_rejected_with_a_reason(event, problem):
    records = parse_event(event)
    assert len(records) == 1 and isinstance(records[0], Rejected)
    assert problem in records[0].reason


def test_plain_text_sns_message_is_unknown_not_an_error():
    signal = parse_event(load_event("unknown.sns.plain-text.json"))[0]
    assert isinstance(signal, Signal) and signal.source is SignalSource.UNKNOWN


def test_insufficient_data_state_is_kept():
    signal = parse_event(load_event("resource-pressure.sns.insufficient-data.json"))[0]
    assert isinstance(signal, Signal) and signal.state is AlarmState.INSUFFICIENT_DATA


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-26T14:00:00.000+0000",
        "2026-11-26T14:00:00Z",
        "2026-11-26T14:00:00.000Z",
        "2026-11-26T14:00:00+00:00",
        "2026-11-26 14:00:00.000",
        "Thu, 26 Nov 2026 14:00:00 GMT",
    ],
)
def test_timestamps_in_every_aws_spelling(text: str):
    assert parse_timestamp(text).isoformat().startswith("2026-11-26T14:00:00")


def test_unreadable_timestamp_names_the_value():
    with pytest.raises(ValueError, match="yesterday"):
        parse_timestamp("yesterday")


def test_a_scheduled_change_carries_its_window():
    # Given AWS Health's notice of RDS maintenance on 3 December, 06:00-06:30 UTC
    signal = parse_event(load_event("maintenance.health.scheduled.json"))[0]
    # Then the signal says when it starts and ends (the maintenance window to come)
    assert isinstance(signal, Signal)
    assert (signal.starts_at, signal.ends_at) == (
        parse_timestamp("Thu, 03 Dec 2026 06:00:00 GMT"),
        parse_timestamp("Thu, 03 Dec 2026 06:30:00 GMT"),
    )
    assert signal.event_fields["eventTypeCategory"] == ("scheduledChange",)


def test_an_rds_subscription_message_gets_the_categories_aws_files_its_event_under():
    # Given RDS-EVENT-0049 through an RDS event subscription (SNS names no category)
    signal = parse_event(load_event("database.rds-sns.event.json"))[0]
    # Then it is the DB instance event AWS lists under "failover", as EventBridge would have delivered it
    assert isinstance(signal, Signal)
    assert signal.detail_type == "RDS DB Instance Event"
    assert signal.event_fields == {"EventID": ("RDS-EVENT-0049",), "EventCategories": ("failover",)}


def test_a_failed_deployment_names_its_deployment():
    signal = parse_event(load_event("deployment.ecs.failed.json"))[0]
    assert isinstance(signal, Signal)
    assert signal.deployment_id == "ecs-svc/4938517620394817261"
    assert signal.event_fields == {"eventName": ("SERVICE_DEPLOYMENT_FAILED",), "eventType": ("ERROR",)}


def test_an_abuse_event_is_a_health_signal():
    signal = parse_event(load_event("abuse-report.health.abuse-event.json"))[0]
    assert isinstance(signal, Signal) and signal.source is SignalSource.HEALTH
    assert signal.detail_type == "AWS Health Abuse Event" and signal.name == "AWS_ABUSE_PORT_SCANNING_REPORT"


def test_an_ecs_task_state_change_is_read_not_unknown():
    # Given the ECS task event another project wrapped in SNS
    wrapped = FIXTURES / "public" / "assertible.sns.wrapped-eventbridge-ecs-task.json"
    signal = parse_event(json.loads(wrapped.read_text()))[0]
    # Then it is an ECS signal naming the task's state and the service's group
    assert isinstance(signal, Signal) and signal.source is SignalSource.ECS
    assert (signal.name, signal.event_fields["lastStatus"]) == ("task PENDING", ("PENDING",))
    assert "service:mycontainername" in signal.resources
