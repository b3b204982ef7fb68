"""Send one incident notification exactly once: render → claim in the ledger → deliver → mark sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from functions import clock
from functions.incident import Incident
from functions.incident_store import IncidentStore
from functions.lifecycle import Notify
from functions.notifications.channels import Notifier
from functions.notifications.render import Message, initial_message, resolution_message, update_message

LinkMaker = Callable[[Incident], Mapping[str, str] | None]
GraphLink = Callable[[Incident], str | None]


class ChannelPoster(Protocol):
    """The incident's own channel (functions/channel/keeper.py): every message goes there too."""

    def post(self, incident: Incident, message: Message) -> None: ...


class NoChannel:
    def post(self, incident: Incident, message: Message) -> None:
        return None


def no_links(incident: Incident) -> None:
    return None


def ledger_key(incident: Incident, kind: Notify) -> str:
    """Initial and resolution happen once per incident; an update once per incident version."""
    return f"update-v{incident.version}" if kind is Notify.UPDATE else kind.value


class IncidentMessenger:
    def __init__(
        self,
        store: IncidentStore,
        notifier: Notifier,
        links: LinkMaker = no_links,
        channel: ChannelPoster | None = None,
        graph_link: GraphLink = no_links,
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._links = links
        self._channel = channel or NoChannel()
        self.graph_link = graph_link

    def prepare(self) -> None:
        self._notifier.prepare()

    def links(self, incident: Incident) -> Mapping[str, str] | None:
        return self._links(incident)

    def render(self, incident: Incident, kind: Notify) -> Message:
        if kind is Notify.INITIAL:
            return initial_message(incident, self._links(incident), self.graph_link(incident))
        if kind is Notify.UPDATE:
            return update_message(incident, self._links(incident))
        return resolution_message(incident)

    def send(self, incident: Incident, kind: Notify) -> bool:
        return self.send_message(incident, self.render(incident, kind), ledger_key(incident, kind))

    def deliver(self, incident: Incident, message: Message) -> None:
        """A message whose ledger entry the caller claimed in its own write (and marks sent in the next)."""
        self._notifier.send(message, incident.severity, incident.id, clock.now(), incident.service)

    def send_message(self, incident: Incident, message: Message, key: str) -> bool:
        """False when this message was already sent (or is being sent) for the incident."""
        now = clock.now()
        if not self._store.claim_message(incident.id, key, now):
            return False
        self._notifier.send(message, incident.severity, incident.id, now, incident.service)
        self._store.mark_message_sent(incident.id, key, clock.now())
        self._channel.post(incident, message)  # after the ledger: a Slack hiccup never re-sends the page
        return True
