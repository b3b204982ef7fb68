"""The EventBridge rules route what the event policy acts on, and nothing it ignores by type.

Each row of the policy is turned into an event (the row's values, nothing an earlier row asks
for), published on moto's EventBridge with the synthesized rules in place, and followed to the
rules' SQS stand-in targets; the same event, read by the intake's parser and classifier, must
land on that very row. So the table, the routes and the classifier cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.policy import RUNBOOK, EventAction, EventRule
from functions.scenarios import Action, classify
from infra.asl import fake_resolver
from tests.conftest import own_fields
from tests.infra.conftest import of_type
from tests.samples import SAMPLE_SERVICES

REGION, ACCOUNT = "us-east-1", "123456789012"
SERVICE = SAMPLE_SERVICES[0]
SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{SERVICE.cluster}/{SERVICE.ecs_service}"
SOURCES = {"ecs": "aws.ecs", "rds": "aws.rds", "health": "aws.health"}
# What each detail layout needs besides the row's own fields.
REQUIRED = {
    "ECS Task State Change": {"lastStatus": "STOPPED"},
    "ECS Container Instance State Change": {"status": "ACTIVE"},
    "AWS Health Event": {"eventTypeCode": "AWS_EXAMPLE_EVENT", "eventTypeCategory": "UNLISTED"},
    "AWS Health Abuse Event": {"eventTypeCode": "AWS_ABUSE_EXAMPLE_REPORT", "eventTypeCategory": "issue"},
}


def event_for(row: EventRule) -> dict[str, Any]:
    """The EventBridge event AWS would send for this row, about the runbook's service."""
    fields = own_fields(row)
    detail: dict[str, Any] = dict(REQUIRED.get(row.detail_type, {}))
    for field, values in fields.items():
        detail[field] = list(values) if field == "EventCategories" else values[0]
    resources: list[str] = []
    if row.source == "ecs":
        detail.setdefault("eventName", "UNLISTED")
        resources = [SERVICE_ARN]
    elif row.source == "rds":
        detail |= {"SourceIdentifier": SERVICE.db_instance, "Message": "an event"}
        detail.setdefault("EventID", "RDS-EVENT-9999")
    else:
        detail["affectedEntities"] = [{"entityValue": SERVICE.db_instance}]
    return {
        "version": "0", "id": "0d7e2c9a-0000-4000-8000-000000000000", "detail-type": row.detail_type,
        "source": SOURCES[row.source], "account": ACCOUNT, "time": "2026-11-26T14:00:00Z", "region": REGION,
        "resources": resources, "detail": detail,
    }  # fmt: skip


def _rendered(value: Any, resolve: Callable[[dict[str, Any]], str]) -> Any:
    """The pattern with CloudFormation's Fn::Join/Ref (the service ARN's region and account) resolved."""
    if isinstance(value, list):
        return [_rendered(v, resolve) for v in value]
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(_rendered(part, resolve)) for part in parts)
    if isinstance(value, dict) and set(value) & {"Ref", "Fn::GetAtt"}:
        return resolve(value)
    if isinstance(value, dict):
        return {k: _rendered(v, resolve) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def route(template) -> Iterator[Callable[[dict[str, Any]], set[str]]]:
    """Publish an event on moto's EventBridge with the template's rules; the rules that matched it."""
    resolve = fake_resolver(template, region=REGION, account=ACCOUNT)
    rules = {key: _rendered(r["Properties"]["EventPattern"], resolve)
             for key, r in of_type(template["Resources"], "AWS::Events::Rule").items()
             if r["Properties"].get("EventPattern", {}).get("source", [""])[0] in SOURCES.values()}  # fmt: skip
    with mock_aws():
        bus, sqs = boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)
        queues = {}
        for index, (key, pattern) in enumerate(rules.items()):
            url = sqs.create_queue(QueueName=f"rule-{index}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            bus.put_rule(Name=f"rule-{index}", EventPattern=json.dumps(pattern))
            bus.put_targets(Rule=f"rule-{index}", Targets=[{"Id": "intake", "Arn": arn}])
            queues[key] = url

        def publish(event: dict[str, Any]) -> set[str]:
            entry = {"Source": event["source"], "DetailType": event["detail-type"], "Resources": event["resources"],
                     "Detail": json.dumps(event["detail"])}  # fmt: skip
            assert bus.put_events(Entries=[entry])["FailedEntryCount"] == 0
            matched = set()
            for key, url in queues.items():
                for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                    matched.add(key)
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            return matched

        yield publish


ACTING = [row for row in RUNBOOK.event_rules if row.action is not EventAction.IGNORE]
UNROUTED_TYPES = sorted({r.detail_type for r in RUNBOOK.event_rules} - {r.detail_type for r in ACTING})


@pytest.mark.parametrize("row", ACTING, ids=lambda row: row.label)
def test_every_event_the_policy_acts_on_reaches_the_intake_and_lands_on_its_row(route, row: EventRule):
    # Given the event of a row that records or opens
    event = event_for(row)
    # When AWS publishes it, Then exactly one rule sends it to the intake
    assert len(route(event)) == 1
    # And the intake reads it as that row, for the service
    signal = parse_event(event)[0]
    assert isinstance(signal, Signal)
    assert RUNBOOK.event_rule(row.detail_type, signal.event_fields) is row
    result = classify(signal, SAMPLE_SERVICES)
    assert (result.action, result.service) == (
        Action.OPEN if row.action is EventAction.OPEN else Action.TIMELINE, SERVICE.name,
    )  # fmt: skip


@pytest.mark.parametrize("detail_type", UNROUTED_TYPES)
def test_an_event_type_the_policy_ignores_whole_is_not_routed(route, detail_type: str):
    # Given an event of a type whose every row ignores (task state changes, snapshots, ...)
    row = [r for r in RUNBOOK.event_rules if r.detail_type == detail_type][-1]
    # Then no rule invokes the intake for it
    assert route(event_for(row)) == set()


def test_the_watched_services_events_only(route):
    # Given the service's failed deployment, but of another ECS service in the account
    row = RUNBOOK.event_rule("ECS Deployment State Change", {"eventName": ("SERVICE_DEPLOYMENT_FAILED",)})
    assert row is not None
    event = event_for(row) | {"resources": [f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/other-cluster/other"]}
    # Then no rule sends it: the stack routes what the service config names
    assert route(event) == set()


def test_a_steady_state_report_is_not_routed(route):
    row = RUNBOOK.event_rule("ECS Service Action", {"eventName": ("SERVICE_STEADY_STATE",), "eventType": ("INFO",)})
    assert row is not None and row.action is EventAction.IGNORE
    assert route(event_for(row)) == set()
