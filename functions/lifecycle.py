"""Incident lifecycle decisions: what a signal does to the open incident. Pure: no AWS, no clock.

`decide` returns a `Decision`; the incident store commits it atomically and the triage
pipeline sends the notifications and moves the escalation it names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from functions.incident import Acknowledgement, Incident, IncidentStatus, MemberAlarm, TimelineEntry, incident_id
from functions.intake.signal import AlarmState, Signal, SignalSource
from functions.policy import RUNBOOK, Level, Runbook
from functions.scenarios import Action, Classification
from functions.services import ServiceConfig


class Notify(StrEnum):
    INITIAL = "initial"
    UPDATE = "update"
    RESOLUTION = "resolution"


class Escalate(StrEnum):
    NONE = "none"
    START = "start"
    RESCHEDULE = "reschedule"
    STOP = "stop"


class Decision(BaseModel):
    incident: Incident | None = None
    created: bool = False
    timeline: list[TimelineEntry] = []
    notify: list[Notify] = []
    escalate: Escalate = Escalate.NONE
    release_open_pointer: bool = False
    record_change: bool = False


def decide(
    current: Incident | None,
    signal: Signal,
    classification: Classification,
    service: ServiceConfig,
    now: datetime,
    runbook: Runbook = RUNBOOK,
) -> Decision:
    decision = _decide(current, signal, classification, service, now, runbook)
    incident = decision.incident
    if incident is not None and decision.escalate is Escalate.RESCHEDULE:
        incident.escalation_generation += 1
    if incident is not None and Notify.UPDATE in decision.notify:
        promise_next_update(incident, now, runbook)
    return decision


def promise_next_update(incident: Incident, now: datetime, runbook: Runbook = RUNBOOK) -> None:
    """Each status update promises the next one at the severity's cadence (D5)."""
    cadence = runbook.severity(incident.severity).update_every_seconds
    incident.next_update_at = now + timedelta(seconds=cadence)


def _decide(
    current: Incident | None,
    signal: Signal,
    classification: Classification,
    service: ServiceConfig,
    now: datetime,
    runbook: Runbook = RUNBOOK,
) -> Decision:
    if classification.action is Action.IGNORE:
        return Decision()
    if signal.source is not SignalSource.ALARM:
        return _info_signal(current, signal, classification, service, now, runbook)
    if current is None:
        if classification.action is Action.OPEN:
            return _open(signal, classification, service, now, runbook)
        return Decision()
    if classification.action is Action.OPEN:
        return _alarm_fires(current, signal, classification, now)
    if classification.action is Action.RESOLVE:
        return _alarm_clears(current, signal, classification, now)
    return _note(current, signal, now, "insufficient-data", f"{signal.name} has INSUFFICIENT_DATA (D10)")


def _open(
    signal: Signal, classification: Classification, service: ServiceConfig, now: datetime, runbook: Runbook
) -> Decision:
    assert classification.severity is not None and classification.scenario is not None
    scenario = runbook.scenario(classification.scenario)
    severity = runbook.severity(classification.severity)
    opened_at = signal.occurred_at
    incident = Incident(
        id=incident_id(service.name, opened_at, signal.dedup_key),
        service=service.name,
        scenario=scenario.name,
        severity=classification.severity,
        title=f"{scenario.title}: {signal.name}",
        impact=scenario.impact,
        affected_systems=service.affected_systems(scenario.affected) or [service.name],
        opened_at=opened_at,
        updated_at=now,
        alarms=_member(signal, classification) if signal.source is SignalSource.ALARM else {},
        severity_reason=classification.basis,
        next_update_at=now + timedelta(seconds=severity.update_every_seconds),
    )
    entry = TimelineEntry(
        at=now,
        kind="opened",
        text=f"Incident opened at {classification.severity.value} ({scenario.title}) by {signal.name}: "
        f"{classification.basis}",
    )
    return Decision(incident=incident, created=True, timeline=[entry], notify=[Notify.INITIAL], escalate=Escalate.START)


def _member(signal: Signal, classification: Classification) -> dict[str, MemberAlarm]:
    assert classification.severity is not None and classification.scenario is not None
    return {
        signal.name: MemberAlarm(
            name=signal.name,
            state=AlarmState.OK if signal.state is AlarmState.OK else AlarmState.ALARM,
            rule=classification.rule,
            severity=classification.severity,
            scenario=classification.scenario,
            since=signal.occurred_at,
            reason=signal.reason,
        )
    }


def _alarm_fires(current: Incident, signal: Signal, classification: Classification, now: datetime) -> Decision:
    assert classification.severity is not None and classification.scenario is not None
    member = current.alarms.get(signal.name)
    if member and member.since >= signal.occurred_at:
        return Decision()  # an older or same transition arriving late: the incident already knows more
    incident = current.model_copy(deep=True)
    incident.alarms.update(_member(signal, classification))
    incident.updated_at = now
    timeline: list[TimelineEntry] = []
    notify: list[Notify] = []
    escalate = Escalate.NONE
    if incident.status is IncidentStatus.MONITORING:
        incident.status = IncidentStatus.INVESTIGATING
        incident.monitoring_since = None
        incident.flap_count += 1
        timeline.append(_entry(now, "flapping", f"{signal.name} fired again while monitoring; held on this incident"))
        escalate = Escalate.RESCHEDULE
    elif member is None:
        timeline.append(_entry(now, "joined", f"{signal.name} joined ({classification.basis})"))
    if classification.severity.outranks(incident.severity):
        timeline.append(_upgrade(incident, signal.name, classification, now))
        notify.append(Notify.UPDATE)
        escalate = Escalate.RESCHEDULE
    return Decision(incident=incident, timeline=timeline, notify=notify, escalate=escalate)


def _upgrade(incident: Incident, cause: str, classification: Classification, now: datetime) -> TimelineEntry:
    """A more severe alarm raises the incident: severity, scenario, impact and update cadence follow."""
    assert classification.severity is not None and classification.scenario is not None
    scenario = RUNBOOK.scenario(classification.scenario)
    previous = incident.severity
    incident.severity = classification.severity
    incident.scenario = scenario.name
    incident.impact = scenario.impact
    incident.severity_reason = f"{cause}: {classification.basis}"
    text = f"Severity {previous.value} → {classification.severity.value} ({scenario.title}): {cause}"
    incident.actions_taken.append(text)
    return _entry(now, "severity", text)


def _alarm_clears(current: Incident, signal: Signal, classification: Classification, now: datetime) -> Decision:
    member = current.alarms.get(signal.name)
    if member is not None and member.since >= signal.occurred_at:
        return Decision()  # older than what the incident knows
    if member is None or member.state is AlarmState.OK:
        # Remember the OK quietly: its own older ALARM, if delivered after it, must not fire.
        incident = current.model_copy(deep=True)
        incident.alarms.update(_member(signal, classification))
        return Decision(incident=incident)
    incident = current.model_copy(deep=True)
    incident.alarms[signal.name] = member.model_copy(update={"state": AlarmState.OK, "since": signal.occurred_at})
    incident.updated_at = now
    timeline = [_entry(now, "alarm-ok", f"{signal.name} is OK")]
    if not incident.all_alarms_ok or incident.status is IncidentStatus.MONITORING:
        return Decision(incident=incident, timeline=timeline)
    incident.status = IncidentStatus.MONITORING
    incident.monitoring_since = now
    if _flapping(incident, now):
        # ALARM/OK/ALARM within the window: hold it on the incident quietly instead of announcing
        # every swing (the first Monitoring update already told people; the timeline keeps count).
        timeline.append(_entry(now, "monitoring", f"All alarms OK again (flap {incident.flap_count}); holding"))
        return Decision(incident=incident, timeline=timeline, escalate=Escalate.RESCHEDULE)
    incident.monitoring_announced_at = now
    incident.actions_taken.append(f"All alarms OK since {now:%H:%M} UTC; monitoring for stabilisation")
    timeline.append(_entry(now, "monitoring", "All alarms OK: monitoring for stabilisation"))
    return Decision(incident=incident, timeline=timeline, notify=[Notify.UPDATE], escalate=Escalate.RESCHEDULE)


def _flapping(incident: Incident, now: datetime, runbook: Runbook = RUNBOOK) -> bool:
    announced = incident.monitoring_announced_at
    window = timedelta(seconds=runbook.stabilisation_seconds)
    return incident.flap_count > 0 and announced is not None and now - announced < window


def _note(current: Incident, signal: Signal, now: datetime, kind: str, text: str) -> Decision:
    if signal.name not in current.alarms:
        return Decision()
    incident = current.model_copy(update={"updated_at": now})
    return Decision(incident=incident, timeline=[_entry(now, kind, text)])


def _info_signal(
    current: Incident | None,
    signal: Signal,
    classification: Classification,
    service: ServiceConfig,
    now: datetime,
    runbook: Runbook,
) -> Decision:
    text = f"{signal.source.value} event {signal.name}: {signal.reason}".strip()
    if current is not None:
        incident = current.model_copy(deep=True, update={"updated_at": now})
        timeline = [_entry(now, "context", text)]
        severity = classification.severity
        if classification.action is Action.OPEN and severity is not None and severity.outranks(incident.severity):
            # An event that means breakage raises the open incident like a more severe alarm does (D11).
            timeline.append(_upgrade(incident, signal.name, classification, now))
            return Decision(
                incident=incident, timeline=timeline, notify=[Notify.UPDATE], escalate=Escalate.RESCHEDULE,
                record_change=True,
            )  # fmt: skip
        return Decision(incident=incident, timeline=timeline, record_change=True)
    if classification.action is Action.OPEN:
        decision = _open(signal, classification, service, now, runbook)
        return decision.model_copy(update={"record_change": True})
    return Decision(record_change=True)


def stabilised(incident: Incident, now: datetime, runbook: Runbook = RUNBOOK) -> bool:
    """Every alarm OK for the stabilisation window (D4)."""
    if incident.status is not IncidentStatus.MONITORING or incident.monitoring_since is None:
        return False
    return now - incident.monitoring_since >= timedelta(seconds=runbook.stabilisation_seconds)


def resolve(
    current: Incident, now: datetime, *, by: str, channel: str, root_cause: str | None, resolution: str | None
) -> Decision:
    if not current.is_open:
        return Decision()
    incident = current.model_copy(deep=True)
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = now
    incident.resolved_by = by
    incident.updated_at = now
    incident.root_cause = root_cause or incident.root_cause
    incident.resolution = resolution or incident.resolution
    incident.actions_taken.append(f"Resolved by {by} via {channel}")
    entry = TimelineEntry(at=now, kind="resolved", text=f"Resolved by {by} via {channel}", actor=by, channel=channel)
    return Decision(
        incident=incident,
        timeline=[entry],
        notify=[Notify.RESOLUTION],
        escalate=Escalate.STOP,
        release_open_pointer=True,
    )


def _entry(now: datetime, kind: str, text: str) -> TimelineEntry:
    return TimelineEntry(at=now, kind=kind, text=text)


def acknowledge(current: Incident, level: Level, by: str, channel: str, now: datetime) -> Decision:
    """Stops reminders to that level; escalation goes on (the runbook escalates on 'not resolved')."""
    if not current.is_open or level in current.acknowledgements:
        return Decision()
    incident = current.model_copy(deep=True)
    incident.acknowledgements[level] = Acknowledgement(by=by, channel=channel, at=now)
    incident.updated_at = now
    text = f"{level.value} acknowledged by {by} via {channel}"
    incident.actions_taken.append(text)
    return Decision(
        incident=incident, timeline=[TimelineEntry(at=now, kind="ack", text=text, actor=by, channel=channel)]
    )


class StatusUpdate(BaseModel):
    """What a person posts: every field optional; the template fills the rest."""

    status: IncidentStatus | None = None
    root_cause: str | None = Field(default=None, max_length=2000)
    eta: str | None = Field(default=None, max_length=200)
    actions: list[str] = Field(default=[], max_length=20)
    note: str | None = Field(default=None, max_length=2000)


def post_update(
    current: Incident, update: StatusUpdate, by: str, channel: str, now: datetime, runbook: Runbook = RUNBOOK
) -> Decision:
    if not current.is_open:
        return Decision()
    if update.status is IncidentStatus.RESOLVED:
        raise ValueError("resolve through the resolve action, not a status update")
    incident = current.model_copy(deep=True)
    escalate = Escalate.NONE
    if update.status is not None and update.status is not incident.status:
        incident.status = update.status
        incident.monitoring_since = now if update.status is IncidentStatus.MONITORING else None
        incident.escalation_generation += 1
        escalate = Escalate.RESCHEDULE
    incident.root_cause = update.root_cause or incident.root_cause
    incident.extra["eta"] = update.eta or incident.extra.get("eta")
    incident.actions_taken.extend(update.actions)
    incident.updated_at = now
    promise_next_update(incident, now, runbook)
    text = f"Status update by {by} via {channel}: {incident.status.value}" + (
        f" — {update.note}" if update.note else ""
    )
    entry = TimelineEntry(at=now, kind="update", text=text, actor=by, channel=channel)
    return Decision(incident=incident, timeline=[entry], notify=[Notify.UPDATE], escalate=escalate)


def record_execution(started: Incident) -> Callable[[Incident, datetime], Decision]:
    """Store the escalation execution a (re)start created, unless a newer generation took over."""

    def change(current: Incident, now: datetime) -> Decision:
        if current.escalation_generation != started.escalation_generation:
            return Decision()
        return Decision(incident=current.model_copy(update={"escalation_execution": started.escalation_execution}))

    return change
