"""What a delivery costs in DynamoDB calls: no read or write the outcome does not need.

SNS delivers at least once; in an alarm storm a third of the deliveries can be redeliveries. Each
is answered `duplicate` from the service-state read (which also asks for the delivery's key),
without a decision and without a TransactWriteItems that DynamoDB would only cancel. And a change
the intake has just written is not read back before the escalation's execution is recorded on it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from functions import container
from functions.handlers.alarm_intake import handler
from local.lambda_context import FakeLambdaContext
from tests.conftest import load_event

ALARM = "service-down.sns.alarm.json"
LESSER_ALARM = "performance-degradation.sns.alarm.json"  # P1 on the same service


def invoke(event: Any) -> dict[str, Any]:
    return handler(event, FakeLambdaContext())


@contextmanager
def dynamodb_calls() -> Iterator[Counter[str]]:
    """The intake's DynamoDB operations while the block runs, by name."""
    calls: Counter[str] = Counter()
    events = container.clients().dynamodb.meta.events

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    events.register("before-call.dynamodb", count)
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", count)


def test_a_redelivered_alarm_sends_no_write(world, frozen_clock):
    # Given an alarm that opened an incident
    first = invoke(load_event(ALARM))["results"][0]
    # When SNS delivers the same notification again
    with dynamodb_calls() as calls:
        again = invoke(load_event(ALARM))["results"][0]
    # Then it is the same incident's duplicate, read in one batch with the incident, and nothing is written
    assert again["result"] == "duplicate" and again["incident_id"] == first["incident_id"]
    assert calls == Counter({"BatchGetItem": 1, "GetItem": 1})


def test_a_redelivery_is_still_recognised_when_the_batch_read_is_throttled(world, frozen_clock):
    # Given an alarm that opened an incident
    first = invoke(load_event(ALARM))["results"][0]
    # When its redelivery arrives while DynamoDB leaves every key of the batch read unprocessed
    db = container.clients().dynamodb
    real = db.batch_get_item

    def throttled(**request: Any) -> dict[str, Any]:
        real(**request)
        return {"Responses": {}, "UnprocessedKeys": request["RequestItems"]}

    db.batch_get_item = throttled
    try:
        with dynamodb_calls() as calls:
            again = invoke(load_event(ALARM))["results"][0]
    finally:
        del db.batch_get_item
    # Then the keys are read one by one and the delivery is still a duplicate of the same incident
    assert again["result"] == "duplicate" and again["incident_id"] == first["incident_id"]
    assert calls["TransactWriteItems"] == 0
    assert len([m for m in world.delivered() if m.kind == "initial"]) == 2  # once on SNS, once on Slack


def test_an_upgrade_records_its_new_escalation_without_reading_the_incident_back(world, frozen_clock):
    # Given a P1 incident whose first response is done
    first = invoke(load_event(LESSER_ALARM))["results"][0]
    # When a P0 alarm of the same service joins it (an upgrade: the escalation is rescheduled)
    with dynamodb_calls() as calls:
        joined = invoke(load_event(ALARM))["results"][0]
    # Then the incident is upgraded, and read once: with the service's items, before deciding
    assert joined["result"] == "updated" and joined["incident_id"] == first["incident_id"]
    incident = container.store().get(first["incident_id"])
    assert incident is not None and incident.severity.value == "P0"
    assert calls["GetItem"] == 1 and calls["BatchGetItem"] == 1
