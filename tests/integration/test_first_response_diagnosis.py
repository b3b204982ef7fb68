"""Each scenario's sample alarm, in a world broken that way, gets findings that name the broken
resource and `ok` where the resource is healthy; the evidence re-classifies and says why."""

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
from local.lambda_context import FakeLambdaContext
from local.seed import seed_world, with_overrides
from local.seed_health import stop_health_servers
from local.virtual_clock import VirtualClock
from local.world import local_world
from tests.conftest import load_event

# scenario → (a check that must find the breakage, the resource it must name, a check that must be ok)
EXPECTED = {
    "service-down": ("alb_target_health", "flask-sre-challenge-tg", "rds_instance"),
    "high-error-rate": ("alb_error_rate", "5xx", "rds_instance"),
    "performance-degradation": ("alb_latency", "p99", "ecs_utilization"),
    "database": ("rds_instance", "flask-sre-challenge-db", None),
    "resource-pressure": ("ecs_utilization", "flask-sre-challenge-service", None),
    "circuit-breaker": ("error_log_signatures", "ERROR", "alb_target_health"),
    "error-budget": ("alb_error_rate", "error budget", "alb_target_health"),
}


def first_response(event_name: str, world_scenario: str) -> tuple[Incident, list[str]]:
    event = load_event(event_name)
    signal = parse_event(event)[0]
    assert isinstance(signal, Signal)
    clock = VirtualClock(signal.occurred_at)
    with clock.installed(), local_world() as world:
        seeded = [with_overrides(s, seed_world(world.clients, s, world_scenario, clock.now())) for s in world.services]
        os.environ["SERVICES"] = json.dumps([s.model_dump(mode="json") for s in seeded])
        container.reset()
        try:
            result = handler(event, FakeLambdaContext())["results"][0]
            incident = container.store().get(result["incident_id"])
            assert incident is not None
            timeline = [e.text for e in container.store().timeline(incident.id)]
            messages = [m.text for m in world.delivered() if m.kind == "initial" and m.channel.startswith("sns")]
        finally:
            stop_health_servers()
    return incident, timeline + messages


def by_check(incident: Incident) -> dict[str, dict[str, Any]]:
    return {f["check"]: f for f in incident.findings}


@pytest.fixture(autouse=True)
def _restore_services() -> Iterator[None]:
    saved = os.environ.get("SERVICES")
    yield
    if saved is None:
        os.environ.pop("SERVICES", None)
    else:
        os.environ["SERVICES"] = saved
    container.reset()


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_findings_name_the_broken_resource_and_ok_the_healthy_one(scenario: str):
    incident, _ = first_response(f"{scenario}.sns.alarm.json", scenario)
    broken, resource, healthy = EXPECTED[scenario]
    findings = by_check(incident)
    assert findings[broken]["status"] in ("warning", "critical"), findings[broken]
    assert resource in findings[broken]["summary"]
    if healthy:
        assert findings[healthy]["status"] == "ok", findings[healthy]
    assert all(f["command"].startswith(("aws ", "curl ")) for f in incident.findings)


def test_no_healthy_targets_turn_a_p1_latency_alarm_into_a_p0_service_down_with_the_rule_recorded():
    # Given a P1 latency alarm while the service is actually down
    incident, seen = first_response("performance-degradation.sns.alarm.json", "service-down")
    # Then the evidence makes it P0 service-down, the rule is on the timeline, and the first message says P0
    assert (incident.severity.value, incident.scenario) == ("P0", "service-down")
    assert any(text.startswith("Evidence re-classified P1 performance-degradation → P0 service-down") for text in seen)
    assert any(text.startswith("🚨 INCIDENT ALERT - P0") for text in seen)
