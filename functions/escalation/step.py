"""One wake-up of the escalation state machine: do every step that is due, say when to wake next.

The state machine only waits and calls this; the schedule itself comes from the policy
(functions/escalation/schedule.py), recomputed from the incident each time, so an acknowledgement,
a severity change or Monitoring is taken into account at the next wake-up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from functions import clock
from functions.escalation.links import ActionSigner
from functions.escalation.resolution import Closer
from functions.escalation.schedule import Step, StepKind, asl_timestamp, due, next_wake
from functions.incident import Incident, TimelineEntry
from functions.incident_store import IncidentStore, apply_change
from functions.intake.signal import AlarmState
from functions.lifecycle import Decision, Notify, end_maintenance, recovered
from functions.notifications.render import (
    Message,
    confirm_message,
    exhausted_message,
    initial_message,
    nudge_message,
    page_message,
    phrase,
    reminder_message,
)
from functions.notifications.sender import IncidentMessenger
from functions.observability import SYNTHETIC_PAGED_METRIC, metrics
from functions.policy import RUNBOOK, Level, Runbook
from functions.roster.holder import Holder
from functions.services import ServiceConfig

if TYPE_CHECKING:
    from functions.channel.keeper import ChannelKeeper
    from functions.roster.source import RosterSource


class StepResult(BaseModel, defer_build=True):
    done: bool
    next_at: str | None = None


DONE = StepResult(done=True)
# Each step is recorded before the next is computed; a wake-up has never more than a handful due.
MAX_STEPS_PER_WAKE = 50
AlarmStateReader = Callable[[list[str]], dict[str, AlarmState]]

_TIMELINE_TEXT: dict[StepKind, str] = {
    StepKind.PAGE: "Paged {level}",
    StepKind.ACK_REMINDER: "{level} not acknowledged within the response time: paged again",
    StepKind.EXHAUSTED: "Escalation ladder exhausted: every level told",
    StepKind.EXHAUSTED_REMINDER: "Ladder exhausted: {level} reminded",
    StepKind.UPDATE_NUDGE: "Status update overdue: {level} nudged",
    StepKind.STABILISED: "All alarms OK through the stabilisation window: {level} asked to confirm resolution",
    StepKind.MAINTENANCE_END: "Maintenance window ended",
}


class EscalationRunner:
    def __init__(
        self,
        store: IncidentStore,
        messenger: IncidentMessenger,
        closer: Closer,
        signer: ActionSigner | None,
        synthetic_services: frozenset[str] = frozenset(),
        runbook: Runbook = RUNBOOK,
        alarm_states: AlarmStateReader = lambda names: {},
        service: Callable[[str], ServiceConfig] = lambda name: ServiceConfig(name=name),
        roster: RosterSource | None = None,
        channels: ChannelKeeper | None = None,
    ) -> None:
        self._roster = roster
        self._channels = channels
        self._alarm_states = alarm_states
        self._service = service
        self._synthetic = synthetic_services
        self._store = store
        self._messenger = messenger
        self._closer = closer
        self._signer = signer
        self._runbook = runbook

    def run(self, incident_id: str, generation: int) -> StepResult:
        incident = self._store.get(incident_id)
        if incident is None or not incident.is_open or incident.escalation_generation != generation:
            return DONE  # resolved, or a newer generation took over: stand down
        now = clock.now()
        performed: set[str] = set()
        for _ in range(MAX_STEPS_PER_WAKE):  # a step can make others due (a maintenance end pages L1)
            pending = [step for step in due(incident, now, self._runbook) if step.key not in performed]
            if not pending:
                break
            performed.add(pending[0].key)
            incident = self._perform(incident, pending[0], now)
            if not incident.is_open:
                return DONE
        wake = next_wake(incident, now, self._runbook)
        return StepResult(done=False, next_at=asl_timestamp(wake)) if wake else DONE

    def _perform(self, incident: Incident, step: Step, now: datetime) -> Incident:
        if step.kind is StepKind.MAINTENANCE_END:
            return self._end_maintenance(incident)
        if step.kind is StepKind.STABILISED and not self._runbook.severity(incident.severity).human_confirms_resolution:
            return self._resolve_itself(incident, "stabilisation window", "resolution_stabilised")
        holder = self._roster.holder(_addressee(step), now) if self._roster else Holder(missing="not configured")
        for message, key in self._messages(incident, step, now, holder):
            self._messenger.send_message(incident, message, key)
        if step.kind is StepKind.PAGE:  # after the page: Slack never holds it back
            incident = self._bring_into_channel(incident, holder)
        if step.kind is StepKind.PAGE and incident.service in self._synthetic:
            # the daily synthetic test reached a page: its absence for a day is alarmed (infra)
            metrics.add_metric(name=SYNTHETIC_PAGED_METRIC, unit=MetricUnit.Count, value=1)
        _, _, stored = apply_change(self._store, incident.id, _record(step))
        return stored or self._reload(incident)

    def _end_maintenance(self, incident: Incident) -> Incident:
        """Re-evaluate at the window's end (D14): recovered → resolved quietly; else a normal incident."""
        states = self._alarm_states(list(incident.alarms))
        if recovered(incident, states):
            return self._resolve_itself(incident, "maintenance window end", "resolution_maintenance")
        service = self._service(incident.service)

        def change(current: Incident, now: datetime) -> Decision:
            return end_maintenance(current, states, service, now, self._runbook)

        _, decision, stored = apply_change(self._store, incident.id, change)
        if stored is None:
            return self._reload(incident)
        if Notify.UPDATE in decision.notify:
            self._messenger.send(stored, Notify.UPDATE)
        return stored

    def _resolve_itself(self, incident: Incident, why: str, resolution: str) -> Incident:
        closed = self._closer.resolve(incident.id, by="runbook-responder", channel=why, resolution=phrase(resolution))
        return closed or self._reload(incident)

    def _bring_into_channel(self, incident: Incident, holder: Holder) -> Incident:
        """The paged person joins the incident's channel (opened now if a later change made it wanted;
        during the first response the intake opens it, with L1 in it)."""
        if self._channels is None:
            return incident
        people = [holder.slack] if holder.slack else []
        if incident.channel is None:
            if not incident.first_response_done:
                return incident
            return self._channels.open(incident, people, initial_message(incident))
        return self._channels.invite(incident, people)

    def _reload(self, incident: Incident) -> Incident:
        return self._store.get(incident.id) or incident

    def _messages(self, incident: Incident, step: Step, now: datetime, holder: Holder) -> list[tuple[Message, str]]:
        level = step.level or Level.L1
        links = self._signer.links(incident.id, now, level) if self._signer else None
        if step.kind is StepKind.PAGE:
            graph = self._messenger.graph_link(incident) if level is Level.L1 else None  # the first page
            return [(page_message(incident, level, now, links, holder, graph), step.key)]
        if step.kind is StepKind.ACK_REMINDER:
            return [(reminder_message(incident, level, now, links, holder), step.key)]
        if step.kind in (StepKind.EXHAUSTED, StepKind.EXHAUSTED_REMINDER):
            interval = timedelta(
                seconds=self._runbook.level(Level.L4).escalation_seconds.get(incident.severity)
                or self._runbook.severity(incident.severity).escalate_after_seconds
                or 0
            )
            told = list(Level) if step.kind is StepKind.EXHAUSTED else [Level.L4]
            limit = self._runbook.exhausted_reminder_limit
            reminder = step.kind is StepKind.EXHAUSTED_REMINDER
            return [
                (
                    exhausted_message(incident, lv, now, links, interval, limit, reminder, holder),
                    f"{step.key}-{lv.value}",
                )
                for lv in told
            ]
        if step.kind is StepKind.UPDATE_NUDGE:
            update_link = self._signer.link(incident.id, "update", now, level) if self._signer else ""
            return [(nudge_message(incident, level, now, update_link, holder), step.key)]
        return [(confirm_message(incident, level, now, links, holder), step.key)]


def _addressee(step: Step) -> Level:
    """Whose name the step's message carries: its level's; L4's when the ladder is exhausted."""
    if step.kind in (StepKind.EXHAUSTED, StepKind.EXHAUSTED_REMINDER):
        return Level.L4
    return step.level or Level.L1


def _record(step: Step) -> Callable[[Incident, datetime], Decision]:
    def change(current: Incident, now: datetime) -> Decision:
        if step.key in current.steps_done:
            return Decision()
        incident = current.model_copy(deep=True)
        incident.steps_done.append(step.key)
        level = step.level or Level.L1
        if step.kind is StepKind.PAGE:
            incident.paged_at[level] = now
            incident.actions_taken.append(f"Paged {level.value} ({RUNBOOK.level(level).role})")
        text = _TIMELINE_TEXT[step.kind].format(level=f"{level.value} ({RUNBOOK.level(level).role})")
        incident.updated_at = now
        return Decision(incident=incident, timeline=[TimelineEntry(at=now, kind=step.kind.value, text=text)])

    return change
