"""Closing an incident: one path for a person's resolve link and for a P2/P3 that stabilised.

Resolution Notification with the total duration, root cause and resolution; the escalation
execution stopped; for P0/P1 a post-mortem draft written and its review scheduled (D6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from functions.escalation.executions import Escalator
from functions.escalation.postmortem import PostmortemWriter, postmortem_key, review_time
from functions.incident import Incident
from functions.incident_store import DuplicateDelivery, IncidentStore, apply_change
from functions.lifecycle import Decision, resolve
from functions.notifications.render import resolution_message
from functions.notifications.sender import IncidentMessenger


class ChannelArchiver(Protocol):
    def archive(self, incident: Incident) -> None: ...


class Closer:
    def __init__(
        self,
        store: IncidentStore,
        messenger: IncidentMessenger,
        escalator: Escalator,
        postmortems: PostmortemWriter,
        channel: ChannelArchiver | None = None,
    ) -> None:
        self._store = store
        self._messenger = messenger
        self._escalator = escalator
        self._postmortems = postmortems
        self._channel = channel

    def resolve(
        self,
        incident_id: str,
        *,
        by: str,
        channel: str,
        root_cause: str | None = None,
        resolution: str | None = None,
        once_key: str = "",
    ) -> Incident | None:
        """None when it was already resolved (a stale or second resolve changes nothing)."""

        def change(current: Incident, now: datetime) -> Decision:
            decision = resolve(current, now, by=by, channel=channel, root_cause=root_cause, resolution=resolution)
            if decision.incident is not None:
                decision.incident.postmortem_at = review_time(decision.incident, now)
                if decision.incident.postmortem_at is not None:
                    decision.incident.postmortem_key = postmortem_key(decision.incident)
            return decision

        if once_key and self._store.seen(once_key):
            raise DuplicateDelivery(once_key)
        _, _, stored = apply_change(self._store, incident_id, change, once_key=once_key)
        if stored is None:
            return None
        link = self._postmortems.write(stored, self._store.timeline(stored.id))
        self._messenger.send_message(stored, resolution_message(stored, link), "resolution")
        self._escalator.stop_execution(stored.escalation_execution, "incident resolved")
        if self._channel is not None:
            self._channel.archive(stored)  # after the resolution is posted in it
        return stored
