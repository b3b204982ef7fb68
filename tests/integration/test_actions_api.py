"""Acknowledge / resolve / status update over HTTP: signed, expiring, single use; Slack-signed buttons."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from functions import clock, container
from functions.escalation.links import ActionSigner
from functions.handlers.alarm_intake import handler as intake
from local.humans import call_actions_api
from local.lambda_context import FakeLambdaContext
from local.world import SLACK_SIGNING_SECRET
from tests.conftest import load_event

BASE = "https://responder.example.invalid"


@pytest.fixture
def incident_id(world, frozen_clock) -> str:
    result = intake(load_event("service-down.sns.alarm.json"), FakeLambdaContext())
    return str(result["results"][0]["incident_id"])


def signer() -> ActionSigner:
    links = container.signer()
    assert links is not None
    return links


def post(verb: str, token: str, by: str = "alice") -> dict[str, Any]:
    return call_actions_api("POST", f"{BASE}/actions/{verb}", {"t": token, "by": by})


def version(incident_id: str) -> int:
    incident = container.store().get(incident_id)
    assert incident is not None
    return incident.version


def test_acknowledge_records_who_from_where_and_when(incident_id: str):
    response = post("ack", signer().sign(incident_id, "ack", clock.now()))
    assert response["statusCode"] == 200
    entry = next(e for e in container.store().timeline(incident_id) if e.kind == "ack")
    assert (entry.actor, entry.channel, entry.at) == ("alice", "link", clock.now())


def test_forged_link_is_refused_and_changes_nothing(incident_id: str):
    before = version(incident_id)
    forged = ActionSigner(lambda: "not-the-key", BASE).sign(incident_id, "ack", clock.now())
    response = post("ack", forged)
    assert response["statusCode"] == 403 and "signature" in response["body"]
    assert version(incident_id) == before


def test_tampered_link_is_refused(incident_id: str):
    payload, signature = signer().sign(incident_id, "ack", clock.now()).split(".")
    other = signer().sign("someone-elses-incident", "ack", clock.now()).split(".")[0]
    assert post("ack", f"{other}.{signature}")["statusCode"] == 403
    assert post("ack", f"{payload}.{signature[:-2]}xx")["statusCode"] == 403


def test_expired_link_is_refused(incident_id: str, frozen_clock):
    token = signer().sign(incident_id, "ack", clock.now())
    frozen_clock.advance_to(clock.now() + timedelta(hours=13))
    before = version(incident_id)
    response = post("ack", token)
    assert response["statusCode"] == 410 and version(incident_id) == before


def test_replayed_link_is_refused_and_changes_nothing(incident_id: str):
    token = signer().sign(incident_id, "ack", clock.now())
    assert post("ack", token)["statusCode"] == 200
    before = version(incident_id)
    response = post("ack", token)
    assert response["statusCode"] == 409 and "already been used" in response["body"]
    assert version(incident_id) == before


def test_link_for_one_verb_cannot_do_another(incident_id: str):
    token = signer().sign(incident_id, "ack", clock.now())
    assert post("resolve", token)["statusCode"] == 400


def test_stale_acknowledge_after_resolve_changes_nothing(world, incident_id: str):
    ack = signer().sign(incident_id, "ack", clock.now())
    assert post("resolve", signer().sign(incident_id, "resolve", clock.now()))["statusCode"] == 200
    before = version(incident_id)
    response = post("ack", ack)
    assert response["statusCode"] == 409 and "already resolved" in response["body"]
    assert version(incident_id) == before
    # the Initial Notification, its diagnosis (D19) and the resolution: the stale ack added nothing
    kinds = sorted(m.kind for m in world.delivered() if m.channel == "sns:notify-P0")
    assert kinds == ["initial", "resolution", "update"]


def test_opening_a_link_only_shows_a_confirmation_page(incident_id: str):
    token = signer().sign(incident_id, "resolve", clock.now())
    before = version(incident_id)
    response = call_actions_api("GET", f"{BASE}/actions/resolve?t={token}")
    assert response["statusCode"] == 200 and '<form method="post"' in response["body"]
    assert version(incident_id) == before


def test_status_update_posts_the_runbook_update(world, incident_id: str):
    token = signer().sign(incident_id, "update", clock.now())
    body = json.dumps(
        {
            "status": "Identified",
            "root_cause": "Bad deploy rev 42",
            "eta": "30 minutes",
            "actions": ["Rolled back to rev 41"],
            "by": "bob",
        }
    )
    response = call_actions_api("POST", f"{BASE}/incidents/{incident_id}/updates?t={token}", body)
    assert response["statusCode"] == 200
    update = [m for m in world.delivered() if m.kind == "update" and m.channel == "sns:notify-P0"][-1]
    assert "**Status**: Identified" in update.text and "**Root Cause**: Bad deploy rev 42" in update.text
    assert "**ETA**: 30 minutes" in update.text and "- Rolled back to rev 41" in update.text


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        (
            {"status": "Exploded"},
            "status update body: status 'Exploded': Input should be 'Investigating', 'Identified', 'Monitoring'",
        ),
        ({"actions": "rolled back"}, "status update body: actions 'rolled back': Input should be a valid list"),
        (["Identified"], "status update body: Input should be an object"),
    ],
)
def test_status_update_body_is_validated_naming_the_field(incident_id: str, body: Any, answer: str):
    # When a person posts a status update with one field wrong
    token = signer().sign(incident_id, "update", clock.now())
    response = call_actions_api("POST", f"{BASE}/incidents/{incident_id}/updates?t={token}", json.dumps(body))
    # Then the answer names the field, the value and what it should be, on one line
    assert response["statusCode"] == 400
    assert response["body"].startswith(answer) and "\n" not in response["body"].strip()


def slack_request(world, incident_id: str, *, secret: str | None = None, age: int = 0) -> dict[str, Any]:
    token = signer().sign(incident_id, "ack", clock.now())
    payload = {
        "type": "block_actions",
        "user": {"id": "U123", "name": "carol"},
        "actions": [{"action_id": "ack", "value": token}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    stamp = str(int(time.time()) - age)
    key = secret or world.clients.secretsmanager.get_secret_value(SecretId=SLACK_SIGNING_SECRET)["SecretString"]
    signature = "v0=" + hmac.new(key.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    from functions.handlers.actions import handler
    from local.humans import http_event

    event = http_event("POST", f"{BASE}/slack/interactions", body)
    event["headers"].update(
        {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": signature,
        }
    )
    return handler(event, FakeLambdaContext())


def test_slack_button_with_a_valid_signature_acknowledges(world, incident_id: str):
    # Slack signs with the wall clock; the incident's clock is frozen, so compare against real time here
    clock._source = clock._wall_clock
    response = slack_request(world, incident_id)
    assert response["statusCode"] == 200, response["body"]
    entry = next(e for e in container.store().timeline(incident_id) if e.kind == "ack")
    assert entry.channel == "slack" and "carol" in (entry.actor or "")


def test_slack_request_with_a_wrong_signature_or_old_timestamp_is_refused(world, incident_id: str):
    clock._source = clock._wall_clock
    assert slack_request(world, incident_id, secret="wrong")["statusCode"] == 401
    assert slack_request(world, incident_id, age=600)["statusCode"] == 401
    assert not [e for e in container.store().timeline(incident_id) if e.kind == "ack"]
