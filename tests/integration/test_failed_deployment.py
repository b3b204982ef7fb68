"""A failed deployment through the real intake handler: it opens (or raises) a P1 incident for the
service, and the first notification's diagnosis leads with the failed deployment (D16)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from functions import container
from functions.handlers.alarm_intake import handler
from functions.incident import Incident
from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.policy import Severity
from local.lambda_context import FakeLambdaContext
from local.seed import seed_world, with_overrides
from local.seed_health import stop_health_servers
from local.virtual_clock import VirtualClock
from local.world import LocalWorld, local_world
from tests.conftest import load_event

FAILED = "deployment.ecs.failed.json"
FAILED_ID = "ecs-svc/4938517620394817261"


@pytest.fixture
def story() -> Iterator[Any]:
    """A local world seeded as `scene` at the failed deployment's time; deliver(name) runs the intake."""
    signal = parse_event(load_event(FAILED))[0]
    assert isinstance(signal, Signal)
    clock = VirtualClock(signal.occurred_at)
    saved = os.environ.get("SERVICES")

    class Story:
        world: LocalWorld

        def seed(self, scene: str | None) -> None:
            clients, now = self.world.clients, clock.now()
            seeded = [with_overrides(s, seed_world(clients, s, scene, now)) for s in self.world.services]
            os.environ["SERVICES"] = json.dumps([s.model_dump(mode="json") for s in seeded])
            container.reset()

        def deliver(self, name: str) -> dict[str, Any]:
            result: dict[str, Any] = handler(load_event(name), FakeLambdaContext())["results"][0]
            return result

        def incident(self, incident_id: str) -> Incident:
            found = container.store().get(incident_id)
            assert found is not None
            return found

        def initial_text(self) -> str:
            (text,) = [m.text for m in self.world.delivered() if m.kind == "initial" and m.channel == "sns:notify-P1"]
            return text

    with clock.installed(), local_world() as world:
        told = Story()
        told.world = world
        try:
            yield told
        finally:
            stop_health_servers()
            if saved is None:
                os.environ.pop("SERVICES", None)
            else:
                os.environ["SERVICES"] = saved
            container.reset()


def recent_deployments(incident: Incident) -> dict[str, Any]:
    return next(f for f in incident.findings if f["check"] == "recent_deployments")


def test_a_failed_deployment_opens_a_p1_incident_and_its_diagnosis_leads_with_it(story):
    # Given the service rolling back from a deployment the circuit breaker failed
    story.seed("deployment")
    # When ECS's SERVICE_DEPLOYMENT_FAILED reaches the intake
    result = story.deliver(FAILED)
    # Then a P1 incident opens for the service
    assert result["result"] == "opened"
    incident = story.incident(result["incident_id"])
    assert (incident.severity, incident.scenario) == (Severity.P1, "deployment")
    assert incident.service == "flask-sre-challenge"
    # And recent_deployments ranks the failed deployment first, critical
    finding = recent_deployments(incident)
    assert finding["status"] == "critical"
    assert finding["evidence"]["deployments"][0]["id"] == FAILED_ID
    # And the first notification's diagnosis opens with it
    text = story.initial_text()
    assert "INCIDENT ALERT - P1 - flask-sre-challenge" in text
    diagnosis = text[text.index("**Diagnosis**") :]
    first_row = next(line for line in diagnosis.splitlines()[1:] if line.strip())
    assert "recent_deployments" in first_row and "flask-sre-challenge:2" in first_row and "FAILED" in first_row


def test_the_recorded_event_names_the_failure_when_ecs_no_longer_lists_it(story):
    # Given a service where ECS lists no recent deployment (the failed one already dropped out)
    story.seed(None)
    # When the failure event arrives
    incident = story.incident(story.deliver(FAILED)["incident_id"])
    # Then the diagnosis still leads with the failed deployment, from the event the intake recorded
    finding = recent_deployments(incident)
    assert finding["status"] == "critical"
    assert finding["summary"].startswith(f"deployment {FAILED_ID} FAILED as the incident opened")


def test_a_failed_deployment_joining_a_p2_incident_raises_it_to_p1(story):
    # Given an open P2 incident of the service (latency above its normal)
    story.seed(None)
    opened = story.deliver("performance-degradation.lambda-action.alarm.json")
    assert story.incident(opened["incident_id"]).severity is Severity.P2
    # When the deployment fails
    joined = story.deliver(FAILED)
    # Then it joins that incident, which is now P1, and people are told
    assert (joined["result"], joined["incident_id"]) == ("updated", opened["incident_id"])
    incident = story.incident(opened["incident_id"])
    assert (incident.severity, incident.scenario) == (Severity.P1, "deployment")
    updates = [m for m in story.world.delivered() if m.kind == "update" and m.channel == "sns:notify-P1"]
    assert updates and "INCIDENT UPDATE - P1 - flask-sre-challenge" in updates[0].text
