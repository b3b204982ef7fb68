"""The incident: the domain record every stage reads and the store persists."""

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from functions.intake.signal import AlarmMetric, AlarmState
from functions.policy import Level, Severity


class IncidentStatus(StrEnum):
    INVESTIGATING = "Investigating"
    IDENTIFIED = "Identified"
    MONITORING = "Monitoring"
    RESOLVED = "Resolved"


class MemberAlarm(BaseModel, defer_build=True):
    name: str
    state: AlarmState
    rule: str | None = None
    severity: Severity
    scenario: str
    since: datetime
    reason: str = ""
    metric: AlarmMetric | None = None  # what its graph shows; composite alarms have none


class TimelineEntry(BaseModel, defer_build=True):
    at: datetime
    kind: str
    text: str
    actor: str | None = None
    channel: str | None = None


class IncidentOrigin(StrEnum):
    ALARM = "alarm"  # opened by an alarm or an AWS event through the intake
    DECLARED = "declared"  # declared by a person (CLI, signed API, Slack slash command)


class PublicUpdate(BaseModel, defer_build=True):
    """One entry of the incident's public history on the status page: only text meant for visitors."""

    at: datetime
    status: IncidentStatus
    text: str


class IncidentChannel(BaseModel, defer_build=True):
    """The incident's own Slack channel (runbook step 2, "Create Incident Channel")."""

    id: str
    name: str  # without the leading '#'
    created_at: datetime
    invited: list[str] = []  # Slack user ids already invited
    topic: str = ""  # as last set: a message that leaves severity and status alone does not set it again
    archived_at: datetime | None = None


class MaintenanceHold(BaseModel, defer_build=True):
    """The incident opened inside a maintenance window (D14): pages wait for its end below the floor."""

    window_id: str
    reason: str
    until: datetime


class Acknowledgement(BaseModel, defer_build=True):
    by: str
    channel: str
    at: datetime


class Incident(BaseModel, defer_build=True):
    id: str
    service: str
    scenario: str
    severity: Severity
    status: IncidentStatus = IncidentStatus.INVESTIGATING
    title: str
    impact: str
    affected_systems: list[str] = []
    opened_at: datetime
    updated_at: datetime
    version: int = 0
    alarms: dict[str, MemberAlarm] = {}
    severity_reason: str = ""
    monitoring_since: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    root_cause: str | None = None
    resolution: str | None = None
    actions_taken: list[str] = []
    findings: list[dict[str, Any]] = []
    first_response_done: bool = False
    escalation_execution: str | None = None
    escalation_generation: int = 0
    acknowledgements: dict[Level, Acknowledgement] = {}
    paged_at: dict[Level, datetime] = {}
    steps_done: list[str] = []
    linked_incident: str | None = None
    flap_count: int = 0
    monitoring_announced_at: datetime | None = None
    next_update_at: datetime
    postmortem_key: str | None = None
    postmortem_at: datetime | None = None
    origin: IncidentOrigin = IncidentOrigin.ALARM
    declared_by: str | None = None
    public: bool = False  # on the status page (D12): from the policy at open, a person may change it
    public_set_by: str | None = None  # who chose it; the policy no longer decides once a person has
    public_updates: list[PublicUpdate] = []
    channel: IncidentChannel | None = None
    maintenance: MaintenanceHold | None = None
    ladder_started_at: datetime | None = None  # when paging began, if not at opening (a maintenance window ended)
    graph_key: str | None = None  # the alarm's metric graph (PNG) in the post-mortem bucket
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status is not IncidentStatus.RESOLVED

    @property
    def ladder_start(self) -> datetime:
        """The ladder's times count from here: opening, or the end of the maintenance window it waited out."""
        return self.ladder_started_at or self.opened_at

    @property
    def all_alarms_ok(self) -> bool:
        return bool(self.alarms) and all(alarm.state is AlarmState.OK for alarm in self.alarms.values())

    @property
    def channel_name(self) -> str:
        """`#incident-<timestamp>` as the runbook names it, with the service so two never collide."""
        if self.channel is not None:
            return "#" + self.channel.name
        return "#" + incident_channel_name(self.service, self.opened_at)


def incident_channel_name(service: str, opened_at: datetime) -> str:
    """A valid Slack channel name: lowercase, no spaces or dots, at most 80 characters."""
    name = f"incident-{opened_at:%Y%m%d-%H%M}-{service}".lower()
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:80]


def incident_id(service: str, opened_at: datetime, delivery_key: str) -> str:
    """Deterministic: a retried delivery opens the same id. Valid as a Step Functions execution name."""
    digest = hashlib.sha256(delivery_key.encode()).hexdigest()[:6]
    return f"{service[:40]}-{opened_at.strftime('%Y%m%dT%H%M%SZ')}-{digest}"
