"""The intake pipeline, top to bottom: signal → scenario/severity → incident → first response.

First response for a new incident: diagnostics → severity follows the evidence → the
Initial Incident Notification → the escalation clock. Every step is idempotent, so a
redelivered alarm finishes a first response that a crash interrupted.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from functions import clock
from functions.declared.declaration import Declaration
from functions.escalation.executions import Escalator
from functions.incident import Incident
from functions.incident_store import (
    MAX_ATTEMPTS,
    Change,
    ChangeFn,
    ConcurrentUpdate,
    DuplicateDelivery,
    IncidentStore,
    apply_change,
    change_of,
)
from functions.intake.parse import Command, Rejected, parse_event
from functions.intake.signal import Signal
from functions.lifecycle import Decision, Escalate, decide, declare, move_hold, record_execution
from functions.maintenance.window import MaintenanceWindow, WindowEnd, active, ended, from_health, merged
from functions.notifications.sender import IncidentMessenger
from functions.observability import logger
from functions.scenarios import Action, Classification, classify
from functions.settings import Settings

if TYPE_CHECKING:
    from functions.first_response import FirstResponse, Underway


class Result(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    NO_CHANGE = "no-change"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    REJECTED = "rejected"
    RECORDED = "recorded"  # a maintenance window kept (or ended) on its service


class Outcome(BaseModel):
    result: Result
    name: str = ""
    incident_id: str | None = None
    classification: Classification | None = None
    reason: str = ""
    park: bool = False  # a rejected record to put on the dead-letter queue


class Responder:
    """The pipeline with its collaborators; one per container."""

    def __init__(
        self,
        settings: Settings,
        store: IncidentStore,
        messenger: IncidentMessenger,
        escalator: Escalator,
        first_response: FirstResponse,
    ) -> None:
        self.settings = settings
        self.store = store
        self.messenger = messenger
        self.escalator = escalator
        self.first = first_response

    def handle_event(self, event: Any) -> list[Outcome]:
        return [self._handle_record(record) for record in parse_event(event)]

    def _handle_record(self, record: Signal | Command | Rejected) -> Outcome:
        if isinstance(record, Rejected):
            logger.warning("rejected record", extra={"reason": record.reason})
            return Outcome(result=Result.REJECTED, reason=record.reason, park=record.park)
        if isinstance(record, Signal):
            return self.handle_signal(record)
        if record.service not in self.settings.service_names():
            reason = f"{type(record).__name__} for {record.service!r}, which is not a configured service"
            return Outcome(result=Result.REJECTED, reason=reason, park=True)
        if isinstance(record, Declaration):
            return self.declare(record)
        return self.keep_window(record)

    def handle_signal(self, signal: Signal) -> Outcome:
        classification = classify(signal, self.settings.SERVICES)
        scheduled = from_health(signal, classification.service, clock.now()) if classification.service else None
        if scheduled is not None:
            self.keep_window(scheduled)  # and the event goes on the timeline as its row says
        if classification.action is Action.IGNORE:
            return Outcome(
                result=Result.IGNORED, name=signal.name, classification=classification, reason=classification.basis
            )
        # Something firing may open an incident: its first response's reads start beside the first read.
        prepared = self.first.prefetch() if classification.action is Action.OPEN else None
        for _ in range(MAX_ATTEMPTS):
            try:
                return self._apply(signal, classification, prepared)
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(f"gave up on {signal.name} after {MAX_ATTEMPTS} conflicting writes")

    def _apply(self, signal: Signal, classification: Classification, prepared: Future[None] | None) -> Outcome:
        service = self.settings.service(classification.service)
        state = self.store.service_state(service.name, delivery_key=signal.dedup_key)
        current, last_resolved = state.open, state.last_resolved
        if state.delivered:
            return self._duplicate(signal, classification, current)
        now = clock.now()
        window = active(state.windows, signal.occurred_at)
        decision = decide(current, signal, classification, service, now, window=window)
        underway = None
        if decision.created and decision.incident:
            decision.incident.linked_incident = last_resolved
            underway = self._begin(decision, prepared, [change_of(signal)] if decision.record_change else [])
        try:
            stored = self._commit(decision, underway, now=now, delivery_key=signal.dedup_key, signal=signal)
        except DuplicateDelivery:
            return self._duplicate(signal, classification, current)  # applied between the read and this write
        if stored is None:
            return Outcome(result=Result.NO_CHANGE, name=signal.name, classification=classification)
        if decision.created:
            self.first.run(stored, fresh=True, underway=underway)
            return Outcome(result=Result.OPENED, name=signal.name, incident_id=stored.id, classification=classification)
        self.follow_up(stored, decision, previous_execution=current.escalation_execution if current else None)
        return Outcome(result=Result.UPDATED, name=signal.name, incident_id=stored.id, classification=classification)

    def _begin(self, decision: Decision, prepared: Future[None] | None, opening: Sequence[Change]) -> Underway:
        """The opening's ledger claims, and its first response started: the checks run beside the write."""
        assert decision.incident is not None
        decision.claims = self.first.opening_claims(decision.incident)
        return self.first.begin(decision.incident, prepared, opening)

    def _commit(self, decision: Decision, underway: Underway | None, **write: Any) -> Incident | None:
        """The write; a refused one (a duplicate, a conflict) stops what was started beside it."""
        try:
            return self.store.commit(decision, **write)
        except (DuplicateDelivery, ConcurrentUpdate):
            if underway is not None:
                underway.abandon()
            raise

    def _duplicate(self, signal: Signal, classification: Classification, current: Incident | None) -> Outcome:
        """Applied before: nothing to decide, but finish a first response a crash interrupted."""
        if current is not None and not current.first_response_done:
            self.first.run(current, fresh=False)
        return Outcome(
            result=Result.DUPLICATE,
            name=signal.name,
            incident_id=current.id if current else None,
            classification=classification,
        )

    def declare(self, declaration: Declaration) -> Outcome:
        """A person's incident (D13): opened on its own, then the same first response as an alarm's."""
        service = self.settings.service(declaration.service)
        now = clock.now()
        decision = declare(declaration, service, now)
        assert decision.incident is not None
        classification = Classification(
            scenario=declaration.kind,
            severity=declaration.severity,
            service=service.name,
            rule=None,
            action=Action.OPEN,
            basis=decision.incident.severity_reason,
        )
        outcome = Outcome(
            result=Result.OPENED,
            name=declaration.title,
            incident_id=decision.incident.id,
            classification=classification,
        )
        underway = self._begin(decision, self.first.prefetch(), ())
        try:
            stored = self._commit(decision, underway, now=now, delivery_key=declaration.delivery_key)
        except DuplicateDelivery:
            existing = self.store.get(decision.incident.id)
            if existing is not None and not existing.first_response_done:
                self.first.run(existing, fresh=False)
            return outcome.model_copy(update={"result": Result.DUPLICATE})
        assert stored is not None
        self.first.run(stored, fresh=True, underway=underway)
        return outcome

    def keep_window(self, change: MaintenanceWindow | WindowEnd) -> Outcome:
        """Store a window (or its early end) on the service; move the hold of an incident it covers."""
        for _ in range(MAX_ATTEMPTS):
            state = self.store.service_state(change.service)
            if isinstance(change, MaintenanceWindow):
                windows, until = merged(state.windows, change, clock.now()), change.ends_at
            else:
                windows, until = ended(state.windows, change), change.ended_at
            try:
                self.store.save_windows(change.service, windows, state.windows_version)
                break
            except ConcurrentUpdate:
                continue
        else:
            raise ConcurrentUpdate(f"gave up storing maintenance window {change.id}")
        if state.open is not None:
            self._move_hold(state.open, change.id, until)
        return Outcome(result=Result.RECORDED, name=change.id, reason=f"maintenance window of {change.service}")

    def _move_hold(self, incident: Incident, window_id: str, until: datetime) -> None:
        def change(current: Incident, now: datetime) -> Decision:
            return move_hold(current, window_id, until, now)

        before, decision, stored = apply_change(self.store, incident.id, change, known=incident)
        if stored is not None:
            self.follow_up(stored, decision, previous_execution=before.escalation_execution)

    def follow_up(self, incident: Incident, decision: Decision, previous_execution: str | None) -> None:
        for kind in decision.notify:
            self.messenger.send(incident, kind)
        if decision.escalate is Escalate.RESCHEDULE and incident.first_response_done:
            started = self.escalator.reschedule(incident, previous_execution, clock.now())
            self.update(incident.id, record_execution(started), known=incident)  # just stored: no read
        elif decision.escalate is Escalate.STOP:
            self.escalator.stop_execution(incident.escalation_execution, "incident resolved")

    def update(self, incident_id: str, change: ChangeFn, known: Incident | None = None) -> Incident:
        _, _, stored = apply_change(self.store, incident_id, change, known=known)
        return stored or _must(self.store.get(incident_id))


def _must(incident: Incident | None) -> Incident:
    if incident is None:
        raise LookupError("incident vanished")
    return incident


def summarize(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.result.value] = counts.get(outcome.result.value, 0) + 1
    return counts
