"""The runbook policy's types: severities, levels, scenarios, alarm rules, event rules.

The tables themselves are in `functions.policy.runbook`; a service's effective policy (the
runbook with that service's overrides) in `functions.policy.effective`. Where the written runbook
is ambiguous, the decision taken is recorded in `functions/policy.md` by its number (D1, D2, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Literal

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


class Severity(StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def rank(self) -> int:
        """0 is the most severe."""
        return int(self.value[1])

    def outranks(self, other: Severity) -> bool:
        return self.rank < other.rank


class Level(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"

    @property
    def position(self) -> int:
        return int(self.value[1]) - 1


# Plain frozen dataclasses: the policy is code, checked by mypy and the tests, not input to
# validate; building pydantic schemas for it cost ~40 ms of every intake cold start.


@dataclass(frozen=True, kw_only=True)
class SeverityPolicy:
    """What a severity means and promises: its conditions, deadlines, cadence and channels."""

    severity: Severity
    title: str
    conditions: tuple[str, ...]
    response_seconds: int  # acknowledgement deadline for each paged level
    escalate_after_seconds: int | None  # P2/P3: one level up each time this passes unresolved (D3)
    update_every_seconds: int  # promised cadence of status updates (D5)
    human_confirms_resolution: bool  # D4: OK alarms move to Monitoring, a person resolves
    postmortem_due_seconds: int | None  # D6: None = no post-mortem required
    incident_channel: bool  # D11: a Slack channel of its own (the runbook's "Create Incident Channel")
    diagnosis_follows: bool  # D19: the Initial Notification goes at once; the diagnosis is an update after it
    public: bool  # D12: shown on the public status page (a person can override per incident)


@dataclass(frozen=True, kw_only=True)
class LevelPolicy:
    """One rung of the escalation ladder: who holds it and how long before the next is paged."""

    level: Level
    role: str
    primary: str
    responsibilities: str
    escalation_seconds: dict[Severity, int]  # how long this level holds a P0/P1 before the next is paged


Comparison = Literal[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "GreaterThanUpperThreshold",
]
MissingData = Literal["breaching", "notBreaching", "ignore", "missing"]
# What a service may have, by the config's field names: a rule, a check or an affected-systems
# line applies to a service only when it has every resource it names.
Resource = Literal[
    "load_balancer", "target_group", "cluster", "ecs_service", "db_instance", "log_group", "namespace", "health_url"
]


@dataclass(frozen=True, kw_only=True)
class AlarmRule:
    """One runbook threshold, encoded as one CloudWatch alarm per service."""

    rule: str
    severity: Severity
    scenario: str
    # What the alarm says, with the rule's own numbers as `{threshold}`, `{period_minutes}` and
    # `{window_minutes}` (period x evaluation periods): a service's override changes the text too.
    summary: str
    watches: tuple[Resource, ...]  # what the service must have for this alarm to exist
    comparison: Comparison
    threshold: float
    period_seconds: int = 60
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    missing_data: MissingData = "missing"
    # (namespace, metric name) pairs that identify this rule on alarms without a marker
    metric_hints: tuple[tuple[str, str], ...] = ()
    enabled: bool = True  # a service's override can turn a rule off

    @property
    def description(self) -> str:
        """The summary with this rule's numbers filled in."""
        return self.summary.format(
            threshold=f"{self.threshold:g}",
            period_minutes=f"{self.period_seconds / 60:g}",
            window_minutes=f"{self.period_seconds * self.evaluation_periods / 60:g}",
        )


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A runbook scenario: what it looks like to a user and which checks run first."""

    name: str
    title: str
    impact: str  # `{rule-name}` stands for that rule's threshold for the service (functions.policy.effective)
    affected: tuple[str, ...]  # resource kinds named in "Affected Systems"
    checks: tuple[str, ...]  # diagnostic checks, by registry name
    public_title: str = "Service disruption"  # what a status-page visitor reads: no alarm text, no hostnames
    public_impact: Literal["outage", "degraded"] = "degraded"  # the service's state on the status page
    public_by_default: bool = True  # D12: False keeps it off the status page until a person sets it public
    declared_severity: Severity | None = None  # D13: people declare it (`responder declare`); no alarm can


class EventAction(StrEnum):
    """What an ECS, RDS or AWS Health event does (D7)."""

    IGNORE = "ignore"  # nothing recorded
    TIMELINE = "timeline"  # on the service's open incident's timeline and kept as a recent change; pages nobody
    OPEN = "open"  # opens an incident, or joins the open one and raises it to the row's severity (D16)


EventSource = Literal["ecs", "rds", "health"]
# The event fields a row can match, by the names AWS gives them in the event's `detail`: the
# EventBridge rules that route the events are derived from the rows with these very names.
EventField = Literal[
    "eventName",  # ECS deployment state change / service action
    "eventType",  # ECS: INFO, WARN, ERROR
    "lastStatus",  # ECS task state change
    "stopCode",  # ECS task state change
    "status",  # ECS container instance state change
    "EventID",  # RDS: RDS-EVENT-nnnn
    "EventCategories",  # RDS: failover, failure, low storage, ...
    "service",  # AWS Health: the AWS service (ECS, RDS, ABUSE, ...)
    "eventTypeCode",  # AWS Health: AWS_RDS_MAINTENANCE_SCHEDULED, ...
    "eventTypeCategory",  # AWS Health: issue, accountNotification, scheduledChange, investigation
    "statusCode",  # AWS Health: open, upcoming, closed
]


@dataclass(frozen=True, kw_only=True)
class EventRule:
    """One row of the event policy: the events it matches and what they do.

    Rows of one detail type are read in order and the first that matches decides, so a row for an
    event id comes before the row for its category. Every detail type ends with a row matching
    everything else (`when={}`), so no event of a known type is left without a decision.
    """

    source: EventSource
    detail_type: str  # the EventBridge detail-type (RDS event subscriptions over SNS are mapped onto it)
    when: dict[EventField, tuple[str, ...]]  # every field must hold one of the values; {} = any other event
    action: EventAction
    scenario: str
    reason: str
    doc: str  # the AWS documentation page the events and their meaning come from
    severity: Severity | None = None  # the severity it opens at: OPEN rows only

    def matches(self, fields: Mapping[str, tuple[str, ...]]) -> bool:
        """EventBridge's rule: each field of the row has one of its values in the event."""
        return all(set(values) & set(fields.get(field, ())) for field, values in self.when.items())

    @property
    def label(self) -> str:
        condition = " ".join(f"{field}={'|'.join(values)}" for field, values in self.when.items())
        return f"{self.detail_type} {condition or '(any other)'}"


@dataclass(frozen=True, kw_only=True)
class Runbook:
    """The whole policy: severities, ladder, scenarios, alarm and event rules, and the decisions' numbers."""

    severities: tuple[SeverityPolicy, ...]
    ladder: tuple[LevelPolicy, ...]
    scenarios: tuple[Scenario, ...]
    alarm_rules: tuple[AlarmRule, ...]
    event_rules: tuple[EventRule, ...]  # D7: every ECS, RDS and AWS Health event type and what it does
    unknown_alarm_severity: Severity  # D8: an alarm the policy does not know, or no configured service owns
    stabilisation_seconds: int  # D4: all alarms OK this long before auto-resolve
    exhausted_reminder_limit: int  # D9: reminders to L4 after the ladder is exhausted
    unknown_alarm_scenario: str = "unclassified"
    incident_channel_prefix: str = "#incident-"
    status_page_days: int = 90  # D12: history a visitor sees
    maintenance_pages_from: Severity = Severity.P0  # D14: in a maintenance window only this and worse page
    latency_increase_pct: float = 50.0  # the runbook's P1/P2 line: ">50% increase in response time"

    @property
    def declarable(self) -> tuple[Scenario, ...]:
        """Scenarios that come from people, not alarms (D13)."""
        return tuple(scenario for scenario in self.scenarios if scenario.declared_severity is not None)

    def severity(self, severity: Severity) -> SeverityPolicy:
        return self._severities[severity]

    def scenario(self, name: str) -> Scenario:
        return self._scenarios.get(name) or self._scenarios[self.unknown_alarm_scenario]

    def rule(self, rule: str) -> AlarmRule | None:
        return self._rules.get(rule)

    def level(self, level: Level) -> LevelPolicy:
        return self.ladder[level.position]

    def event_rule(self, detail_type: str, fields: Mapping[str, tuple[str, ...]]) -> EventRule | None:
        """The row that decides an event of `detail_type` with `fields`; None for a type with no rows."""
        return next((rule for rule in self._event_rules.get(detail_type, ()) if rule.matches(fields)), None)

    @cached_property
    def _severities(self) -> dict[Severity, SeverityPolicy]:
        return {policy.severity: policy for policy in self.severities}

    @cached_property
    def _scenarios(self) -> dict[str, Scenario]:
        return {scenario.name: scenario for scenario in self.scenarios}

    @cached_property
    def _rules(self) -> dict[str, AlarmRule]:
        return {rule.rule: rule for rule in self.alarm_rules}

    @cached_property
    def _event_rules(self) -> dict[str, tuple[EventRule, ...]]:
        by_type: dict[str, list[EventRule]] = {}
        for rule in self.event_rules:
            by_type.setdefault(rule.detail_type, []).append(rule)
        return {detail_type: tuple(rules) for detail_type, rules in by_type.items()}
