"""Builds the pipeline's collaborators once per container (cold start), from the settings."""

from __future__ import annotations

from functools import cache

from functions.aws import AwsClients
from functions.escalation import Escalator
from functions.incident import Incident
from functions.incident_store import DynamoIncidentStore
from functions.notifications.channels import Notifier, SecretReader, SlackChannel, SnsChannel
from functions.notifications.sender import IncidentMessenger
from functions.settings import Settings, settings
from functions.triage import Responder


@cache
def clients() -> AwsClients:
    return AwsClients()


def messenger_for(config: Settings, aws: AwsClients, store: DynamoIncidentStore) -> IncidentMessenger:
    webhook = SecretReader(aws, config.SLACK_WEBHOOK_SECRET_ID, config.SLACK_WEBHOOK_PARAMETER)
    notifier = Notifier(config, SnsChannel(aws.sns), SlackChannel(webhook))
    return IncidentMessenger(store, notifier)


def _no_diagnostics(incident: Incident) -> Incident:
    return incident


@cache
def responder() -> Responder:
    config = settings()
    aws = clients()
    store = DynamoIncidentStore(aws.dynamodb, config.INCIDENT_TABLE)
    return Responder(
        settings=config,
        store=store,
        messenger=messenger_for(config, aws, store),
        escalator=Escalator(aws.stepfunctions, config.ESCALATION_STATE_MACHINE_ARN),
        diagnose=_no_diagnostics,
    )


def reset() -> None:
    """Forget everything built from the environment (local replay and tests change it)."""
    for cached in (responder, clients, settings):
        cached.cache_clear()
