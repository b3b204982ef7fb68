"""Every handler's metrics leave the function: one EMF line on stdout per invocation that recorded any
(CloudWatch turns it into the metrics the self-monitoring alarms watch)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions import clock, container
from functions.handlers.alarm_intake import handler as intake
from functions.handlers.escalation_step import handler as escalation_step
from functions.handlers.status_page import handler as status_page
from functions.observability import INCIDENT_CHANNEL_FAILED_METRIC, metrics
from local.humans import call_actions_api
from local.lambda_context import FakeLambdaContext
from tests.conftest import load_event

BASE = "https://responder.example.invalid"


def emitted_metrics(stdout: str) -> set[str]:
    """The metric names in the EMF lines printed (log lines are JSON too, without `_aws`)."""
    names: set[str] = set()
    for line in stdout.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            for directive in document["_aws"]["CloudWatchMetrics"]:
                names.update(metric["Name"] for metric in directive["Metrics"])
    return names


@pytest.fixture
def opened(world, frozen_clock, capsys) -> dict[str, Any]:
    """A P0 opened by the intake (with its incident channel); what that printed is discarded."""
    metrics.clear_metrics()
    result = intake(load_event("service-down.sns.alarm.json"), FakeLambdaContext())
    capsys.readouterr()
    return dict(result["results"][0])


def test_the_intake_prints_its_metrics(world, frozen_clock, capsys):
    # When an alarm opens an incident
    metrics.clear_metrics()
    intake(load_event("service-down.sns.alarm.json"), FakeLambdaContext())
    # Then the count of incidents opened leaves as EMF
    assert "Intake_opened" in emitted_metrics(capsys.readouterr().out)


def test_the_actions_api_prints_a_failed_channel_archive(world, opened, capsys):
    # Given Slack refusing to archive the incident's channel
    incident = container.store().get(opened["incident_id"])
    assert incident is not None and incident.channel is not None
    world.slack_api.fail("conversations.archive", times=10)  # beyond the client's retries
    signer = container.signer()
    assert signer is not None

    # When someone resolves the incident with the link
    token = signer.sign(incident.id, "resolve", clock.now())
    response = call_actions_api("POST", f"{BASE}/actions/resolve", {"t": token, "by": "alice"})

    # Then the failure the ops alarm watches leaves the actions function as EMF
    assert response["statusCode"] == 200
    assert INCIDENT_CHANNEL_FAILED_METRIC in emitted_metrics(capsys.readouterr().out)


def test_the_escalation_step_prints_its_metrics(world, opened, capsys):
    # When the state machine wakes the step for the open incident
    incident = container.store().get(opened["incident_id"])
    assert incident is not None
    escalation_step({"incident_id": incident.id, "generation": incident.escalation_generation}, FakeLambdaContext())
    # Then its wake-up count leaves as EMF
    assert "EscalationWakeups" in emitted_metrics(capsys.readouterr().out)


def test_the_status_page_prints_its_metrics(world, opened, capsys):
    # When the status page is regenerated (an invocation without stream records)
    status_page({}, FakeLambdaContext("status-page"))
    # Then its publication leaves as EMF
    assert "StatusPagePublished" in emitted_metrics(capsys.readouterr().out)


def test_every_handler_module_is_covered_here():
    # Given the Lambda entry points in functions/handlers/ (declarations.py is a router of the actions API)
    from pathlib import Path

    import functions.handlers

    folder = Path(functions.handlers.__file__).parent
    entry_points = {path.stem for path in folder.glob("*.py") if "\ndef handler(" in path.read_text()}
    # Then each has its EMF test above: a new handler needs one too
    assert entry_points == {"alarm_intake", "actions", "escalation_step", "status_page"}
