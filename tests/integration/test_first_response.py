"""The first response as people receive it (D19): a P0 is announced at once and its diagnosis follows;
P1-P3 get one Initial Notification with the diagnosis; nothing is sent twice, and the evidence that
raises the severity moves the escalation clock onto the new ladder."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from functions import container
from functions.handlers.alarm_intake import handler
from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from local.lambda_context import FakeLambdaContext
from local.seed import seed_world, with_overrides
from local.seed_health import stop_health_servers
from local.virtual_clock import VirtualClock
from local.world import local_world
from tests.conftest import load_event


@pytest.fixture
def broken(request) -> Iterator[Any]:
    """The embedded AWS broken as `request.param`'s scenario, the clock at the sample alarm's time."""
    signal = parse_event(load_event("service-down.sns.alarm.json"))[0]
    assert isinstance(signal, Signal)
    clock = VirtualClock(signal.occurred_at)
    saved = os.environ.get("SERVICES")
    with clock.installed(), local_world() as world:
        seeded = [with_overrides(s, seed_world(world.clients, s, request.param, clock.now())) for s in world.services]
        os.environ["SERVICES"] = json.dumps([s.model_dump(mode="json") for s in seeded])
        container.reset()
        try:
            yield world
        finally:
            stop_health_servers()
    if saved is not None:
        os.environ["SERVICES"] = saved
    container.reset()


def deliver(name: str) -> dict[str, Any]:
    result: dict[str, Any] = handler(load_event(name), FakeLambdaContext())["results"][0]
    return result


def received(world) -> list[Any]:
    return [m for m in world.delivered() if m.channel.startswith("sns:notify")]


@pytest.mark.parametrize("broken", ["service-down"], indirect=True)
def test_a_p0_is_announced_before_its_checks_and_their_verdicts_follow_in_an_update(broken):
    # When a P0 "no healthy targets" alarm opens an incident
    incident_id = deliver("service-down.sns.alarm.json")["incident_id"]
    # Then the Initial Notification went first, saying the diagnosis follows, with no verdict in it
    initial, update = received(broken)
    assert (initial.kind, update.kind) == ("initial", "update")
    assert "the automatic checks are running; their verdicts follow" in initial.text
    assert "❌" not in initial.text
    # And the update carries the verdicts that named the broken target group
    assert "**Diagnosis** (automatic checks" in update.text and "flask-sre-challenge-tg" in update.text
    # And the incident holds the findings, and the ledger says both went out
    incident = container.store().get(incident_id)
    assert incident is not None and incident.first_response_done and incident.findings


@pytest.mark.parametrize("broken", ["service-down"], indirect=True)
def test_a_redelivered_p0_sends_nothing_twice(broken):
    deliver("service-down.sns.alarm.json")
    again = deliver("service-down.sns.alarm.json")
    assert again["result"] == "duplicate"
    assert [m.kind for m in received(broken)] == ["initial", "update"]


@pytest.mark.parametrize("broken", ["performance-degradation"], indirect=True)
def test_a_p1_gets_one_initial_notification_with_its_diagnosis(broken):
    deliver("performance-degradation.sns.alarm.json")
    [initial] = received(broken)
    assert initial.kind == "initial" and "**Diagnosis** (automatic checks" in initial.text
    assert "verdicts follow" not in initial.text


@pytest.mark.parametrize("broken", ["service-down"], indirect=True)
def test_evidence_raising_the_severity_moves_the_escalation_onto_the_new_ladder(broken, monkeypatch):
    # Given an escalation state machine the clock can start (its ladder is not played here)
    machine = broken.clients.stepfunctions.create_state_machine(
        name="ladder", roleArn="arn:aws:iam::123456789012:role/ladder", type="STANDARD",
        definition=json.dumps({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": True}}}),
    )["stateMachineArn"]  # fmt: skip
    monkeypatch.setenv("ESCALATION_STATE_MACHINE_ARN", machine)
    container.reset()
    # When a P1 latency alarm fires while the service is down (no healthy targets)
    incident_id = deliver("performance-degradation.sns.alarm.json")["incident_id"]
    # Then the evidence made it P0, and the ladder runs as generation 1 under the P0 times, the P1 one stopped
    incident = container.store().get(incident_id)
    assert incident is not None and incident.severity.value == "P0"
    assert incident.escalation_generation == 1 and incident.escalation_execution.endswith(f"{incident_id}-g1")
    executions = broken.clients.stepfunctions.list_executions(stateMachineArn=machine)["executions"]
    status = {e["name"]: e["status"] for e in executions}
    assert status == {f"{incident_id}-g0": "ABORTED", f"{incident_id}-g1": "RUNNING"}
    for execution in executions:
        if execution["status"] == "RUNNING":
            broken.clients.stepfunctions.stop_execution(executionArn=execution["executionArn"])
