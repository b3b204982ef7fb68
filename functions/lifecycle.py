"""Incident lifecycle decisions: what a signal does to the open incident. Pure: no AWS, no clock.

`decide` returns a `Decision`; the incident store commits it atomically and the triage
pipeline sends the notifications and moves the escalation it names.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from functions.declared.declaration import Declaration
from functions.incident import (
    Acknowledgement,
    Incident,
    IncidentOrigin,
    IncidentStatus,
    MaintenanceHold,
    MemberAlarm,
    TimelineEntry,
    incident_id,
)
from functions.intake.signal import BAND_COMPARISONS, AlarmMetric, AlarmState, Signal, SignalSource
from functions.maintenance.window import MaintenanceWindow
from functions.policy import RUNBOOK, AlarmRule, Level, Runbook, Scenario
from functions.policy.effective import service_policy
from functions.scenarios import Action, Classification, carried_dimensions
from functions.services import UNASSIGNED, ServiceConfig
from functions.status_page.public import public_by_policy, public_update


class Notify(StrEnum):
    INITIAL = "initial"
    UPDATE = "update"
    RESOLUTION = "resolution"


class Escalate(StrEnum):
    NONE = "none"
    START = "start"
    RESCHEDULE = "reschedule"
    STOP = "stop"


class Decision(BaseModel, defer_build=True):
    incident: Incident | None = None
    created: bool = False
    timeline: list[TimelineEntry] = []
    notify: list[Notify] = []
    escalate: Escalate = Escalate.NONE
    release_open_pointer: bool = False
    record_change: bool = False
    standalone: bool = False  # a declared incident: it does not take the service's open-alarm slot (D13)
    # Notification ledger keys claimed / marked sent in this decision's own transaction, so a first
    # response needs no separate write per message (benchmarks/README.md, the first response's chain).
    claims: list[str] = []
    sent: list[str] = []


def decide(
    current: Incident | None,
    signal: Signal,
    classification: Classification,
    service: ServiceConfig,
    now: datetime,
    runbook: Runbook = RUNBOOK,
    window: MaintenanceWindow | None = None,
) -> Decision:
    """`window` is the maintenance window the signal fell in, if any (D14)."""
    decision = _decide(current, signal, classification, service, now, runbook, window)
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
    window: MaintenanceWindow | None = None,
) -> Decision:
    if classification.action is Action.IGNORE:
        return Decision()
    if signal.source is not SignalSource.ALARM:
        return _info_signal(current, signal, classification, service, now, runbook, window)
    if current is None:
        if classification.action is Action.OPEN:
            return _open(signal, classification, service, now, runbook, window)
        return Decision()
    if classification.action is Action.OPEN:
        return _alarm_fires(current, signal, classification, service, now)
    if classification.action is Action.RESOLVE:
        return _alarm_clears(current, signal, classification, service, now)
    return _note(current, signal, now, "insufficient-data", f"{signal.name} has INSUFFICIENT_DATA (D10)")


def _open(
    signal: Signal,
    classification: Classification,
    service: ServiceConfig,
    now: datetime,
    runbook: Runbook,
    window: MaintenanceWindow | None = None,
) -> Decision:
    assert classification.severity is not None and classification.scenario is not None
    scenario = runbook.scenario(classification.scenario)
    severity = runbook.severity(classification.severity)
    opened_at = signal.occurred_at
    hold = MaintenanceHold(window_id=window.id, reason=window.reason, until=window.ends_at) if window else None
    incident = Incident(
        id=incident_id(service.name, opened_at, signal.dedup_key),
        service=service.name,
        scenario=scenario.name,
        severity=classification.severity,
        title=f"{scenario.title}: {signal.name}",
        impact=service_policy(service, runbook).text(scenario.impact),
        affected_systems=_affected(service, scenario, signal),
        opened_at=opened_at,
        updated_at=now,
        alarms=_member(signal, classification, service, runbook) if signal.source is SignalSource.ALARM else {},
        severity_reason=classification.basis,
        next_update_at=now + timedelta(seconds=severity.update_every_seconds),
        maintenance=hold,
    )
    incident.public = _public(incident, scenario, service, runbook)
    _tell_public(incident, now)
    text = (
        f"Incident opened at {classification.severity.value} ({scenario.title}) by {signal.name}: "
        f"{classification.basis}"
    )
    timeline = [TimelineEntry(at=now, kind="opened", text=text)]
    if hold is not None:
        timeline.append(_entry(now, "maintenance", _hold_text(incident, runbook)))
    return Decision(
        incident=incident, created=True, timeline=timeline, notify=[Notify.INITIAL], escalate=Escalate.START
    )


def held(incident: Incident, runbook: Runbook = RUNBOOK) -> bool:
    """In a maintenance window and below the policy's paging floor: announced once, nobody paged (D14)."""
    floor = runbook.maintenance_pages_from
    return incident.maintenance is not None and floor.outranks(incident.severity)


def _hold_text(incident: Incident, runbook: Runbook) -> str:
    assert incident.maintenance is not None
    until = f"{incident.maintenance.until:%Y-%m-%d %H:%M} UTC"
    if held(incident, runbook):
        return f"Opened in maintenance window {incident.maintenance.window_id}: pages held until {until}"
    return f"Opened in maintenance window {incident.maintenance.window_id}, but {incident.severity.value} pages anyway"


def _public(
    incident: Incident, scenario: Scenario, service: ServiceConfig, runbook: Runbook, chosen: bool | None = None
) -> bool:
    """D12: the person's choice, else the policy's; never the responder's own test, nor a held incident."""
    if service.synthetic:
        return False
    if chosen is not None:
        return chosen
    if incident.public_set_by is not None:
        return incident.public
    return public_by_policy(scenario.name, incident.severity, service, runbook) and not held(incident, runbook)


def _tell_public(incident: Incident, now: datetime, text: str | None = None) -> None:
    """Status page history (D12): an entry per public status change, only while the incident is public."""
    if not incident.public:
        return
    last = incident.public_updates[-1] if incident.public_updates else None
    if last is None or last.status is not incident.status or text:
        incident.public_updates.append(public_update(incident, incident.status, now, text))


def _affected(service: ServiceConfig, scenario: Scenario, signal: Signal | None = None) -> list[str]:
    """The scenario's systems the service has; for an unassigned alarm, what it carried (D8)."""
    if service.name == UNASSIGNED and signal is not None:
        return carried_dimensions(signal) or [service.name]
    return service.affected_systems(scenario.affected) or [service.name]


def _member(
    signal: Signal, classification: Classification, service: ServiceConfig, runbook: Runbook = RUNBOOK
) -> dict[str, MemberAlarm]:
    assert classification.severity is not None and classification.scenario is not None
    rule = service_policy(service, runbook).rule(classification.rule) if classification.rule else None
    return {
        signal.name: MemberAlarm(
            name=signal.name,
            state=AlarmState.OK if signal.state is AlarmState.OK else AlarmState.ALARM,
            rule=classification.rule,
            severity=classification.severity,
            scenario=classification.scenario,
            since=signal.occurred_at,
            reason=signal.reason,
            metric=_with_rule(signal.alarm_metric, rule),
        )
    }


def _with_rule(metric: AlarmMetric | None, rule: AlarmRule | None) -> AlarmMetric | None:
    """EventBridge and Lambda-action payloads carry no comparison or configured threshold: the rule's fill them.

    The runbook's threshold is what our stack configured the alarm with; a band rule's "threshold" is
    the band's width in standard deviations, never a line on the metric's axis.
    """
    if metric is None or rule is None or metric.threshold_from == "alarm":
        return metric
    update: dict[str, object] = {"comparison": metric.comparison or rule.comparison}
    if not metric.is_band and rule.comparison not in BAND_COMPARISONS:
        update |= {"threshold": rule.threshold, "threshold_from": "policy"}
    return metric.model_copy(update=update)


def _alarm_fires(
    current: Incident, signal: Signal, classification: Classification, service: ServiceConfig, now: datetime
) -> Decision:
    assert classification.severity is not None and classification.scenario is not None
    member = current.alarms.get(signal.name)
    if member and member.since >= signal.occurred_at:
        return Decision()  # an older or same transition arriving late: the incident already knows more
    incident = current.model_copy(deep=True)
    incident.alarms.update(_member(signal, classification, service))
    incident.updated_at = now
    timeline: list[TimelineEntry] = []
    notify: list[Notify] = []
    escalate = Escalate.NONE
    if incident.status is IncidentStatus.MONITORING:
        incident.status = IncidentStatus.INVESTIGATING
        incident.monitoring_since = None
        incident.flap_count += 1
        _tell_public(incident, now)
        timeline.append(_entry(now, "flapping", f"{signal.name} fired again while monitoring; held on this incident"))
        escalate = Escalate.RESCHEDULE
    elif member is None:
        timeline.append(_entry(now, "joined", f"{signal.name} joined ({classification.basis})"))
    if classification.severity.outranks(incident.severity):
        was_held = held(incident)
        timeline.append(_upgrade(incident, signal.name, classification, service, now))
        incident.public = _public(incident, RUNBOOK.scenario(incident.scenario), service, RUNBOOK)
        _tell_public(incident, now)
        if was_held and not held(incident):
            timeline.append(_entry(now, "maintenance", _hold_text(incident, RUNBOOK)))
        if not held(incident):  # announced once: a held incident stays quiet until it pages (D14)
            notify.append(Notify.UPDATE)
        escalate = Escalate.RESCHEDULE
    return Decision(incident=incident, timeline=timeline, notify=notify, escalate=escalate)


def _upgrade(
    incident: Incident, cause: str, classification: Classification, service: ServiceConfig, now: datetime
) -> TimelineEntry:
    """A more severe alarm raises the incident: severity, scenario, impact and update cadence follow."""
    assert classification.severity is not None and classification.scenario is not None
    scenario = RUNBOOK.scenario(classification.scenario)
    previous = incident.severity
    incident.severity = classification.severity
    incident.scenario = scenario.name
    incident.impact = service_policy(service).text(scenario.impact)
    incident.severity_reason = f"{cause}: {classification.basis}"
    text = f"Severity {previous.value} → {classification.severity.value} ({scenario.title}): {cause}"
    incident.actions_taken.append(text)
    return _entry(now, "severity", text)


def _alarm_clears(
    current: Incident, signal: Signal, classification: Classification, service: ServiceConfig, now: datetime
) -> Decision:
    member = current.alarms.get(signal.name)
    if member is not None and member.since >= signal.occurred_at:
        return Decision()  # older than what the incident knows
    if member is None or member.state is AlarmState.OK:
        # Remember the OK quietly: its own older ALARM, if delivered after it, must not fire.
        incident = current.model_copy(deep=True)
        incident.alarms.update(_member(signal, classification, service))
        return Decision(incident=incident)
    incident = current.model_copy(deep=True)
    incident.alarms[signal.name] = member.model_copy(update={"state": AlarmState.OK, "since": signal.occurred_at})
    incident.updated_at = now
    timeline = [_entry(now, "alarm-ok", f"{signal.name} is OK")]
    if not incident.all_alarms_ok or incident.status is IncidentStatus.MONITORING:
        return Decision(incident=incident, timeline=timeline)
    incident.status = IncidentStatus.MONITORING
    incident.monitoring_since = now
    _tell_public(incident, now)
    if _flapping(incident, now):
        # ALARM/OK/ALARM within the window: hold it on the incident quietly instead of announcing
        # every swing (the first Monitoring update already told people; the timeline keeps count).
        timeline.append(_entry(now, "monitoring", f"All alarms OK again (flap {incident.flap_count}); holding"))
        return Decision(incident=incident, timeline=timeline, escalate=Escalate.RESCHEDULE)
    incident.monitoring_announced_at = now
    incident.actions_taken.append(f"All alarms OK since {now:%H:%M} UTC; monitoring for stabilisation")
    timeline.append(_entry(now, "monitoring", "All alarms OK: monitoring for stabilisation"))
    notify = [] if held(incident) else [Notify.UPDATE]
    return Decision(incident=incident, timeline=timeline, notify=notify, escalate=Escalate.RESCHEDULE)


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
    window: MaintenanceWindow | None,
) -> Decision:
    text = f"{signal.source.value} event {signal.name}: {signal.reason}".strip()
    if current is not None:
        incident = current.model_copy(deep=True, update={"updated_at": now})
        timeline = [_entry(now, "context", text)]
        severity = classification.severity
        if classification.action is Action.OPEN and severity is not None and severity.outranks(incident.severity):
            # An event that means breakage raises the open incident like a more severe alarm does (D16).
            was_held = held(incident, runbook)
            timeline.append(_upgrade(incident, signal.name, classification, service, now))
            if was_held and not held(incident, runbook):
                timeline.append(_entry(now, "maintenance", _hold_text(incident, runbook)))
            notify = [] if held(incident, runbook) else [Notify.UPDATE]  # a held incident stays quiet (D14)
            return Decision(
                incident=incident, timeline=timeline, notify=notify, escalate=Escalate.RESCHEDULE, record_change=True
            )
        return Decision(incident=incident, timeline=timeline, record_change=True)
    if classification.action is Action.OPEN:
        decision = _open(signal, classification, service, now, runbook, window)
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
    _tell_public(incident, now)
    entry = TimelineEntry(at=now, kind="resolved", text=f"Resolved by {by} via {channel}", actor=by, channel=channel)
    return Decision(
        incident=incident,
        timeline=[entry],
        notify=[Notify.RESOLUTION],
        escalate=Escalate.STOP,
        release_open_pointer=current.origin is IncidentOrigin.ALARM,
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


class StatusUpdate(BaseModel, defer_build=True):
    """What a person posts: every field optional; the template fills the rest."""

    status: IncidentStatus | None = None
    root_cause: str | None = Field(default=None, max_length=2000)
    eta: str | None = Field(default=None, max_length=200)
    actions: list[str] = Field(default=[], max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    public: bool | None = None  # put it on the status page, or take it off (D12)
    public_message: str | None = Field(default=None, max_length=500)  # what visitors read; never the note


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
    if update.public is not None:
        incident.public = update.public
        incident.public_set_by = by
    _tell_public(incident, now, update.public_message)
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


def declare(declaration: Declaration, service: ServiceConfig, now: datetime, runbook: Runbook = RUNBOOK) -> Decision:
    """A person declared an incident (D13): it opens on its own, whatever else the service has open."""
    scenario = runbook.scenario(declaration.kind)
    cadence = runbook.severity(declaration.severity).update_every_seconds
    basis = f"declared by {declaration.by} via {declaration.via}"
    incident = Incident(
        id=incident_id(service.name, declaration.declared_at, declaration.delivery_key),
        service=service.name,
        scenario=scenario.name,
        severity=declaration.severity,
        title=f"{scenario.title}: {declaration.title}",
        impact=declaration.impact or service_policy(service, runbook).text(scenario.impact),
        affected_systems=_affected(service, scenario),
        opened_at=declaration.declared_at,
        updated_at=now,
        severity_reason=basis,
        next_update_at=now + timedelta(seconds=cadence),
        origin=IncidentOrigin.DECLARED,
        declared_by=declaration.by,
    )
    incident.public = _public(incident, scenario, service, runbook, declaration.public)
    if declaration.public is not None:
        incident.public_set_by = declaration.by
    _tell_public(incident, now)
    entry = TimelineEntry(
        at=now,
        kind="declared",
        text=f"Declared {declaration.severity.value} {scenario.title} by {declaration.by} via {declaration.via}",
        actor=declaration.by,
        channel=declaration.via,
    )
    return Decision(
        incident=incident,
        created=True,
        timeline=[entry],
        notify=[Notify.INITIAL],
        escalate=Escalate.START,
        standalone=True,
    )


def still_alarming(incident: Incident, states: dict[str, AlarmState]) -> list[str]:
    """The incident's alarms in ALARM now: CloudWatch's word where it has one, else the incident's record."""
    return [name for name, alarm in incident.alarms.items() if states.get(name, alarm.state) is AlarmState.ALARM]


def recovered(incident: Incident, states: dict[str, AlarmState]) -> bool:
    """Every alarm OK: a held incident then ends quietly. One opened by an event (no alarms) never recovers so."""
    return bool(incident.alarms) and not still_alarming(incident, states)


def end_maintenance(
    current: Incident, states: dict[str, AlarmState], service: ServiceConfig, now: datetime, runbook: Runbook = RUNBOOK
) -> Decision:
    """The window ended and the incident has not recovered: from now on it is a normal one (D14).

    The ladder counts from now, so the running escalation pages L1 at once; an incident whose alarms
    all recovered is resolved instead (escalation/step.py), never paged.
    """
    if not current.is_open or current.maintenance is None or recovered(current, states):
        return Decision()
    alarming = still_alarming(current, states)
    incident = current.model_copy(deep=True)
    for name, alarm in incident.alarms.items():
        state = AlarmState.ALARM if name in alarming else AlarmState.OK
        incident.alarms[name] = alarm.model_copy(update={"state": state})
    cause = ", ".join(alarming) + " still in ALARM" if alarming else "its cause was not cleared"
    text = f"Maintenance window {current.maintenance.window_id} ended and {cause}: escalation starts now"
    incident.maintenance = None
    incident.ladder_started_at = now
    incident.updated_at = now
    incident.status = IncidentStatus.INVESTIGATING
    incident.monitoring_since = None
    incident.public = _public(incident, runbook.scenario(incident.scenario), service, runbook)
    _tell_public(incident, now)
    incident.actions_taken.append(text)
    promise_next_update(incident, now, runbook)
    return Decision(incident=incident, timeline=[_entry(now, "maintenance", text)], notify=[Notify.UPDATE])


def move_hold(current: Incident, window_id: str, until: datetime, now: datetime) -> Decision:
    """A person extended or ended the window holding the incident: it wakes at the window's new end."""
    hold = current.maintenance
    if not current.is_open or hold is None or hold.window_id != window_id or hold.until == until:
        return Decision()
    incident = current.model_copy(deep=True)
    incident.maintenance = hold.model_copy(update={"until": until})
    incident.updated_at = now
    incident.escalation_generation += 1
    text = f"Maintenance window {window_id} now ends {until:%Y-%m-%d %H:%M} UTC"
    return Decision(incident=incident, timeline=[_entry(now, "maintenance", text)], escalate=Escalate.RESCHEDULE)
