"""Builds the pipeline's collaborators once per container (cold start), from the settings.

What only the escalation step and the actions API use is imported inside its builder, so the
intake's cold start does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TYPE_CHECKING

from functions import clock
from functions.aws import AwsClients
from functions.diagnosis import Diagnoser
from functions.escalation.executions import Escalator
from functions.escalation.links import ActionRefused, ActionSigner
from functions.incident import Incident
from functions.incident_store import DynamoIncidentStore
from functions.notifications.channels import Notifier, SecretReader, SlackChannel, SnsChannel
from functions.notifications.sender import IncidentMessenger
from functions.observability import logger
from functions.settings import SettingsError, settings
from functions.triage import Responder

if TYPE_CHECKING:
    from functions.channel.keeper import ChannelKeeper
    from functions.declared.submit import IntakeSubmitter
    from functions.escalation.actions import Actions
    from functions.escalation.resolution import Closer
    from functions.escalation.step import EscalationRunner
    from functions.notifications.graph import GraphMaker
    from functions.roster.source import RosterSource
    from functions.status_page.publisher import StatusPagePublisher


@cache
def clients() -> AwsClients:
    return AwsClients()


@cache
def store() -> DynamoIncidentStore:
    return DynamoIncidentStore(clients().dynamodb, settings().INCIDENT_TABLE, private_services=_synthetic_services())


def _synthetic_services() -> frozenset[str]:
    return frozenset(service.name for service in settings().SERVICES if service.synthetic)


@cache
def signer_secret() -> str | None:
    return SecretReader(clients(), settings().ACTION_SIGNING_SECRET_ID, raw=True)()


@cache
def signer() -> ActionSigner | None:
    config = settings()
    if not (config.ACTION_BASE_URL and config.ACTION_SIGNING_SECRET_ID):
        return None
    return ActionSigner(signer_secret, config.ACTION_BASE_URL)


def _links(incident: Incident) -> Mapping[str, str] | None:
    links = signer()
    return links.links(incident.id, clock.now()) if links else None


@cache
def messenger() -> IncidentMessenger:
    config = settings()
    webhook = SecretReader(clients(), config.SLACK_WEBHOOK_SECRET_ID, config.SLACK_WEBHOOK_PARAMETER)
    notifier = Notifier(config, SnsChannel(clients().sns), SlackChannel(webhook))
    return IncidentMessenger(store(), notifier, _links, channel_keeper(), _graph_link)


def _graph_link(incident: Incident) -> str | None:
    """A fresh presigned URL each time (a URL dies with the credentials that signed it)."""
    return graphs().url_for(incident.graph_key) if incident.graph_key else None


@cache
def graphs() -> GraphMaker:
    from functions.notifications.graph import GraphMaker

    return GraphMaker(clients().cloudwatch, clients().s3, settings().POSTMORTEM_BUCKET)


@cache
def channel_keeper() -> ChannelKeeper:
    from functions.channel.incident_channel import IncidentChannels
    from functions.channel.keeper import ChannelKeeper
    from functions.channel.slack_api import SlackWebApi, bot_token

    config = settings()
    token = bot_token(SecretReader(clients(), config.SLACK_BOT_TOKEN_SECRET_ID, raw=True))
    return ChannelKeeper(IncidentChannels(SlackWebApi(token, config.SLACK_API_URL)), store())


@cache
def roster() -> RosterSource:
    from functions.roster.source import RosterSource

    name = settings().ROSTER_PARAMETER
    if not name:
        return RosterSource(None)
    from functions.roster.load import load_roster

    aws = clients()  # this container's clients, even when the unawaited prefetch thread reads it late
    return RosterSource(lambda: load_roster(aws.ssm, name))


@cache
def escalator() -> Escalator:
    return Escalator(clients().stepfunctions, settings().ESCALATION_STATE_MACHINE_ARN)


@cache
def closer() -> Closer:
    from functions.escalation.postmortem import PostmortemWriter
    from functions.escalation.resolution import Closer

    return Closer(
        store(),
        messenger(),
        escalator(),
        PostmortemWriter(clients().s3, settings().POSTMORTEM_BUCKET),
        channel_keeper(),
    )


@cache
def responder() -> Responder:
    from functions.first_response import FirstResponse

    first = FirstResponse(
        settings=settings(),
        store=store(),
        messenger=messenger(),
        escalator=escalator(),
        diagnose=Diagnoser(clients(), settings().DIAGNOSTICS_BUDGET_SECONDS, changes=store().recent_changes),
        prepare=_read_channel_secrets,
        channels=channel_keeper(),
        graphs=graphs(),
        roster=roster(),
    )
    return Responder(settings=settings(), store=store(), messenger=messenger(), escalator=escalator(),
                     first_response=first)  # fmt: skip


def _load_checks() -> None:
    """The checks' modules, imported only when an incident opens (never at cold start), meanwhile."""
    import functions.diagnostics
    import functions.severity  # noqa: F401


def _read_channel_secrets() -> None:
    """Read (and cache) the secrets and the roster the first messages need, side by side;
    a failure surfaces where the value is used (a message, a page)."""
    reads: list[Callable[[], object]] = [messenger().prepare, roster().roster, channel_keeper().prepare, _load_checks]
    if signer() is not None:
        reads.append(signer_secret)
    with ThreadPoolExecutor(max_workers=len(reads), thread_name_prefix="prefetch") as pool:
        for done in [pool.submit(read) for read in reads]:
            try:
                done.result()
            except Exception:
                logger.warning("could not read a secret ahead of the first message", exc_info=True)


@cache
def escalation_runner() -> EscalationRunner:
    from functions.escalation.step import EscalationRunner
    from functions.maintenance.alarm_states import AlarmStates

    config = settings()
    synthetic = _synthetic_services()
    return EscalationRunner(
        store(),
        messenger(),
        closer(),
        signer(),
        synthetic,
        alarm_states=AlarmStates(clients().cloudwatch),
        service=config.service,
        roster=roster(),
        channels=channel_keeper(),
    )


@cache
def actions() -> Actions:
    from functions.escalation.actions import Actions

    links = signer()
    if links is None:
        raise ActionRefused(503, "action links are not configured")
    return Actions(store(), messenger(), escalator(), closer(), links)


@cache
def status_page_publisher() -> StatusPagePublisher:
    from functions.status_page.publisher import StatusPagePublisher

    config = settings()
    if not config.STATUS_PAGE_BUCKET:
        raise SettingsError("invalid function configuration: STATUS_PAGE_BUCKET: the status page needs its bucket")
    return StatusPagePublisher(clients().s3, config.STATUS_PAGE_BUCKET, store().status_page_history, config.SERVICES)


@cache
def slack_signing_secret() -> str | None:
    return SecretReader(clients(), settings().SLACK_SIGNING_SECRET_ID, raw=True)()


@cache
def api_signing_secret() -> str | None:
    return SecretReader(clients(), settings().API_SIGNING_SECRET_ID, raw=True)()


@cache
def submitter() -> IntakeSubmitter:
    from functions.declared.submit import IntakeSubmitter

    return IntakeSubmitter(clients().lambda_, settings().INTAKE_FUNCTION_NAME)


def reset() -> None:
    """Forget everything built from the environment (local replay and tests change it)."""
    for cached in (
        status_page_publisher,
        responder,
        roster,
        channel_keeper,
        graphs,
        escalation_runner,
        actions,
        slack_signing_secret,
        api_signing_secret,
        submitter,
        closer,
        escalator,
        messenger,
        signer,
        signer_secret,
        store,
        clients,
        settings,
    ):
        cached.cache_clear()
