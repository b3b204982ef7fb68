"""No secret in the environment, the logs or the notifications; links carry signatures, not keys."""

from __future__ import annotations

import os

from functions import clock, container
from functions.handlers.alarm_intake import handler
from local.humans import call_actions_api
from local.lambda_context import FakeLambdaContext
from local.world import SIGNING_SECRET, SLACK_SIGNING_SECRET
from tests.conftest import load_event


def secret_values(world) -> list[str]:
    sm = world.clients.secretsmanager
    values = [sm.get_secret_value(SecretId=name)["SecretString"] for name in (SIGNING_SECRET, SLACK_SIGNING_SECRET)]
    return [*values, world.slack.url]


def test_no_secret_reaches_the_environment_logs_or_messages(world, frozen_clock, capsys, monkeypatch):
    # Given verbose logging, a first response, an acknowledgement and a resolution
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    from functions.observability import logger

    logger.setLevel("DEBUG")
    try:
        result = handler(load_event("service-down.sns.alarm.json"), FakeLambdaContext())
        incident_id = result["results"][0]["incident_id"]
        signer = container.signer()
        assert signer is not None
        for verb in ("ack", "resolve"):
            token = signer.sign(incident_id, verb, clock.now())
            call_actions_api("POST", "https://responder.example.invalid/actions/" + verb, {"t": token})
    finally:
        logger.setLevel("INFO")
    logs = capsys.readouterr()
    messages = "\n".join(m.text for m in world.delivered())
    # Then no secret value appears anywhere a person or a log reader could see it
    for secret in secret_values(world):
        assert secret not in logs.out and secret not in logs.err
        assert secret not in messages
        assert secret not in "".join(os.environ.values())
    assert "Acknowledge: https://" in messages  # the links are there, signed
