"""Declared incidents and maintenance windows over HTTP: signed, validated, handed to the real intake."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from functions import clock, container
from local.humans import call_actions_api, signed_headers, slack_headers
from local.world import API_SIGNING_SECRET, SLACK_SIGNING_SECRET

BASE = "https://responder.example.invalid"
SERVICE = "flask-sre-challenge"


def secret(world, name: str) -> str:
    return str(world.clients.secretsmanager.get_secret_value(SecretId=name)["SecretString"])


def post_signed(world, path: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    text = json.dumps(body)
    headers = signed_headers(key or secret(world, API_SIGNING_SECRET), text, clock.now())
    return call_actions_api("POST", f"{BASE}{path}", text, headers)


def slash(world, text: str, key: str | None = None) -> dict[str, Any]:
    form = urlencode({"command": "/incident", "text": text, "user_id": "U0ALICE", "user_name": "alice",
                      "trigger_id": "13345224609.738474920"})  # fmt: skip
    headers = slack_headers(key or secret(world, SLACK_SIGNING_SECRET), form, clock.now())
    event_headers = {"content-type": "application/x-www-form-urlencoded", **headers}
    return call_actions_api("POST", f"{BASE}/slack/commands", form, event_headers)


def initial_messages(world) -> list[Any]:
    return [m for m in world.delivered() if m.kind == "initial"]


@pytest.fixture
def api(world, frozen_clock):
    return world


def test_a_signed_declaration_opens_the_incident_through_the_intake(api):
    # When a person declares a P0 security breach with a signed request
    response = post_signed(api, "/incidents", {"kind": "security", "title": "Customer data exposed", "by": "alice",
                                               "request_id": "req-1"})  # fmt: skip
    # Then the API accepts it and names the incident and its channel
    assert response["statusCode"] == 202
    accepted = json.loads(response["body"])
    assert accepted["severity"] == "P0" and accepted["kind"] == "security-breach"
    assert accepted["channel"] == "#incident-20261126-1400-flask-sre-challenge"
    # And the intake opened it and sent the Initial Notification naming who declared it
    incident = container.store().get(accepted["incident_id"])
    assert incident is not None and incident.declared_by == "alice" and incident.first_response_done
    [sns] = [m for m in initial_messages(api) if m.channel.startswith("sns")]
    assert "🚨 INCIDENT ALERT - P0 - flask-sre-challenge" in sns.text and "declared by alice" in sns.text
    # And it did not take the service's open-alarm slot: an alarm still opens its own incident
    assert container.store().open_incident(SERVICE) is None


def test_the_same_declaration_retried_is_one_incident_and_one_notification(api):
    body = {"kind": "partial-outage", "title": "Checkout fails for EU customers", "by": "bob", "request_id": "req-2"}
    first = json.loads(post_signed(api, "/incidents", body)["body"])
    second = json.loads(post_signed(api, "/incidents", body)["body"])
    assert first["incident_id"] == second["incident_id"]
    assert len([m for m in initial_messages(api) if m.channel.startswith("sns")]) == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"kind": "security", "by": "alice"}, "declare: title: a declared incident needs a title"),
        ({"kind": "outage-ish", "title": "x", "by": "alice"}, "declare: kind 'outage-ish' is not one of"),
        ({"kind": "security", "title": "x", "by": "alice", "service": "shop"}, "service 'shop' is not a configured"),
    ],
)
def test_a_bad_declaration_is_refused_in_one_line_and_nothing_is_declared(api, body, problem):
    response = post_signed(api, "/incidents", body)
    assert response["statusCode"] == 400 and problem in response["body"]
    assert response["body"].count("\n") == 1 and initial_messages(api) == []


def test_a_forged_declaration_is_refused_and_nothing_is_declared(api):
    response = post_signed(api, "/incidents", {"kind": "security", "title": "x", "by": "mallory"}, key="guessed")
    assert response["statusCode"] == 401 and "signature does not match" in response["body"]
    assert initial_messages(api) == []


def test_the_slack_slash_command_declares_and_answers_in_the_channel(api):
    response = slash(api, 'declare P0 security "Customer data exposed"')
    answer = json.loads(response["body"])
    assert response["statusCode"] == 200 and answer["response_type"] == "in_channel"
    assert answer["text"].startswith("🚨 Declared P0 security-breach: Customer data exposed.")
    [sns] = [m for m in initial_messages(api) if m.channel.startswith("sns")]
    assert "declared by alice (Slack U0ALICE)" in sns.text


def test_a_slash_command_without_a_title_answers_only_the_person_and_declares_nothing(api):
    answer = json.loads(slash(api, "declare P0 security")["body"])
    assert answer == {"response_type": "ephemeral", "text": "Not declared: title: a declared incident needs a title"}
    assert initial_messages(api) == []


def test_a_forged_slash_command_is_refused(api):
    response = slash(api, 'declare P0 security "x"', key="not-slacks-secret")
    assert response["statusCode"] == 401 and initial_messages(api) == []


def test_a_maintenance_window_is_stored_on_its_service_and_a_bad_one_is_refused(api):
    # When a window is declared for the next hour
    body = {"service": SERVICE, "starts_at": "2026-11-26T14:00:00Z", "ends_at": "2026-11-26T15:00:00Z",
            "reason": "RDS minor version upgrade", "by": "dana"}  # fmt: skip
    response = post_signed(api, "/maintenance", body)
    assert response["statusCode"] == 202
    # Then the service carries it, where the intake's first read finds it
    [kept] = container.store().service_state(SERVICE).windows
    assert (kept.reason, kept.source, kept.by) == ("RDS minor version upgrade", "api", "dana")
    # And a window that ends before it starts is refused in one line, the stored one untouched
    bad = post_signed(api, "/maintenance", {**body, "ends_at": "2026-11-26T13:00:00Z", "id": "other"})
    assert bad["statusCode"] == 400 and "ends at 2026-11-26 13:00 UTC, before it starts" in bad["body"]
    assert [w.id for w in container.store().service_state(SERVICE).windows] == [kept.id]


def test_ending_a_window_early_shortens_it(api):
    body = {"service": SERVICE, "starts_at": "2026-11-26T13:00:00Z", "ends_at": "2026-11-26T15:00:00Z",
            "reason": "switch upgrade", "by": "dana", "id": "mw-switch"}  # fmt: skip
    post_signed(api, "/maintenance", body)
    response = post_signed(api, "/maintenance/mw-switch/end", {"service": SERVICE, "by": "dana"})
    assert response["statusCode"] == 202
    [kept] = container.store().service_state(SERVICE).windows
    assert kept.ends_at == clock.now()


def test_an_aws_health_scheduled_change_becomes_a_window_that_holds_an_alarm_inside_it(world, frozen_clock):
    from datetime import UTC, datetime

    from functions.handlers.alarm_intake import handler
    from local.lambda_context import FakeLambdaContext
    from tests.conftest import event_at, load_event

    # Given AWS Health announcing an RDS update on 3 December, 06:00-06:30 UTC
    handler(load_event("maintenance.health.scheduled.json"), FakeLambdaContext())
    [kept] = container.store().service_state(SERVICE).windows
    assert (kept.source, kept.starts_at.hour, kept.ends_at.minute) == ("aws-health", 6, 30)
    # When a P1 latency alarm fires inside it
    during = datetime(2026, 12, 3, 6, 10, tzinfo=UTC)
    frozen_clock.advance_to(during)
    result = handler(event_at("performance-degradation.sns.alarm.json", during), FakeLambdaContext())
    # Then its incident is held by that window: announced, nobody paged before 06:30
    incident = container.store().get(result["results"][0]["incident_id"])
    assert incident is not None and incident.maintenance is not None
    assert incident.maintenance.window_id == kept.id and incident.maintenance.until == kept.ends_at
