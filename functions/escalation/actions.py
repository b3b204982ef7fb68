"""What a person can do to an incident over HTTP: acknowledge, resolve, post a status update.

Every action is checked (signed link or Slack signature), recorded on the timeline with
who, from which channel and when, and applied with a conditional write: a replayed link
or a stale acknowledge after a resolve changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from functions import clock
from functions.escalation.executions import Escalator
from functions.escalation.links import ActionRefused, ActionSigner, ActionToken
from functions.escalation.resolution import Closer
from functions.incident import Incident
from functions.incident_store import ChangeFn, DuplicateDelivery, IncidentStore, apply_change
from functions.lifecycle import Decision, Escalate, StatusUpdate, acknowledge, post_update, record_execution
from functions.notifications.sender import IncidentMessenger
from functions.policy import RUNBOOK, Level


class ActionResult:
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


class Actions:
    def __init__(
        self,
        store: IncidentStore,
        messenger: IncidentMessenger,
        escalator: Escalator,
        closer: Closer,
        signer: ActionSigner,
    ) -> None:
        self._store = store
        self._messenger = messenger
        self._escalator = escalator
        self._closer = closer
        self.signer = signer

    def verify(self, token: str, verb: str) -> ActionToken:
        return self.signer.verify(token, verb, clock.now())

    def acknowledge(self, token: ActionToken, by: str | None, channel: str) -> ActionResult:
        level = token.level or Level.L1
        actor = by or f"{level.value} {RUNBOOK.level(level).role}"

        def change(current: Incident, now: datetime) -> Decision:
            return acknowledge(current, level, actor, channel, now)

        before, _, after = self._once(token, change)
        if after is None:
            if not before.is_open:
                raise ActionRefused(409, f"incident {before.id} is already resolved; nothing to acknowledge")
            return ActionResult(200, f"{level.value} had already acknowledged {before.id}")
        return ActionResult(
            200,
            f"Acknowledged {after.id} for {level.value} as {actor}. Escalation continues "
            "until the incident is resolved.",
        )

    def resolve(
        self, token: ActionToken, by: str | None, channel: str, root_cause: str | None, resolution: str | None
    ) -> ActionResult:
        actor = by or (f"{token.level.value} {RUNBOOK.level(token.level).role}" if token.level else "on-call")
        try:
            closed = self._closer.resolve(
                token.incident_id,
                by=actor,
                channel=channel,
                root_cause=root_cause,
                resolution=resolution,
                once_key=token.once_key,
            )
        except DuplicateDelivery:
            raise ActionRefused(409, "this link has already been used") from None
        except LookupError:
            raise ActionRefused(404, "no such incident") from None
        if closed is None:
            raise ActionRefused(409, f"incident {token.incident_id} is already resolved")
        return ActionResult(200, f"Resolved {closed.id}. The resolution notification has been sent.")

    def post_update(self, token: ActionToken, update: StatusUpdate, by: str | None, channel: str) -> ActionResult:
        actor = by or "incident owner"

        def change(current: Incident, now: datetime) -> Decision:
            return post_update(current, update, actor, channel, now)

        before, decision, after = self._once(token, change)
        if after is None:
            raise ActionRefused(409, f"incident {before.id} is already resolved")
        for kind in decision.notify:
            self._messenger.send(after, kind)
        if decision.escalate is Escalate.RESCHEDULE:
            started = self._escalator.reschedule(after, before.escalation_execution, clock.now())
            apply_change(self._store, after.id, record_execution(started))
        return ActionResult(200, f"Status update posted for {after.id}.")

    def _once(self, token: ActionToken, change: ChangeFn) -> tuple[Incident, Decision, Incident | None]:
        if token.once_key and self._store.seen(token.once_key):
            raise ActionRefused(409, "this link has already been used")
        try:
            return apply_change(self._store, token.incident_id, change, once_key=token.once_key)
        except DuplicateDelivery:
            raise ActionRefused(409, "this link has already been used") from None
        except LookupError:
            raise ActionRefused(404, "no such incident") from None
