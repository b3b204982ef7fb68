"""The incident's channel over its life (D11): opened once, the paged people invited as the ladder
reaches them, every notification and page posted, the topic kept to severity and status, archived
after the resolution.

Slack is a courtesy on top of the pages, never in their way: every failure here is logged and
counted (`IncidentChannelFailed`, alarmed to ops) and the caller carries on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from aws_lambda_powertools.metrics import MetricUnit

from functions import clock
from functions.channel.incident_channel import (
    TOPIC_LIMIT,
    IncidentChannels,
    channel_purpose,
    channel_topic,
    graph_alt_text,
    graph_title,
    mention,
)
from functions.channel.slack_api import SlackApiError
from functions.incident import Incident, IncidentChannel, incident_channel_name
from functions.incident_store import IncidentStore, apply_change
from functions.lifecycle import Decision, held
from functions.notifications.escape import escape_text
from functions.notifications.render import Message
from functions.observability import INCIDENT_CHANNEL_FAILED_METRIC, logger, metrics
from functions.policy import RUNBOOK, Runbook

T = TypeVar("T")


class ChannelKeeper:
    def __init__(self, channels: IncidentChannels, store: IncidentStore, runbook: Runbook = RUNBOOK) -> None:
        self._channels = channels
        self._store = store
        self._runbook = runbook

    def prepare(self) -> None:
        """Read the bot token now (the first response does it while the checks run)."""
        _ = self._channels.enabled

    def wanted(self, incident: Incident) -> bool:
        """The policy gives this severity a channel, Slack is configured, and the incident pages people."""
        policy = self._runbook.severity(incident.severity)
        return self._channels.enabled and policy.incident_channel and incident.is_open and not held(incident)

    def create(self, incident: Incident, invitees: Sequence[str]) -> IncidentChannel | None:
        """Create it (or take back this incident's after a crash), invitees in; nothing recorded yet."""
        if incident.channel is not None or not self.wanted(incident):
            return None
        name = incident_channel_name(incident.service, incident.opened_at)
        ref = self._guard("open", incident, lambda: self._channels.open(
            incident.id, name, channel_topic(incident), channel_purpose(incident), invitees
        ))  # fmt: skip
        return ref.as_incident_channel() if ref is not None else None

    def open(self, incident: Incident, invitees: Sequence[str], opening: Message | None = None) -> Incident:
        """Create it and record it on the incident (a later upgrade made a channel wanted)."""
        channel = self.create(incident, invitees)
        if channel is None:
            return incident
        stored = self._record(incident, set_channel(channel))
        if opening is not None:
            self.post_once(stored, opening, "channel-opening")
        return stored

    def post(self, incident: Incident, message: Message) -> None:
        channel = _live(incident)
        if channel is not None:
            self.post_to(channel, incident, message)

    def post_to(self, channel: IncidentChannel, incident: Incident, message: Message) -> None:
        text = " ".join(mention(user) for user in message.mentions)
        text = f"{text}\n{message.text}" if text else message.text
        self._guard("post", incident, lambda: self._channels.post(channel.id, text))
        topic = channel_topic(incident)
        if message.kind in ("update", "resolution") and escape_text(topic, limit=TOPIC_LIMIT) != channel.topic:
            self._guard("topic", incident, lambda: self._channels.set_topic(channel.id, topic))

    def post_once(self, incident: Incident, message: Message, key: str) -> None:
        """A message only the channel gets (its opening copy of the Initial Notification), once."""
        if _live(incident) is None or not self._store.claim_message(incident.id, key, clock.now()):
            return
        self.post(incident, message)
        self._store.mark_message_sent(incident.id, key, clock.now())

    def invite(self, incident: Incident, users: Sequence[str]) -> Incident:
        """The people a page reached, unless they are in already."""
        channel = _live(incident)
        new = [user for user in users if channel is not None and user not in channel.invited]
        if channel is None or not new:
            return incident
        invited = self._guard("invite", incident, lambda: self._channels.invite(channel.id, new))
        if invited is None or not invited.joined:
            return incident
        return self._record(incident, _add_invited(invited.joined))

    def upload_graph(self, channel: IncidentChannel, incident: Incident, png: bytes, alarm: str, at: datetime) -> None:
        self._guard("upload", incident, lambda: self._channels.upload_png(
            channel.id, png, f"{incident.id}.png", graph_title(alarm), graph_alt_text(alarm, at)
        ))  # fmt: skip

    def archive(self, incident: Incident) -> None:
        """After the resolution notification is in it: the channel's history stays readable in Slack."""
        channel = _live(incident)
        if channel is None or incident.is_open:
            return
        self._guard("archive", incident, lambda: self._channels.archive(channel.id))
        self._record(incident, _set_archived(clock.now()))

    def _record(self, incident: Incident, change: Callable[[Incident, datetime], Decision]) -> Incident:
        _, _, stored = apply_change(self._store, incident.id, change)
        return stored or self._store.get(incident.id) or incident

    def _guard(self, what: str, incident: Incident, call: Callable[[], T]) -> T | None:
        try:
            return call()
        except (SlackApiError, ValueError, OSError) as error:
            logger.warning(f"incident channel {what} failed; pages go on", extra={"incident_id": incident.id,
                           "problem": str(error)[:300]})  # fmt: skip
            metrics.add_metric(name=INCIDENT_CHANNEL_FAILED_METRIC, unit=MetricUnit.Count, value=1)
            return None


def _live(incident: Incident) -> IncidentChannel | None:
    channel = incident.channel
    return channel if channel is not None and channel.archived_at is None else None


def set_channel(channel: IncidentChannel) -> Callable[[Incident, datetime], Decision]:
    def change(current: Incident, now: datetime) -> Decision:
        if current.channel is not None:
            return Decision()  # another invocation recorded it first: the same channel (open is idempotent)
        return Decision(incident=current.model_copy(update={"channel": channel, "updated_at": now}))

    return change


def _add_invited(users: list[str]) -> Callable[[Incident, datetime], Decision]:
    def change(current: Incident, now: datetime) -> Decision:
        channel = current.channel
        if channel is None or all(user in channel.invited for user in users):
            return Decision()
        invited = channel.invited + [user for user in users if user not in channel.invited]
        updated = channel.model_copy(update={"invited": invited})
        return Decision(incident=current.model_copy(update={"channel": updated}))

    return change


def _set_archived(at: datetime) -> Callable[[Incident, datetime], Decision]:
    def change(current: Incident, now: datetime) -> Decision:
        channel = current.channel
        if channel is None or channel.archived_at is not None:
            return Decision()
        return Decision(incident=current.model_copy(update={"channel": channel.model_copy(update={"archived_at": at})}))

    return change
