"""The runbook's own tables: severities, the L1-L4 ladder, scenarios, alarm rules and the event policy.

Read through `RUNBOOK`; a service's own thresholds are these with its overrides applied
(`functions.policy.effective`). Decisions are referenced by number (D1, D2, ...), see functions/policy.md.
"""

from __future__ import annotations

from functions.policy.model import (
    DAY,
    HOUR,
    MINUTE,
    AlarmRule,
    EventAction,
    EventField,
    EventRule,
    EventSource,
    Level,
    LevelPolicy,
    Runbook,
    Scenario,
    Severity,
    SeverityPolicy,
)

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
        diagnosis_follows=True,
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
        diagnosis_follows=False,
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
        diagnosis_follows=False,
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
        diagnosis_follows=False,
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
        impact="Error rate above {error-rate-high}%: some requests failing",
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
        title="Failed Deployment",
        impact="A deployment of the service failed: its new tasks did not start or stay healthy and ECS "
        "stopped it (rolling back to the previous revision when the circuit breaker is on)",
        affected=("ecs",),
        checks=("recent_deployments", "ecs_service", "alb_target_health", "error_log_signatures"),
        public_title="Service disruption after a change",
        public_impact="degraded",
    ),
    Scenario(
        name="tasks-failing",
        title="Tasks Failing to Start",
        impact="ECS cannot start or place the service's tasks: fewer tasks serve than the service wants",
        affected=("ecs",),
        checks=("ecs_service", "recent_deployments", "alb_target_health", "error_log_signatures"),
        public_title="Degraded performance",
        public_impact="degraded",
    ),
    Scenario(
        name="aws-issue",
        title="AWS Service Issue",
        impact="AWS reports an operational issue with a service the application runs on (ALB, ECS or RDS)",
        affected=("alb", "ecs", "rds"),
        checks=("alb_target_health", "ecs_service", "rds_instance"),
        public_title="Issue with an infrastructure provider",
        public_impact="degraded",
    ),
    Scenario(
        name="abuse-report",
        title="Abuse Reported by AWS",
        impact="AWS reports abuse (DoS, spam, scanning, malware, ...) coming from the account's resources: "
        "they may be compromised (a suspected security breach)",
        affected=("ecs",),
        checks=("recent_deployments", "ecs_service"),
        public_title="Security investigation",
        public_by_default=False,  # like a declared security breach (D12): public only when a person says so
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
        watches=("load_balancer", "target_group"),
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
        summary="Service availability < {threshold}%",
        watches=("load_balancer",),
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
        summary="Error rate > {threshold}% sustained for {window_minutes} minutes",
        watches=("load_balancer",),
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
        watches=("log_group", "db_instance"),
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
        watches=("namespace",),
        comparison="GreaterThanOrEqualToThreshold",
        threshold=1,
        missing_data="notBreaching",
        metric_hints=(("*", "CircuitBreakerOpen"),),
    ),
    AlarmRule(
        rule="error-budget-burn-fast",
        severity=Severity.P0,
        scenario="error-budget",
        summary="Error budget burning {threshold}x: >50% of a 30-day budget gone in under 2 days "
        "(1 h and 5 min windows)",
        watches=("load_balancer",),
        comparison="GreaterThanThreshold",
        threshold=14.4,
        period_seconds=300,
        missing_data="notBreaching",
    ),
    AlarmRule(
        rule="error-budget-burn-slow",
        severity=Severity.P0,
        scenario="error-budget",
        summary="Error budget burning {threshold}x: >50% of a 30-day budget gone in 2.5 days (6 h and 30 min windows)",
        watches=("load_balancer",),
        comparison="GreaterThanThreshold",
        threshold=6,
        period_seconds=1800,
        missing_data="notBreaching",
    ),
    AlarmRule(
        rule="latency-p99",
        severity=Severity.P1,
        scenario="performance-degradation",
        summary="p99 response time > {threshold} seconds",
        watches=("load_balancer",),
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
        summary="Response time more than 50% above its normal (anomaly band of {threshold}σ)",
        watches=("load_balancer",),
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
        summary="Response time above its normal, under 50% (anomaly band of {threshold}σ)",
        watches=("load_balancer",),
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
        summary="ECS CPU utilization > {threshold}%",
        watches=("cluster", "ecs_service"),
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
        summary="ECS memory utilization > {threshold}%",
        watches=("cluster", "ecs_service"),
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
        summary="Database slow queries (> {threshold} in {period_minutes} minutes)",
        watches=("log_group", "db_instance"),
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
        summary="Database connection pressure (> {threshold} connections)",
        watches=("db_instance",),
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
        summary="Error rate > {threshold}% ({period_minutes}-minute window)",
        watches=("load_balancer",),
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

# --- The event policy (D7, D16-D18): every ECS, RDS and AWS Health event type, and what it does -----

_ECS_DEPLOYMENTS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html"
_ECS_SERVICE_ACTIONS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_events.html"
_ECS_TASKS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html"
_ECS_INSTANCES = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_container_instance_events.html"
_RDS_EVENTS = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html"
_RDS_DETAIL_TYPES = "https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-rds.html"
_HEALTH_EVENTS = "https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html"

# AWS Health reports these services by these codes: the ALB, ECS and RDS the runbook's service runs on.
HEALTH_SERVICES = ("ELASTICLOADBALANCING", "ECS", "RDS")

_Row = tuple[dict[EventField, tuple[str, ...]], EventAction, str, Severity | None, str]
_IGNORE, _TIMELINE, _OPEN = EventAction.IGNORE, EventAction.TIMELINE, EventAction.OPEN
_P0, _P1, _P2 = Severity.P0, Severity.P1, Severity.P2


def _rows(source: EventSource, detail_type: str, doc: str, *rows: _Row) -> tuple[EventRule, ...]:
    return tuple(
        EventRule(
            source=source, detail_type=detail_type, doc=doc, when=when, action=action, scenario=scenario,
            severity=severity, reason=reason,
        )
        for when, action, scenario, severity, reason in rows
    )  # fmt: skip


def _named(*names: str) -> dict[EventField, tuple[str, ...]]:
    return {"eventName": names}


def _ids(*numbers: int) -> dict[EventField, tuple[str, ...]]:
    return {"EventID": tuple(f"RDS-EVENT-{number:04d}" for number in numbers)}


def _category(*categories: str) -> dict[EventField, tuple[str, ...]]:
    return {"EventCategories": categories}


def _health(category: str, status: tuple[str, ...] = ()) -> dict[EventField, tuple[str, ...]]:
    """An AWS Health category on one of the services the runbook's systems run on."""
    when: dict[EventField, tuple[str, ...]] = {"service": HEALTH_SERVICES, "eventTypeCategory": (category,)}
    if status:
        when["statusCode"] = status
    return when


ECS_DEPLOYMENT_ROWS = _rows(
    "ecs", "ECS Deployment State Change", _ECS_DEPLOYMENTS,
    (_named("SERVICE_DEPLOYMENT_FAILED"), _OPEN, "deployment", _P1,
     "the deployment failed (circuit breaker): breakage, not information (D16)"),
    (_named("SERVICE_DEPLOYMENT_IN_PROGRESS"), _TIMELINE, "deployment", None,
     "a deployment or a rollback started: the first suspect if something breaks next"),
    (_named("SERVICE_DEPLOYMENT_COMPLETED"), _TIMELINE, "deployment", None,
     "a deployment or a rollback reached steady state"),
    ({"eventType": ("ERROR",)}, _OPEN, "deployment", _P2,
     "a deployment ERROR this table does not name yet: never dropped, opened at the default (D8)"),
    ({}, _TIMELINE, "deployment", None, "any other deployment state change is a recent change"),
)  # fmt: skip

ECS_SERVICE_ACTION_ROWS = _rows(
    "ecs", "ECS Service Action", _ECS_SERVICE_ACTIONS,
    (_named("SERVICE_TASK_START_IMPAIRED"), _OPEN, "tasks-failing", _P1,
     "the service cannot start tasks consistently: capacity is falling (a deployment without circuit breaker "
     "fails this way)"),
    (_named("SERVICE_TASK_CONFIGURATION_FAILURE"), _OPEN, "tasks-failing", _P1,
     "tasks cannot be placed because of a configuration error (task role, tags): none will start until fixed"),
    (_named("SERVICE_TASK_PLACEMENT_FAILURE"), _OPEN, "tasks-failing", _P2,
     "no capacity to place a task (CPU, memory, Fargate Spot): the scheduler retries; alarms raise it if "
     "the service suffers"),
    (_named("SERVICE_DISCOVERY_INSTANCE_UNHEALTHY", "VPC_LATTICE_TARGET_UNHEALTHY"), _TIMELINE, "tasks-failing",
     None, "a task unhealthy in Cloud Map / VPC Lattice: the service's ALB health alarms decide"),
    (_named("ECS_OPERATION_THROTTLED", "SERVICE_DISCOVERY_OPERATION_THROTTLED"), _TIMELINE, "tasks-failing", None,
     "the scheduler was throttled: explains a slow deployment or scale-out"),
    (_named("SERVICE_DAEMON_PLACEMENT_CONSTRAINT_VIOLATED"), _TIMELINE, "tasks-failing", None,
     "DAEMON services only: a task no longer meets its placement constraints"),
    (_named("TASKS_STOPPED"), _TIMELINE, "tasks-failing", None, "the service stopped running tasks"),
    (_named("SERVICE_STEADY_STATE", "TASKSET_STEADY_STATE", "CAPACITY_PROVIDER_STEADY_STATE"), _IGNORE,
     "deployment", None, "steady state, reported again periodically: nothing changed"),
    (_named("SERVICE_DESIRED_COUNT_UPDATED"), _IGNORE, "deployment", None,
     "the scheduler's own desired-count bookkeeping (auto scaling); the ECS checks read the counts"),
    (_named("SERVICE_DEPLOYMENT_IN_PROGRESS", "SERVICE_DEPLOYMENT_COMPLETED"), _IGNORE, "deployment", None,
     "the same deployment also arrives as ECS Deployment State Change, with its deployment id: recorded there"),
    ({"eventType": ("ERROR",)}, _OPEN, "unclassified", _P2,
     "a service ERROR this table does not name yet: never dropped, opened at the default (D8)"),
    ({"eventType": ("WARN",)}, _TIMELINE, "tasks-failing", None, "a service WARN this table does not name yet"),
    ({}, _IGNORE, "deployment", None, "any other INFO service action"),
)  # fmt: skip

ECS_TASK_ROWS = _rows(
    "ecs", "ECS Task State Change", _ECS_TASKS,
    ({}, _IGNORE, "tasks-failing", None,
     "per-task churn, several events per task: the ECS service check reads the stopped tasks' reasons when an "
     "incident opens, and SERVICE_TASK_START_IMPAIRED / SERVICE_DEPLOYMENT_FAILED report the pattern once"),
)  # fmt: skip

ECS_CONTAINER_INSTANCE_ROWS = _rows(
    "ecs", "ECS Container Instance State Change", _ECS_INSTANCES,
    ({}, _IGNORE, "tasks-failing", None,
     "EC2 capacity bookkeeping; agent disconnects are part of normal operation (AWS), and a lack of capacity "
     "arrives as SERVICE_TASK_PLACEMENT_FAILURE"),
)  # fmt: skip

RDS_INSTANCE_ROWS = _rows(
    "rds", "RDS DB Instance Event", _RDS_EVENTS,
    # event ids whose category alone would decide wrongly
    (_ids(221, 222), _OPEN, "database", _P1,
     "storage full: the database was shut down (0221) or will be (0222)"),
    (_ids(22), _OPEN, "database", _P1, "MySQL failed to restart"),
    (_ids(86), _TIMELINE, "config-change", None, "the option group could not be associated"),
    (_ids(34, 50, 51, 65), _TIMELINE, "database", None,
     "a failover not attempted, or a Multi-AZ activation/recovery: the database is back"),
    (_ids(219, 220), _IGNORE, "database", None, "storage autoscaling will retry; RDS says no action is needed"),
    (_ids(223, 224, 237, 254), _TIMELINE, "database", None,
     "storage autoscaling could not grow the storage; the low-storage events open if it runs out"),
    (_ids(58, 79, 80, 81, 165, 188, 195), _TIMELINE, "config-change", None,
     "a feature or upgrade failed (Statspack, Enhanced Monitoring, native backup, RDS Custom perimeter, major "
     "upgrade rolled back, time zone file): the database keeps serving"),
    (_ids(89), _OPEN, "database", _P2, "more than 90% of the allocated storage used"),
    (_ids(87), _OPEN, "database", _P1, "the database was stopped: the service cannot reach it"),
    (_ids(88, 154, 44, 189, 225, 231), _TIMELINE, "database", None,
     "started again, an operator notice, low gp2 burst credits, storage near its autoscaling maximum, or a "
     "storage change that RDS retries: context for an incident"),
    (_ids(20), _OPEN, "database", _P1, "the instance crashed and is recovering"),
    (_ids(23, 166), _IGNORE, "database", None, "a refused manual backup request, or RDS Custom back in perimeter"),
    # every category (USER_Events.Messages, DB instance events)
    (_category("deletion"), _OPEN, "database", _P0, "the service's database was deleted: Data Loss"),
    (_category("failure"), _OPEN, "database", _P1,
     "the instance failed (incompatible configuration, storage, parameters or network)"),
    (_category("low storage"), _OPEN, "database", _P1, "the allocated storage is (nearly) consumed"),
    (_category("failover"), _OPEN, "database", _P2,
     "a Multi-AZ failover: connections dropped for a minute or two; the database alarms raise it if the service "
     "suffered"),
    (_category("availability"), _TIMELINE, "config-change", None,
     "a restart or shutdown: the alarms decide whether the service suffered"),
    (_category("configuration change"), _TIMELINE, "config-change", None,
     "a configuration change (class, storage, parameter group, Multi-AZ, backups, password)"),
    (_category("restoration"), _TIMELINE, "config-change", None, "the instance was restored from a backup"),
    (_category("maintenance"), _TIMELINE, "maintenance", None, "maintenance applied or required"),
    (_category("security patching"), _TIMELINE, "maintenance", None, "an operating system update is available"),
    (_category("read replica"), _TIMELINE, "database", None, "read replication stopped, failed or resumed"),
    (_category("recovery"), _TIMELINE, "database", None, "a recovery finished, or a standby is being rebuilt"),
    (_category("backup"), _IGNORE, "database", None, "routine backups"),
    (_category("creation"), _IGNORE, "database", None, "an instance was created"),
    (_category("notification"), _IGNORE, "database", None,
     "advice (storage engine, table counts, TDE rotation, patching delayed, upgrade blocked)"),
    (_category("security"), _IGNORE, "database", None, "CloudHSM password decryption for TDE (Oracle)"),
    ({}, _TIMELINE, "config-change", None, "a category this table does not name yet: recorded, never dropped"),
)  # fmt: skip

RDS_CLUSTER_ROWS = _rows(
    "rds", "RDS DB Cluster Event", _RDS_EVENTS,
    (_ids(69, 187), _OPEN, "database", _P1, "a (global) failover of the cluster failed"),
    (_ids(186), _TIMELINE, "database", None, "a global failover was cancelled"),
    (_category("failover"), _OPEN, "database", _P2,
     "a cluster failover: connections dropped; the database alarms raise it if the service suffered"),
    (_category("global failover"), _TIMELINE, "database", None, "a global database failover step"),
    (_category("notification"), _TIMELINE, "config-change", None, "the cluster was renamed"),
    (_category("creation"), _IGNORE, "database", None, "a cluster was created"),
    ({}, _TIMELINE, "config-change", None, "a category this table does not name yet: recorded, never dropped"),
)  # fmt: skip

_NOT_A_SERVICE_DB = "names no DB instance of a service"

RDS_OTHER_ROWS = (
    *_rows(
        "rds", "RDS DB Parameter Group Event", _RDS_EVENTS,
        (_category("configuration change"), _IGNORE, "config-change", None,
         "the instance reports the same change as its own configuration change (RDS-EVENT-0011/0092)"),
        ({}, _IGNORE, "config-change", None, _NOT_A_SERVICE_DB),
    ),
    *_rows(
        "rds", "RDS DB Security Group Event", _RDS_EVENTS,
        (_category("configuration change", "failure"), _IGNORE, "config-change", None,
         "DB security groups are EC2-Classic, retired on 2022-08-15"),
        ({}, _IGNORE, "config-change", None, _NOT_A_SERVICE_DB),
    ),
    *_rows(
        "rds", "RDS DB Snapshot Event", _RDS_EVENTS,
        (_category("creation", "deletion", "notification"), _IGNORE, "database", None,
         "snapshot and export bookkeeping"),
        (_category("restoration"), _IGNORE, "database", None,
         "the restored instance reports its own restoration event"),
        ({}, _IGNORE, "database", None, _NOT_A_SERVICE_DB),
    ),
    *_rows(
        "rds", "RDS DB Cluster Snapshot Event", _RDS_EVENTS,
        (_category("backup"), _IGNORE, "database", None, "cluster snapshot bookkeeping"),
        ({}, _IGNORE, "database", None, _NOT_A_SERVICE_DB),
    ),
    *_rows(
        "rds", "RDS DB Proxy Event", _RDS_EVENTS,
        (_category("configuration change", "creation", "deletion", "failure"), _IGNORE, "database", None,
         "no service config names an RDS Proxy; a proxy that cannot serve shows as the service's database "
         "connection failures (a P0 alarm)"),
        ({}, _IGNORE, "database", None, _NOT_A_SERVICE_DB),
    ),
    *_rows(
        "rds", "RDS Blue Green Deployment Event", _RDS_EVENTS,
        (_category("creation", "deletion", "failure", "notification"), _IGNORE, "config-change", None,
         "names a blue/green deployment, which no service config names; a switchover's effect on the database "
         "arrives as the instance's own events and alarms"),
        ({}, _IGNORE, "config-change", None, _NOT_A_SERVICE_DB),
    ),
    *_rows(
        "rds", "RDS Custom Engine Version Event", _RDS_EVENTS,
        (_category("failure"), _IGNORE, "config-change", None,
         "a custom engine version is a build artefact (RDS Custom), not a running database"),
        ({}, _IGNORE, "config-change", None, _NOT_A_SERVICE_DB),
    ),
    *_rows(
        "rds", "RDS DB Shard Group Event", _RDS_DETAIL_TYPES,
        ({}, _IGNORE, "database", None, "Aurora Limitless shard groups: no service config names one"),
    ),
    *_rows(
        "rds", "RDS Zero ETL Event", _RDS_DETAIL_TYPES,
        ({}, _IGNORE, "database", None, "zero-ETL integrations replicate to analytics: not the service's path"),
    ),
)  # fmt: skip

HEALTH_ROWS = (
    *_rows(
        "health", "AWS Health Event", _HEALTH_EVENTS,
        ({"service": ("ABUSE",)}, _OPEN, "abuse-report", _P0,
         "AWS reports abuse from the account's resources: suspected security breach (D18)"),
        (_health("issue", status=("closed",)), _TIMELINE, "aws-issue", None, "AWS closed the issue"),
        (_health("issue"), _OPEN, "aws-issue", _P2,
         "an AWS issue on the ALB, ECS or RDS: the service's own alarms raise it if it suffers"),
        (_health("scheduledChange"), _TIMELINE, "maintenance", None,
         "a scheduled change (maintenance, retirement), with its window (D18)"),
        (_health("accountNotification"), _TIMELINE, "maintenance", None,
         "an account notice (deprecation, certificate rotation) on a service the runbook uses"),
        (_health("investigation"), _TIMELINE, "aws-issue", None,
         "AWS is investigating: the issue event opens if it becomes one"),
        ({"service": HEALTH_SERVICES}, _TIMELINE, "aws-issue", None,
         "a category this table does not name yet, on a service the runbook uses"),
        ({}, _IGNORE, "aws-issue", None, "an AWS service the runbook's systems do not run on"),
    ),
    *_rows(
        "health", "AWS Health Abuse Event", _HEALTH_EVENTS,
        ({}, _OPEN, "abuse-report", _P0,
         "AWS reports abuse from the account's resources: suspected security breach (D18)"),
    ),
)  # fmt: skip

EVENT_POLICY: tuple[EventRule, ...] = (
    *ECS_DEPLOYMENT_ROWS,
    *ECS_SERVICE_ACTION_ROWS,
    *ECS_TASK_ROWS,
    *ECS_CONTAINER_INSTANCE_ROWS,
    *RDS_INSTANCE_ROWS,
    *RDS_CLUSTER_ROWS,
    *RDS_OTHER_ROWS,
    *HEALTH_ROWS,
)

RUNBOOK = Runbook(
    severities=SEVERITIES,
    ladder=LADDER,
    scenarios=SCENARIOS,
    alarm_rules=ALARM_RULES,
    event_rules=EVENT_POLICY,
    unknown_alarm_severity=Severity.P2,
    stabilisation_seconds=15 * MINUTE,
    exhausted_reminder_limit=6,
)
