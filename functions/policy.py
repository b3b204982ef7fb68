"""The SRE runbook as one typed policy: the single source of truth.

The CDK alarms, the intake classifier, the escalation schedule and the notification
templates all read `RUNBOOK`. Where the written runbook is ambiguous or contradicts
itself, the decision taken is recorded in `functions/policy.md` and referenced here
by its number (D1, D2, ...).
"""

from __future__ import annotations

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
    severity: Severity
    title: str
    conditions: tuple[str, ...]
    response_seconds: int  # acknowledgement deadline for each paged level
    escalate_after_seconds: int | None  # P2/P3: one level up each time this passes unresolved (D3)
    update_every_seconds: int  # promised cadence of status updates (D5)
    human_confirms_resolution: bool  # D4: OK alarms move to Monitoring, a person resolves
    postmortem_due_seconds: int | None  # D6: None = no post-mortem required
    incident_channel: bool  # D11: a Slack channel of its own (the runbook's "Create Incident Channel")
    public: bool  # D12: shown on the public status page (a person can override per incident)


@dataclass(frozen=True, kw_only=True)
class LevelPolicy:
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


@dataclass(frozen=True, kw_only=True)
class AlarmRule:
    """One runbook threshold, encoded as one CloudWatch alarm per service."""

    rule: str
    severity: Severity
    scenario: str
    summary: str
    comparison: Comparison
    threshold: float
    period_seconds: int = 60
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    missing_data: MissingData = "missing"
    # (namespace, metric name) pairs that identify this rule on alarms without a marker
    metric_hints: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A runbook scenario: what it looks like to a user and which checks run first."""

    name: str
    title: str
    impact: str
    affected: tuple[str, ...]  # resource kinds named in "Affected Systems"
    checks: tuple[str, ...]  # diagnostic checks, by registry name
    public_title: str = "Service disruption"  # what a status-page visitor reads: no alarm text, no hostnames
    public_impact: Literal["outage", "degraded"] = "degraded"  # the service's state on the status page
    public_by_default: bool = True  # D12: False keeps it off the status page until a person sets it public
    declared_severity: Severity | None = None  # D13: people declare it (`responder declare`); no alarm can


@dataclass(frozen=True, kw_only=True)
class InfoSignalRule:
    """A P2 info signal (deployment, configuration change, maintenance) and when it opens an incident."""

    source: Literal["ecs", "rds", "health"]
    scenario: str
    opens_incident_when: tuple[str, ...]  # event names that open an incident (D7)
    incident_scenario: str | None = None  # the scenario of the incident it opens


@dataclass(frozen=True, kw_only=True)
class Runbook:
    severities: tuple[SeverityPolicy, ...]
    ladder: tuple[LevelPolicy, ...]
    scenarios: tuple[Scenario, ...]
    alarm_rules: tuple[AlarmRule, ...]
    info_signals: tuple[InfoSignalRule, ...]
    unknown_alarm_severity: Severity  # D8: an alarm the policy does not know
    stabilisation_seconds: int  # D4: all alarms OK this long before auto-resolve
    exhausted_reminder_limit: int  # D9: reminders to L4 after the ladder is exhausted
    unknown_alarm_scenario: str = "unclassified"
    incident_channel_prefix: str = "#incident-"
    status_page_days: int = 90  # D12: history a visitor sees
    maintenance_pages_from: Severity = Severity.P0  # D14: in a maintenance window only this and worse page

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

    @cached_property
    def _severities(self) -> dict[Severity, SeverityPolicy]:
        return {policy.severity: policy for policy in self.severities}

    @cached_property
    def _scenarios(self) -> dict[str, Scenario]:
        return {scenario.name: scenario for scenario in self.scenarios}

    @cached_property
    def _rules(self) -> dict[str, AlarmRule]:
        return {rule.rule: rule for rule in self.alarm_rules}


SEVERITIES = (
    SeverityPolicy(
        severity=Severity.P0,
        title="Critical",
        conditions=(
            "Service Down: application completely unavailable",
            "Data Loss: any data corruption or loss",
            "Security Breach: suspected security incident",
            "SLO Violation: error budget exhausted (>50% consumed)",
        ),
        response_seconds=15 * MINUTE,
        escalate_after_seconds=None,
        update_every_seconds=30 * MINUTE,
        human_confirms_resolution=True,
        postmortem_due_seconds=2 * DAY,
        incident_channel=True,
        public=True,
    ),
    SeverityPolicy(
        severity=Severity.P1,
        title="High",
        conditions=(
            "Performance Degradation: >50% increase in response time",
            "Partial Outage: core functionality affected",
            "Database Issues: connection problems or slow queries",
            "High Error Rate: >5% error rate (short window, D1)",
        ),
        response_seconds=1 * HOUR,
        escalate_after_seconds=None,
        update_every_seconds=1 * HOUR,
        human_confirms_resolution=True,
        postmortem_due_seconds=5 * DAY,
        incident_channel=True,
        public=True,
    ),
    SeverityPolicy(
        severity=Severity.P2,
        title="Medium",
        conditions=(
            "Minor Performance Issues: <50% increase in response time",
            "Non-Critical Features: secondary features affected",
            "Monitoring Alerts: non-critical monitoring issues",
        ),
        response_seconds=4 * HOUR,
        escalate_after_seconds=8 * HOUR,
        update_every_seconds=4 * HOUR,
        human_confirms_resolution=False,
        postmortem_due_seconds=None,
        incident_channel=False,
        public=False,
    ),
    SeverityPolicy(
        severity=Severity.P3,
        title="Low",
        conditions=(
            "Documentation Issues: missing or incorrect documentation",
            "Enhancement Requests: feature requests or improvements",
        ),
        response_seconds=24 * HOUR,
        escalate_after_seconds=72 * HOUR,
        update_every_seconds=24 * HOUR,
        human_confirms_resolution=False,
        postmortem_due_seconds=None,
        incident_channel=False,
        public=False,
    ),
)

LADDER = (
    LevelPolicy(
        level=Level.L1,
        role="On-Call Engineer",
        primary="Current on-call engineer",
        responsibilities="Initial response, basic troubleshooting",
        escalation_seconds={Severity.P0: 30 * MINUTE, Severity.P1: 1 * HOUR},
    ),
    LevelPolicy(
        level=Level.L2,
        role="Senior Engineer",
        primary="Senior SRE or Backend Engineer",
        responsibilities="Complex troubleshooting, infrastructure changes",
        escalation_seconds={Severity.P0: 1 * HOUR, Severity.P1: 2 * HOUR},
    ),
    LevelPolicy(
        level=Level.L3,
        role="Engineering Manager",
        primary="Engineering Manager or Staff Engineer",
        responsibilities="Major decisions, external communication",
        escalation_seconds={Severity.P0: 2 * HOUR, Severity.P1: 4 * HOUR},
    ),
    LevelPolicy(
        level=Level.L4,
        role="Director/VP Engineering",
        primary="Director of Engineering or VP",
        responsibilities="Business impact decisions, customer communication",
        escalation_seconds={Severity.P0: 4 * HOUR, Severity.P1: 8 * HOUR},
    ),
)

SERVICE_DOWN_CHECKS = (
    "alb_target_health",
    "ecs_service",
    "rds_instance",
    "recent_deployments",
    "health_endpoint",
    "alb_error_rate",
)

SCENARIOS = (
    Scenario(
        name="service-down",
        title="Application Completely Down",
        impact="Application unavailable: 5xx errors, health checks failing, no response",
        affected=("alb", "ecs", "rds"),
        checks=SERVICE_DOWN_CHECKS,
        public_title="Service unavailable",
        public_impact="outage",
    ),
    Scenario(
        name="high-error-rate",
        title="High Error Rate",
        impact="Error rate above 5%: some requests failing",
        affected=("alb", "ecs", "logs", "rds"),
        checks=("alb_error_rate", "error_log_signatures", "rds_instance", "recent_deployments", "ecs_utilization"),
        public_title="Elevated error rates",
        public_impact="degraded",
    ),
    Scenario(
        name="performance-degradation",
        title="Performance Degradation",
        impact="High response times; requests are slow but succeeding",
        affected=("alb", "ecs", "rds"),
        # target health too: no healthy targets behind a "slow" alarm is an outage (severity follows the evidence)
        checks=("alb_latency", "alb_target_health", "rds_performance", "ecs_utilization"),
        public_title="Slow responses",
        public_impact="degraded",
    ),
    Scenario(
        name="database",
        title="Database Issues",
        impact="Database connection problems or slow queries",
        affected=("rds", "ecs"),
        checks=("rds_instance", "rds_performance", "error_log_signatures", "recent_deployments"),
        public_title="Degraded performance",
        public_impact="degraded",
    ),
    Scenario(
        name="resource-pressure",
        title="Resource Pressure",
        impact="ECS tasks near their CPU or memory limits; latency and restarts likely",
        affected=("ecs",),
        checks=("ecs_utilization", "ecs_service", "alb_latency"),
        public_title="Degraded performance",
        public_impact="degraded",
    ),
    Scenario(
        name="circuit-breaker",
        title="Circuit Breaker Open",
        impact="A dependency is failing and the circuit breaker is shedding calls to it",
        affected=("ecs", "rds", "logs"),
        checks=("error_log_signatures", "alb_error_rate", "rds_instance", "alb_target_health", "recent_deployments"),
        public_title="Some requests failing",
        public_impact="degraded",
    ),
    Scenario(
        name="error-budget",
        title="SLO Violation",
        impact="Error budget burning fast: more than 50% of the budget is at risk",
        affected=("alb", "ecs"),
        checks=("alb_error_rate", "error_log_signatures", "alb_target_health", "recent_deployments", "ecs_service"),
        public_title="Elevated error rates",
        public_impact="degraded",
    ),
    Scenario(
        name="deployment",
        title="Deployment",
        impact="A deployment of the service changed state",
        affected=("ecs",),
        checks=("ecs_service", "recent_deployments"),
        public_title="Service disruption after a change",
        public_impact="degraded",
    ),
    Scenario(
        name="config-change",
        title="Configuration Change",
        impact="Infrastructure configuration changed",
        affected=("rds", "ecs"),
        checks=("rds_instance",),
        public_title="Service disruption after a change",
        public_impact="degraded",
    ),
    Scenario(
        name="maintenance",
        title="Scheduled Maintenance",
        impact="AWS scheduled a change to a resource of the service",
        affected=("rds", "ecs"),
        checks=(),
        public_title="Scheduled maintenance",
        public_impact="degraded",
    ),
    Scenario(
        name="data-loss",
        title="Data Loss",
        impact="Data corruption or loss reported",
        affected=("rds",),
        checks=("rds_instance", "recent_deployments"),
        public_title="Data integrity issue",
        public_by_default=False,
        declared_severity=Severity.P0,
    ),
    Scenario(
        name="security-breach",
        title="Security Breach",
        impact="Suspected security incident",
        affected=(),
        checks=(),
        public_title="Security investigation",
        public_by_default=False,
        declared_severity=Severity.P0,
    ),
    Scenario(
        name="partial-outage",
        title="Partial Outage",
        impact="Core functionality affected",
        affected=("alb", "ecs", "rds"),
        checks=SERVICE_DOWN_CHECKS,
        public_title="Partial outage",
        declared_severity=Severity.P1,
    ),
    Scenario(
        name="documentation",
        title="Documentation Issue",
        impact="Missing or incorrect documentation",
        affected=(),
        checks=(),
        public_title="Documentation issue",
        public_by_default=False,
        declared_severity=Severity.P3,
    ),
    Scenario(
        name="enhancement",
        title="Enhancement Request",
        impact="Feature request or improvement",
        affected=(),
        checks=(),
        public_title="Enhancement request",
        public_by_default=False,
        declared_severity=Severity.P3,
    ),
    Scenario(
        name="unclassified",
        title="Unclassified Alarm",
        impact="An alarm the runbook does not name is firing; impact not yet assessed",
        affected=(),
        checks=("alb_target_health", "ecs_service", "rds_instance"),
        public_title="Service disruption",
        public_impact="degraded",
    ),
)

_ALB = "AWS/ApplicationELB"

ALARM_RULES = (
    AlarmRule(
        rule="no-healthy-targets",
        severity=Severity.P0,
        scenario="service-down",
        summary="No healthy targets behind the load balancer",
        comparison="LessThanThreshold",
        threshold=1,
        evaluation_periods=2,
        missing_data="breaching",
        metric_hints=((_ALB, "HealthyHostCount"), (_ALB, "UnHealthyHostCount")),
    ),
    AlarmRule(
        rule="availability",
        severity=Severity.P0,
        scenario="service-down",
        summary="Service availability < 99%",
        comparison="LessThanThreshold",
        threshold=99,
        period_seconds=300,
        evaluation_periods=1,
        missing_data="notBreaching",
    ),
    AlarmRule(
        rule="error-rate-critical",
        severity=Severity.P0,
        scenario="high-error-rate",
        summary="Error rate > 5% sustained for 15 minutes",
        comparison="GreaterThanThreshold",
        threshold=5,
        period_seconds=300,
        evaluation_periods=3,
        missing_data="notBreaching",
    ),
    AlarmRule(
        rule="db-connection-failures",
        severity=Severity.P0,
        scenario="database",
        summary="Database connection failures in the application log",
        comparison="GreaterThanThreshold",
        threshold=0,
        missing_data="notBreaching",
        metric_hints=(("*", "DatabaseConnectionErrors"),),
    ),
    AlarmRule(
        rule="circuit-breaker-open",
        severity=Severity.P0,
        scenario="circuit-breaker",
        summary="Circuit breaker open",
        comparison="GreaterThanOrEqualToThreshold",
        threshold=1,
        missing_data="notBreaching",
        metric_hints=(("*", "CircuitBreakerOpen"),),
    ),
    AlarmRule(
        rule="error-budget-burn-fast",
        severity=Severity.P0,
        scenario="error-budget",
        summary="Error budget burning 14.4x: >50% of a 30-day budget gone in under 2 days (1 h and 5 min windows)",
        comparison="GreaterThanThreshold",
        threshold=14.4,
        period_seconds=300,
        missing_data="notBreaching",
    ),
    AlarmRule(
        rule="error-budget-burn-slow",
        severity=Severity.P0,
        scenario="error-budget",
        summary="Error budget burning 6x: >50% of a 30-day budget gone in 2.5 days (6 h and 30 min windows)",
        comparison="GreaterThanThreshold",
        threshold=6,
        period_seconds=1800,
        missing_data="notBreaching",
    ),
    AlarmRule(
        rule="latency-p99",
        severity=Severity.P1,
        scenario="performance-degradation",
        summary="p99 response time > 2 seconds",
        comparison="GreaterThanThreshold",
        threshold=2,
        period_seconds=300,
        missing_data="notBreaching",
        metric_hints=((_ALB, "TargetResponseTime"),),
    ),
    AlarmRule(
        rule="latency-anomaly",
        severity=Severity.P1,
        scenario="performance-degradation",
        summary="Response time more than 50% above its normal (anomaly band, 3 standard deviations)",
        comparison="GreaterThanUpperThreshold",
        threshold=3,
        period_seconds=300,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        missing_data="notBreaching",
    ),
    AlarmRule(
        rule="latency-rise",
        severity=Severity.P2,
        scenario="performance-degradation",
        summary="Response time above its normal, under 50% (anomaly band, 1 standard deviation)",
        comparison="GreaterThanUpperThreshold",
        threshold=1,
        period_seconds=300,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        missing_data="notBreaching",
    ),
    AlarmRule(
        rule="ecs-cpu",
        severity=Severity.P1,
        scenario="resource-pressure",
        summary="ECS CPU utilization > 80%",
        comparison="GreaterThanThreshold",
        threshold=80,
        period_seconds=300,
        evaluation_periods=2,
        missing_data="missing",
        metric_hints=(("AWS/ECS", "CPUUtilization"),),
    ),
    AlarmRule(
        rule="ecs-memory",
        severity=Severity.P1,
        scenario="resource-pressure",
        summary="ECS memory utilization > 85%",
        comparison="GreaterThanThreshold",
        threshold=85,
        period_seconds=300,
        evaluation_periods=2,
        missing_data="missing",
        metric_hints=(("AWS/ECS", "MemoryUtilization"),),
    ),
    AlarmRule(
        rule="db-slow-queries",
        severity=Severity.P1,
        scenario="database",
        summary="Database slow queries (> 5 in 5 minutes)",
        comparison="GreaterThanThreshold",
        threshold=5,
        period_seconds=300,
        missing_data="notBreaching",
        metric_hints=(("*", "SlowQueryCount"), ("AWS/RDS", "ReadLatency"), ("AWS/RDS", "WriteLatency")),
    ),
    AlarmRule(
        rule="db-connections",
        severity=Severity.P1,
        scenario="database",
        summary="Database connection pressure (> 80 connections)",
        comparison="GreaterThanThreshold",
        threshold=80,
        period_seconds=300,
        evaluation_periods=2,
        missing_data="missing",
        metric_hints=(("AWS/RDS", "DatabaseConnections"),),
    ),
    AlarmRule(
        rule="error-rate-high",
        severity=Severity.P1,
        scenario="high-error-rate",
        summary="Error rate > 5% (5-minute window)",
        comparison="GreaterThanThreshold",
        threshold=5,
        period_seconds=300,
        missing_data="notBreaching",
        metric_hints=(
            (_ALB, "HTTPCode_Target_5XX_Count"),
            (_ALB, "HTTPCode_ELB_5XX_Count"),
            ("*", "ErrorCount"),
        ),
    ),
)

INFO_SIGNALS = (
    InfoSignalRule(
        source="ecs",
        scenario="deployment",
        opens_incident_when=("SERVICE_DEPLOYMENT_FAILED", "SERVICE_TASK_START_IMPAIRED"),
    ),
    InfoSignalRule(
        source="rds",
        scenario="config-change",
        opens_incident_when=("failure", "failover", "low storage"),
        incident_scenario="database",
    ),
    InfoSignalRule(source="health", scenario="maintenance", opens_incident_when=("issue",)),
)

RUNBOOK = Runbook(
    severities=SEVERITIES,
    ladder=LADDER,
    scenarios=SCENARIOS,
    alarm_rules=ALARM_RULES,
    info_signals=INFO_SIGNALS,
    unknown_alarm_severity=Severity.P2,
    stabilisation_seconds=15 * MINUTE,
    exhausted_reminder_limit=6,
)
