"""Races: every interleaving ends in one consistent incident (conditional writes with a version)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from functions import clock, container
from functions.escalation.links import ActionRefused
from functions.handlers.alarm_intake import handler
from functions.incident import IncidentStatus
from functions.intake.signal import AlarmState
from local.lambda_context import FakeLambdaContext
from tests.conftest import event_at, load_event

ALARM_NAME = "flask-sre-challenge-no-healthy-targets"


def invoke(event: Any) -> dict[str, Any]:
    return handler(event, FakeLambdaContext())


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Start every call at once (a barrier), return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # surfaced below, not lost in the thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, failures
    return results


def opened(world) -> str:
    return str(invoke(load_event("service-down.sns.alarm.json"))["results"][0]["incident_id"])


def test_acknowledge_and_resolve_at_the_same_moment_end_resolved(world, frozen_clock):
    incident_id = opened(world)
    signer = container.signer()
    assert signer is not None
    actions = container.actions()
    ack = actions.verify(signer.sign(incident_id, "ack", clock.now()), "ack")
    resolve = actions.verify(signer.sign(incident_id, "resolve", clock.now()), "resolve")

    # Two Lambda containers acting at once (one process here: the action layer, since powertools'
    # HTTP resolver keeps the current request in module state, one request per container as in Lambda)
    def acknowledge() -> int:
        try:
            return actions.acknowledge(ack, "alice", "link").status
        except ActionRefused as refused:
            return refused.status

    ack_status, resolved = together(acknowledge, lambda: actions.resolve(resolve, "bob", "link", None, None))
    resolve_status = resolved.status
    incident = container.store().get(incident_id)
    assert incident is not None and incident.status is IncidentStatus.RESOLVED
    assert resolve_status == 200 and ack_status in (200, 409)
    kinds = [e.kind for e in container.store().timeline(incident_id)]
    assert kinds[-1] == "resolved" and kinds.count("resolved") == 1
    assert ("ack" in kinds) == (ack_status == 200)  # an ack either happened before the resolve or not at all


def test_ok_and_a_later_alarm_interleaved_leave_the_latest_state(world, frozen_clock):
    incident_id = opened(world)
    start = datetime.fromisoformat("2026-11-26T14:02:10+00:00")
    ok, again = (
        event_at("service-down.sns.ok.json", start + timedelta(minutes=5)),
        event_at("service-down.sns.alarm.json", start + timedelta(minutes=6)),
    )
    together(lambda: invoke(ok), lambda: invoke(again))
    incident = container.store().get(incident_id)
    assert incident is not None and incident.status is IncidentStatus.INVESTIGATING
    member = incident.alarms[ALARM_NAME]
    assert member.state is AlarmState.ALARM and member.since == start + timedelta(minutes=6)


def test_the_same_ok_and_alarm_in_either_order_agree(world, frozen_clock):
    start = datetime.fromisoformat("2026-11-26T14:02:10+00:00")
    incident_id = opened(world)
    invoke(event_at("service-down.sns.alarm.json", start + timedelta(minutes=6)))
    invoke(event_at("service-down.sns.ok.json", start + timedelta(minutes=5)))  # arrives late: older than known
    incident = container.store().get(incident_id)
    assert incident is not None and incident.alarms[ALARM_NAME].state is AlarmState.ALARM


def test_a_resolved_incident_never_absorbs_a_new_alarm(world, frozen_clock):
    first = opened(world)
    assert container.closer().resolve(first, by="alice", channel="test") is not None
    frozen_clock.advance_to(clock.now() + timedelta(hours=1))
    again = invoke(event_at("service-down.sns.alarm.json", clock.now()))["results"][0]
    assert again["result"] == "opened" and again["incident_id"] != first
    new = container.store().get(again["incident_id"])
    old = container.store().get(first)
    assert new is not None and new.linked_incident == first
    assert old is not None and old.status is IncidentStatus.RESOLVED and ALARM_NAME in old.alarms
