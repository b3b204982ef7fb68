"""The intake pipeline, top to bottom: signal → scenario/severity → incident → first response.

First response for a new incident: diagnostics → severity follows the evidence → the
Initial Incident Notification → the escalation clock. Every step is idempotent, so a
redelivered alarm finishes a first response that a crash interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from functions import clock
from functions.diagnosis import Diagnoser, record_diagnosis
from functions.escalation.executions import Escalator
from functions.incident import Incident
from functions.incident_store import (
    MAX_ATTEMPTS,
    ChangeFn,
    ConcurrentUpdate,
    DuplicateDelivery,
    IncidentStore,
    apply_change,
)
from functions.intake.parse import Rejected, parse_event
from functions.intake.signal import Signal
from functions.lifecycle import Decision, Escalate, Notify, decide, record_execution
from functions.notifications.sender import IncidentMessenger
from functions.observability import logger
from functions.scenarios import Action, Classification, classify
from functions.settings import Settings


class Result(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    NO_CHANGE = "no-change"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    REJECTED = "rejected"


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
        diagnose: Diagnoser,
        prepare: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.messenger = messenger
        self.escalator = escalator
        self.diagnose = diagnose
        self.prepare = prepare

    def handle_event(self, event: Any) -> list[Outcome]:
        return [self._handle_record(record) for record in parse_event(event)]

    def _handle_record(self, record: Signal | Rejected) -> Outcome:
        if isinstance(record, Rejected):
            logger.warning("rejected record", extra={"reason": record.reason})
            return Outcome(result=Result.REJECTED, reason=record.reason, park=record.park)
        return self.handle_signal(record)

    def handle_signal(self, signal: Signal) -> Outcome:
        classification = classify(signal, self.settings.SERVICES)
        if classification.action is Action.IGNORE:
            return Outcome(
                result=Result.IGNORED, name=signal.name, classification=classification, reason=classification.basis
            )
        for _ in range(MAX_ATTEMPTS):
            try:
                return self._apply(signal, classification)
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(f"gave up on {signal.name} after {MAX_ATTEMPTS} conflicting writes")

    def _apply(self, signal: Signal, classification: Classification) -> Outcome:
        service = self.settings.service(classification.service)
        current, last_resolved = self.store.service_state(service.name)
        now = clock.now()
        decision = decide(current, signal, classification, service, now)
        if decision.created and decision.incident:
            decision.incident.linked_incident = last_resolved
        try:
            stored = self.store.commit(decision, now=now, delivery_key=signal.dedup_key, signal=signal)
        except DuplicateDelivery:
            if current is not None and not current.first_response_done:
                self.first_response(current)
            return Outcome(
                result=Result.DUPLICATE,
                name=signal.name,
                incident_id=current.id if current else None,
                classification=classification,
            )
        if stored is None:
            return Outcome(result=Result.NO_CHANGE, name=signal.name, classification=classification)
        if decision.created:
            self.first_response(stored)
            return Outcome(result=Result.OPENED, name=signal.name, incident_id=stored.id, classification=classification)
        self.follow_up(stored, decision, previous_execution=current.escalation_execution if current else None)
        return Outcome(result=Result.UPDATED, name=signal.name, incident_id=stored.id, classification=classification)

    def first_response(self, incident: Incident) -> Incident:
        """Diagnose, notify, start the clock; each step skips itself if done before.

        The channels' secrets are read while the checks run (they are needed right after), and
        each write starts from the copy just written instead of reading it back: the first
        response's wall time is its longest chain of dependent calls, not their sum.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="first-response") as pool:
            prepared = pool.submit(self.prepare)
            if not incident.findings:
                findings, change = self.diagnose(incident, self.settings.service(incident.service))
                incident = self.update(incident.id, record_diagnosis(findings, change), known=incident)
            prepared.result()
            # The notification and the escalation clock do not wait for each other.
            notified = pool.submit(self.messenger.send, incident, Notify.INITIAL)
            started = self.escalator.start(incident)
            notified.result()
        return self.update(incident.id, _mark_first_response_done(started.escalation_execution), known=started)

    def follow_up(self, incident: Incident, decision: Decision, previous_execution: str | None) -> None:
        for kind in decision.notify:
            self.messenger.send(incident, kind)
        if decision.escalate is Escalate.RESCHEDULE and incident.first_response_done:
            started = self.escalator.reschedule(incident, previous_execution, clock.now())
            self.update(incident.id, record_execution(started))
        elif decision.escalate is Escalate.STOP:
            self.escalator.stop_execution(incident.escalation_execution, "incident resolved")

    def update(self, incident_id: str, change: ChangeFn, known: Incident | None = None) -> Incident:
        _, _, stored = apply_change(self.store, incident_id, change, known=known)
        return stored or _must(self.store.get(incident_id))


def _must(incident: Incident | None) -> Incident:
    if incident is None:
        raise LookupError("incident vanished")
    return incident


def _mark_first_response_done(execution: str | None) -> Callable[[Incident, datetime], Decision]:
    def change(current: Incident, now: datetime) -> Decision:
        if current.first_response_done:
            return Decision()
        incident = current.model_copy(update={"first_response_done": True, "escalation_execution": execution})
        return Decision(incident=incident)

    return change


def summarize(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.result.value] = counts.get(outcome.result.value, 0) + 1
    return counts
