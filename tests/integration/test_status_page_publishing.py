"""Incident store → table stream → status page function → S3, on moto, through the real handler."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from functions import container
from functions.handlers import status_page
from functions.incident import Incident, IncidentStatus
from functions.incident_store import STATUS_PAGE_PK
from functions.lifecycle import Decision
from functions.policy import Severity
from functions.settings import SettingsError
from functions.status_page.stream import NotAStreamBatch
from local.lambda_context import FakeLambdaContext
from local.streams import StreamPump
from local.world import TABLE, environment, local_world
from tests.status_page_story import CANARY, PAYMENTS, SERVICES, SHOP, T0, incident, moved

BUCKET = "status-page-site"
MIN = timedelta(minutes=1)


class Site:
    def __init__(self, world: Any) -> None:
        self.world = world
        self.results: list[dict[str, Any]] = []
        self.pump = StreamPump(world.clients.dynamodb, TABLE, self._invoke)

    def _invoke(self, event: dict[str, Any], context: Any) -> None:
        self.results.append(status_page.handler(event, context))

    def commit(self, item: Incident, *, created: bool = False) -> Incident:
        decision = Decision(incident=item, created=created, release_open_pointer=not item.is_open)
        stored = container.store().commit(decision, now=item.updated_at)
        assert stored is not None
        self.pump.pump()
        return stored

    def status(self) -> dict[str, Any]:
        body = self.world.clients.s3.get_object(Bucket=BUCKET, Key="status.json")["Body"].read()
        return dict(json.loads(body))

    def page(self) -> str:
        return str(self.world.clients.s3.get_object(Bucket=BUCKET, Key="index.html")["Body"].read().decode())

    def states(self) -> dict[str, str]:
        return {service["name"]: service["state"] for service in self.status()["services"]}

    def status_page_items(self) -> list[dict[str, Any]]:
        return list(
            self.world.clients.dynamodb.query(
                TableName=TABLE,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": STATUS_PAGE_PK}},
            )["Items"]
        )


@pytest.fixture
def site(frozen_clock) -> Iterator[Site]:
    with local_world(services=SERVICES) as world:  # its table has the deployed stream
        world.clients.s3.create_bucket(Bucket=BUCKET)
        with environment({"STATUS_PAGE_BUCKET": BUCKET}):
            container.reset()
            yield Site(world)


def open_outage(site: Site) -> Incident:
    return site.commit(incident(PAYMENTS, "service-down", Severity.P0, T0, "payments-api-no-healthy-targets"),
                       created=True)  # fmt: skip


def test_a_public_outage_is_published_with_its_content_types_and_a_short_cache(site):
    # When a public P0 opens
    open_outage(site)

    # Then the page and status.json say the service is in outage
    assert site.states() == {"flask-sre-challenge": "operational", "payments-api": "outage", "accounts": "operational"}
    assert "Service unavailable" in site.page()
    for key, content_type in (("index.html", "text/html; charset=utf-8"), ("status.json", "application/json")):
        head = site.world.clients.s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ContentType"] == content_type
        assert head["CacheControl"] == "public, max-age=60"


def test_the_page_follows_the_incident_from_outage_to_resolved(site):
    # Given a published outage
    stored = open_outage(site)

    # When it moves to monitoring, then resolved
    stored = site.commit(moved(stored, IncidentStatus.MONITORING, T0 + 30 * MIN))
    monitoring = site.states()["payments-api"]
    site.commit(moved(stored, IncidentStatus.RESOLVED, T0 + 50 * MIN))

    # Then the service went degraded, then operational, and the incident is history with every update
    assert (monitoring, site.states()["payments-api"]) == ("degraded", "operational")
    (resolved,) = site.status()["incidents"]
    assert resolved["resolved_at"] == "2026-11-26T14:50:00Z"
    assert [update["status"] for update in resolved["updates"]] == ["Investigating", "Monitoring", "Resolved"]
    assert [r["published"] for r in site.results] == [True, True, True]


def test_a_change_to_internal_fields_only_does_not_regenerate_the_page(site):
    # Given a published outage
    stored = open_outage(site)
    published = len(site.results)

    # When only internal fields change (an acknowledgement, a finding)
    internal = stored.model_copy(update={"actions_taken": [*stored.actions_taken, "L2 acknowledged by bob"]})
    site.commit(internal)

    # Then the stream carried the incident's change but no status-page change: nothing was republished
    assert site.results[published:] == [{"published": False}]


def test_an_incident_set_private_leaves_the_page(site):
    # Given a published outage
    stored = open_outage(site)

    # When a person sets it private
    site.commit(stored.model_copy(update={"public": False}))

    # Then its item is gone and the page no longer shows it
    assert site.status_page_items() == []
    assert site.states()["payments-api"] == "operational"
    assert site.status()["incidents"] == []


def test_private_incidents_and_the_synthetic_test_never_reach_the_table_page_or_bucket(site):
    # When a P2, a security breach (private by policy) and the synthetic test's P0 (even set public) open
    site.commit(incident(SHOP, "performance-degradation", Severity.P2, T0, "latency-rise"), created=True)
    site.commit(
        incident(PAYMENTS, "security-breach", Severity.P0, T0, "security-report-7731", declared_by="carol"),
        created=True,
    )
    canary = incident(CANARY, "service-down", Severity.P0, T0, "canary-no-healthy-targets")
    site.commit(canary.model_copy(update={"public": True}), created=True)

    # Then no status-page item exists and the page was never generated
    assert site.status_page_items() == []
    assert site.results and all(result == {"published": False} for result in site.results)
    assert site.world.clients.s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_a_resolved_incident_expires_a_little_after_the_pages_window_and_an_open_one_never(site):
    stored = open_outage(site)
    (open_item,) = site.status_page_items()
    site.commit(moved(stored, IncidentStatus.RESOLVED, T0 + 50 * MIN))
    (resolved_item,) = site.status_page_items()
    assert "expires_at" not in open_item
    expires = int(resolved_item["expires_at"]["N"])
    assert expires == int((T0 + 50 * MIN + timedelta(days=95)).timestamp())


def test_the_history_since_a_moment_keeps_open_incidents_opened_before_it(site):
    # Given an incident resolved long ago, and one opened before the moment and still open
    old = site.commit(incident(SHOP, "service-down", Severity.P0, T0 - timedelta(days=120), "a"), created=True)
    site.commit(moved(old, IncidentStatus.RESOLVED, T0 - timedelta(days=100)))
    lingering = site.commit(incident(PAYMENTS, "service-down", Severity.P0, T0 - timedelta(days=95), "b"),
                            created=True)  # fmt: skip

    # When the history since 90 days ago is read
    history = container.store().status_page_history(T0 - timedelta(days=90))

    # Then only the open one is in it
    assert [item.service for item in history] == [lingering.service]


def test_a_batch_without_status_page_records_publishes_nothing(site):
    # Given a stream batch of another item's change
    record = {"eventName": "MODIFY", "dynamodb": {"Keys": {"pk": {"S": "INCIDENT#x"}, "sk": {"S": "META"}}}}

    # Then the function does nothing
    assert status_page.handler({"Records": [record]}, FakeLambdaContext()) == {"published": False}
    assert site.world.clients.s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_an_invocation_without_records_publishes_the_page_as_it_is(site):
    # e.g. right after a deploy: every service operational
    result = status_page.handler({}, FakeLambdaContext())
    assert result["published"] is True
    assert set(site.states().values()) == {"operational"} and len(site.states()) == 3


def test_a_malformed_batch_is_refused_in_one_line(site):
    with pytest.raises(NotAStreamBatch) as refused:
        status_page.handler({"Records": "not a list"}, FakeLambdaContext())
    assert str(refused.value) == (
        "status page: not a DynamoDB stream batch: Records 'not a list': Input should be a valid list"
    )


def test_without_a_bucket_the_function_says_so_in_one_line(site):
    with environment({"STATUS_PAGE_BUCKET": ""}):
        container.reset()
        with pytest.raises(SettingsError, match="STATUS_PAGE_BUCKET"):
            status_page.handler({}, FakeLambdaContext())
