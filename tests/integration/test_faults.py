"""Failures around the responder: Slack down, DynamoDB throttling, Step Functions refusing, the
intake failing outright. In every case the incident exists and a person is notified, or the
failure is itself visible (metric / dead-letter queue) and a redelivery finishes the job."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions import container
from functions.handlers.alarm_intake import handler
from functions.notifications import channels
from local.faults import Fault, inject
from local.lambda_context import FakeLambdaContext
from local.redrive import redrive
from local.stepfunctions import LambdaBridge, VirtualScheduler, patched_moto
from tests.conftest import load_event

ALARM = "service-down.sns.alarm.json"


def invoke(event: Any) -> dict[str, Any]:
    return handler(event, FakeLambdaContext())


def initial(world) -> list:
    return [m for m in world.delivered() if m.kind == "initial"]


def test_slack_answering_500_is_retried_then_sns_still_delivers_and_it_is_counted(
    world, frozen_clock, monkeypatch, capsys
):
    monkeypatch.setattr(channels, "SLACK_BACKOFF_SECONDS", 0.01)
    world.slack.status = 500
    invoke(load_event(ALARM))
    assert [m.channel for m in initial(world) if m.channel != "slack"] == ["sns:notify-P0"]
    initial_posts = [p for p in world.slack.posts if p["metadata"]["kind"] == "initial"]
    assert len(initial_posts) == channels.SLACK_ATTEMPTS  # retried, then given up
    assert '"SlackDeliveryFailed"' in capsys.readouterr().out  # the failure is a metric (EMF)


def test_slack_timing_out_does_not_hold_up_the_sns_delivery(world, frozen_clock, monkeypatch):
    monkeypatch.setattr(channels, "SLACK_BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(channels, "SLACK_TIMEOUT_SECONDS", 0.2)
    world.slack.delay_seconds = 1.0
    invoke(load_event(ALARM))
    assert "sns:notify-P0" in [m.channel for m in initial(world)]


def test_dynamodb_throttling_is_absorbed_by_the_clients_retries(world, frozen_clock):
    with inject(Fault("dynamodb", "TransactWriteItems", "ThrottlingException", times=2)) as (fault,):
        result = invoke(load_event(ALARM))["results"][0]
    assert result["result"] == "opened" and len(fault.seen) >= 3
    assert len([m for m in initial(world) if m.channel.startswith("sns")]) == 1


def test_dynamodb_throttled_beyond_retries_fails_the_invocation_with_nothing_half_written(world, frozen_clock):
    with (
        inject(Fault("dynamodb", "TransactWriteItems", "ThrottlingException", times=1000)),
        pytest.raises(Exception, match="Throttling"),
    ):
        invoke(load_event(ALARM))  # Lambda retries the event, then parks it on the failure queue
    assert world.clients.dynamodb.scan(TableName="runbook-responder-incidents")["Items"] == []
    assert initial(world) == []


@pytest.fixture
def state_machine(world) -> str:
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    role = "arn:aws:iam::123456789012:role/escalation"
    arn = world.clients.stepfunctions.create_state_machine(
        name="escalation", definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]
    import os

    os.environ["ESCALATION_STATE_MACHINE_ARN"] = arn
    container.reset()
    yield arn
    os.environ.pop("ESCALATION_STATE_MACHINE_ARN", None)


def test_escalation_refused_keeps_the_incident_and_the_page_and_a_redelivery_finishes(
    world, frozen_clock, state_machine
):
    # Given Step Functions refusing StartExecution (503, through the client's retries)
    refusal = Fault("sfn", "StartExecution", "ServiceUnavailable", times=100, status=503)
    # When the alarm arrives, the invocation fails (so Lambda retries it and the Errors alarm sees it)
    with inject(refusal), pytest.raises(Exception, match="ServiceUnavailable"):
        invoke(load_event(ALARM))
    # Then the incident exists and people were notified already
    store = container.store()
    incident = store.open_incident("flask-sre-challenge")
    assert incident is not None and not incident.first_response_done
    assert len([m for m in initial(world) if m.channel.startswith("sns")]) == 1
    # When Lambda redelivers the same event and Step Functions is back
    assert len(refusal.seen) > 1  # the client retried before giving up
    result = invoke(load_event(ALARM))["results"][0]
    # Then the first response is finished, the execution started, and nobody is notified twice
    assert result["result"] == "duplicate"
    finished = store.get(incident.id)
    assert finished is not None and finished.first_response_done and finished.escalation_execution
    executions = world.clients.stepfunctions.list_executions(stateMachineArn=state_machine)["executions"]
    assert [e["name"] for e in executions] == [f"{incident.id}-g0"]
    assert len([m for m in initial(world) if m.channel.startswith("sns")]) == 1


def test_failed_event_on_the_dead_letter_queue_is_redriven_through_the_intake(world, frozen_clock):
    # Given a Lambda on-failure destination record (the documented AWS shape) on the failure queue
    record = {
        "version": "1.0",
        "timestamp": "2026-11-26T14:05:00.000Z",
        "requestContext": {
            "requestId": "r-1",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:intake",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": load_event(ALARM),
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "ThrottlingException", "errorType": "ClientError"},
    }
    queue = world.queues["dlq"]
    world.clients.sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(record))
    world.clients.sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"reasons": ["bad"], "event": {"x": 1}}))
    lam = world.clients.client("lambda")
    iam = world.clients.client("iam")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(
        FunctionName="intake",
        Runtime="python3.13",
        Role=role,
        Handler="functions.handlers.alarm_intake.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
    )
    bridge = LambdaBridge()
    bridge.register("intake", "functions.handlers.alarm_intake.handler")
    # When the operator redrives it
    with patched_moto(VirtualScheduler(frozen_clock), bridge):
        report = redrive(world.clients.sqs, lam, queue, "intake")
    # Then the incident is opened and notified, the record is gone, the parked bad input is left alone
    assert report.redriven == 1 and len(report.skipped) == 1 and not report.failed
    assert container.store().open_incident("flask-sre-challenge") is not None
    assert len([m for m in initial(world) if m.channel.startswith("sns")]) == 1
    left = world.clients.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    assert [json.loads(m["Body"]).get("reasons") for m in left.get("Messages", [])] == [["bad"]]
