"""The intake handler end to end on the embedded AWS: DynamoDB, SNS, Secrets Manager, Slack over HTTP."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from functions import container
from functions.handlers.alarm_intake import handler
from functions.incident import IncidentStatus
from functions.policy import Severity
from local.lambda_context import FakeLambdaContext
from tests.conftest import event_files, load_event


def invoke(event: Any) -> dict[str, Any]:
    return handler(event, FakeLambdaContext())


def initial_messages(world) -> list:
    return [m for m in world.delivered() if m.kind == "initial"]


def table_items(world) -> list[dict[str, Any]]:
    return world.clients.dynamodb.scan(TableName="runbook-responder-incidents")["Items"]


@pytest.mark.parametrize("path", event_files(), ids=lambda p: p.name)
def test_every_sample_event_goes_through_the_handler(world, path: Path):
    # Given any sample event
    result = invoke(json.loads(path.read_text()))
    # Then the handler answers for each record and nothing is rejected
    assert result["results"] and all(r["result"] != "rejected" for r in result["results"])


def test_p0_alarm_opens_an_incident_and_posts_the_initial_notification_everywhere(world, frozen_clock):
    result = invoke(load_event("service-down.sns.alarm.json"))
    assert result["results"][0]["result"] == "opened"
    incident = container.responder().store.get(result["results"][0]["incident_id"])
    assert incident is not None and incident.severity is Severity.P0 and incident.first_response_done
    sent = initial_messages(world)
    # Then the P0 topic's subscribers and the Slack webhook both got the runbook's Initial Notification
    assert sorted(m.channel for m in sent) == ["slack", "sns:notify-P0"]
    assert all("INCIDENT ALERT - P0 - flask-sre-challenge" in m.text for m in sent)


def test_duplicate_delivery_changes_nothing_and_posts_nothing_twice(world, frozen_clock):
    first = invoke(load_event("service-down.sns.alarm.json"))
    items_after_first = table_items(world)
    second = invoke(load_event("service-down.sns.alarm.json"))
    assert second["results"][0]["result"] == "duplicate"
    assert second["results"][0]["incident_id"] == first["results"][0]["incident_id"]
    assert len(initial_messages(world)) == 2  # one message, two channels
    assert table_items(world) == items_after_first


def test_alarm_then_ok_moves_the_incident_to_monitoring_with_a_status_update(world, frozen_clock):
    opened = invoke(load_event("service-down.sns.alarm.json"))["results"][0]
    invoke(load_event("service-down.sns.ok.json"))
    incident = container.responder().store.get(opened["incident_id"])
    assert incident is not None and incident.status is IncidentStatus.MONITORING
    updates = [m for m in world.delivered() if m.kind == "update" and m.channel.startswith("sns")]
    # the P0's diagnosis update (D19), then the Monitoring one
    assert len(updates) == 2 and "**Status**: Monitoring" in updates[-1].text


def test_p0_alarm_joining_a_p1_incident_upgrades_it(world, frozen_clock):
    p1 = invoke(load_event("performance-degradation.sns.alarm.json"))["results"][0]
    p0 = invoke(load_event("service-down.sns.alarm.json"))["results"][0]
    assert p0["incident_id"] == p1["incident_id"]
    store = container.responder().store
    incident = store.get(p1["incident_id"])
    assert incident is not None and incident.severity is Severity.P0
    kinds = [entry.kind for entry in store.timeline(incident.id)]
    assert kinds == ["opened", "diagnosed", "joined", "severity"]
    assert [m.kind for m in world.delivered() if m.channel == "slack"] == ["initial", "update"]


def test_concurrent_deliveries_of_one_alarm_open_one_incident(world, frozen_clock):
    # Given the same transition delivered to eight concurrent invocations
    event = load_event("service-down.sns.alarm.json")
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            results.append(invoke(event)["results"][0])
        except BaseException as error:  # pragma: no cover - surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then exactly one opened it, the rest saw a duplicate (or a no-op), and one message went out per channel
    assert not errors
    assert [r["result"] for r in results].count("opened") == 1
    assert len({r.get("incident_id") for r in results if r.get("incident_id")}) == 1
    assert len(initial_messages(world)) == 2


def test_concurrent_different_alarms_of_one_service_join_one_incident(world, frozen_clock):
    events = [
        load_event(name)
        for name in (
            "service-down.sns.alarm.json",
            "performance-degradation.sns.alarm.json",
            "resource-pressure.sns.alarm.json",
            "database.sns.alarm.json",
        )
    ]
    results: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda e=e: results.append(invoke(e)["results"][0])) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r["incident_id"] for r in results}) == 1
    incident = container.responder().store.get(results[0]["incident_id"])
    assert incident is not None and len(incident.alarms) == 4  # no lost update


def test_bad_record_writes_nothing_posts_nothing_and_is_parked(world, frozen_clock):
    bad = json.loads((Path(__file__).parent.parent / "fixtures/bad/sns-wrong-type.json").read_text())
    result = invoke(bad)
    assert result["results"][0]["result"] == "rejected"
    assert table_items(world) == []
    assert world.delivered() == []
    parked = world.dead_letters()
    assert len(parked) == 1 and parked[0]["reasons"][0].startswith("Records[0].NewStateValue")


def test_unrecognised_message_is_ignored_quietly(world, frozen_clock):
    result = invoke(load_event("unknown.sns.plain-text.json"))
    assert result["results"][0]["result"] == "ignored"
    assert table_items(world) == [] and world.delivered() == []


def test_slack_webhook_url_comes_from_secrets_manager_not_the_environment(world, frozen_clock):
    import os

    assert not any(world.slack.url in value for value in os.environ.values())
    invoke(load_event("service-down.sns.alarm.json"))
    assert any(m.channel == "slack" for m in world.delivered())


def test_synthetic_test_alarm_goes_to_the_ops_topic_only(world, frozen_clock, monkeypatch):
    # Given the stack's synthetic service beside the real one
    import os

    services = [*json.loads(os.environ["SERVICES"]), {"name": "responder-synthetic", "synthetic": True}]
    monkeypatch.setenv("SERVICES", json.dumps(services))
    container.reset()
    event = load_event("performance-degradation.lambda-action.alarm.json")
    event["alarmData"]["alarmName"] = "runbook-responder-dev-synthetic-test"
    event["alarmData"]["configuration"]["description"] = (
        "Daily synthetic test\n[runbook-responder rule=latency-rise severity=P2 "
        "scenario=performance-degradation service=responder-synthetic]"
    )
    # When it arrives
    result = invoke(event)["results"][0]
    # Then it opens the synthetic service's incident and nobody on call hears of it
    assert result["result"] == "opened" and result["incident_id"].startswith("responder-synthetic-")
    assert {m.channel for m in world.delivered()} == {"sns:ops"}
