"""The escalation clock: the ladder's schedule (pure, from the policy) and the Step Functions calls.

Semantics (policy D3, D4, D5, D9; the README repeats them):
- P0/P1: L1 is paged at once; each next level when the level below has held the incident
  for *its* escalation time unresolved (P0: L2 +30 min, L3 +1 h 30, L4 +3 h 30).
- P2/P3: one level up each time "escalate if not resolved" passes (8 h, 72 h).
- Each paged level that has not acknowledged within the severity's response time is paged
  again once. Acknowledging stops that level's reminders, not the escalation.
- When L4's own time runs out, every level is told the ladder is exhausted; L4 is reminded
  at that interval, at most `exhausted_reminder_limit` times.
- Monitoring (all alarms OK) holds pages; after the stabilisation window P2/P3 resolve
  themselves and P0/P1 ask the owner to confirm.
- An overdue "Next Update" nudges the current owner once per promise.
- An incident held by a maintenance window (D14) waits for the window's end and nothing else;
  then what is still in ALARM pages as a normal incident, its ladder counted from that moment.
All times are absolute, measured from `ladder_start` (opening, or the end of a maintenance hold),
so a severity change recomputes the remaining schedule cleanly: levels already paged are not
paged again.
"""

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from functions.incident import Incident, IncidentStatus
from functions.lifecycle import held
from functions.policy import RUNBOOK, Level, Runbook, Severity


class StepKind(StrEnum):
    PAGE = "page"
    ACK_REMINDER = "ack-reminder"
    EXHAUSTED = "exhausted"
    EXHAUSTED_REMINDER = "exhausted-reminder"
    UPDATE_NUDGE = "update-nudge"
    STABILISED = "stabilised"
    MAINTENANCE_END = "maintenance-end"


class Step(BaseModel, defer_build=True):
    at: datetime
    kind: StepKind
    level: Level | None = None
    key: str


def level_times(severity: Severity, opened_at: datetime, runbook: Runbook = RUNBOOK) -> dict[Level, datetime]:
    """When each level is due to be paged if the incident stays unresolved."""
    times: dict[Level, datetime] = {}
    at = opened_at
    for level_policy in runbook.ladder:
        times[level_policy.level] = at
        at += timedelta(seconds=_hold_seconds(level_policy.level, severity, runbook))
    return times


def _hold_seconds(level: Level, severity: Severity, runbook: Runbook) -> int:
    """How long `level` holds the incident before the next level is paged."""
    own = runbook.level(level).escalation_seconds.get(severity)
    if own is not None:
        return own
    fallback = runbook.severity(severity).escalate_after_seconds
    assert fallback is not None, f"{severity.value} has neither ladder times nor escalate-after"
    return fallback


def exhausted_at(severity: Severity, opened_at: datetime, runbook: Runbook = RUNBOOK) -> datetime:
    l4_at = level_times(severity, opened_at, runbook)[Level.L4]
    return l4_at + timedelta(seconds=_hold_seconds(Level.L4, severity, runbook))


def schedule(incident: Incident, runbook: Runbook = RUNBOOK) -> list[Step]:
    """Every step still to come for the incident as it is now, earliest first."""
    if incident.status is IncidentStatus.RESOLVED:
        return []
    if held(incident, runbook):
        steps = _maintenance_end(incident)
    elif incident.status is IncidentStatus.MONITORING:
        steps = _stabilisation(incident, runbook)
    else:
        steps = _ladder(incident, runbook) + _nudge(incident)
    return sorted((s for s in steps if s.key not in incident.steps_done), key=lambda s: (s.at, s.key))


def _ladder(incident: Incident, runbook: Runbook) -> list[Step]:
    severity = incident.severity
    response = timedelta(seconds=runbook.severity(severity).response_seconds)
    steps: list[Step] = []
    for level, at in level_times(severity, incident.ladder_start, runbook).items():
        steps.append(Step(at=at, kind=StepKind.PAGE, level=level, key=f"page-{level.value}"))
        paged_at = incident.paged_at.get(level)
        if paged_at and level not in incident.acknowledgements:
            steps.append(
                Step(at=paged_at + response, kind=StepKind.ACK_REMINDER, level=level, key=f"ack-{level.value}")
            )
    end = exhausted_at(severity, incident.ladder_start, runbook)
    steps.append(Step(at=end, kind=StepKind.EXHAUSTED, key="exhausted"))
    interval = timedelta(seconds=_hold_seconds(Level.L4, severity, runbook))
    for n in range(1, runbook.exhausted_reminder_limit + 1):
        steps.append(
            Step(at=end + n * interval, kind=StepKind.EXHAUSTED_REMINDER, level=Level.L4, key=f"exhausted-{n}")
        )
    return steps


def _nudge(incident: Incident) -> list[Step]:
    owner = current_owner(incident)
    key = f"nudge-{incident.next_update_at.strftime('%Y%m%dT%H%M%S')}"
    return [Step(at=incident.next_update_at, kind=StepKind.UPDATE_NUDGE, level=owner, key=key)]


def _maintenance_end(incident: Incident) -> list[Step]:
    assert incident.maintenance is not None
    until = incident.maintenance.until
    return [Step(at=until, kind=StepKind.MAINTENANCE_END, key=f"maintenance-end-{until:%Y%m%dT%H%M%S}")]


def _stabilisation(incident: Incident, runbook: Runbook) -> list[Step]:
    assert incident.monitoring_since is not None
    at = incident.monitoring_since + timedelta(seconds=runbook.stabilisation_seconds)
    key = f"stabilised-{incident.monitoring_since.strftime('%Y%m%dT%H%M%S')}"
    return [Step(at=at, kind=StepKind.STABILISED, level=current_owner(incident), key=key)]


def current_owner(incident: Incident) -> Level:
    """The highest level paged so far (L1 before anyone is paged)."""
    return max(incident.paged_at, key=lambda level: level.position, default=Level.L1)


def due(incident: Incident, now: datetime, runbook: Runbook = RUNBOOK) -> list[Step]:
    return [step for step in schedule(incident, runbook) if step.at <= now]


def next_wake(incident: Incident, now: datetime, runbook: Runbook = RUNBOOK) -> datetime | None:
    upcoming = [step.at for step in schedule(incident, runbook) if step.at > now]
    return min(upcoming, default=None)


def asl_timestamp(moment: datetime, *, now: bool = False) -> str:
    """Step Functions' Wait accepts `YYYY-MM-DDTHH:MM:SSZ`: a step is rounded up so it never wakes
    early; `now` (a clock that must run at once) is rounded down, so the Wait does not hold the first
    page back by up to a second."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + (timedelta() if now else timedelta(seconds=1))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
