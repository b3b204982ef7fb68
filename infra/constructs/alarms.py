"""CloudWatch alarms for one service, generated from its effective policy (functions.policy.effective).

Thresholds, comparisons, periods, evaluation periods, datapoints and missing-data treatment are
read from the service's rules (the runbook's, with the service's overrides), never re-typed here;
this file only knows which metric each rule watches. A rule turned off for the service, or
watching a resource the service does not have, gets no alarm (and its log filter none either).
Every alarm is named `<service>-<rule>`, carries the intake's marker line in its description, is
tagged with rule/severity/scenario, and sends both ALARM and OK to the intake topic.

Missing data, per rule (from the policy): `no-healthy-targets` treats missing data as breaching
(no datapoints means no targets reporting: the outage itself, D10); the request-derived rules,
log-filter counts, circuit breaker and latency alarms treat it as not breaching (no traffic or
no error lines is not an incident); ECS CPU/memory and RDS connections keep it `missing` (the
alarm holds its state and goes INSUFFICIENT_DATA, which the intake only notes, D10).

Error-budget burn rules use two windows (multi-window, multi-burn-rate alerting): the alarm named
after the rule is a composite, ALARM when both a long-window and a short-window metric alarm
are above the burn-rate threshold. The short window is the policy's period (5 min / 30 min); the
long window is 12 times it (1 h / 6 h). The long window says the budget really is burning, the
short one that it still is, so the alert resets within minutes of a recovery.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aws_cdk import Duration, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from functions.policy import RUNBOOK, AlarmRule, Runbook
from functions.policy.effective import service_policy
from infra import names
from infra.config import ServiceDeployment
from infra.metrics import CIRCUIT_BREAKER_OPEN, DB_CONNECTION_ERRORS, SLOW_QUERY_COUNT, ServiceMetrics

LONG_WINDOW_FACTOR = 12
ANOMALY_RULES = {"latency-anomaly", "latency-rise"}
BURN_RATE_RULES = {"error-budget-burn-fast", "error-budget-burn-slow"}


def enum_member_name(camel: str) -> str:
    """`GreaterThanOrEqualToThreshold` → `GREATER_THAN_OR_EQUAL_TO_THRESHOLD`, `notBreaching` → `NOT_BREACHING`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).upper()


def alarm_description(rule: AlarmRule, service: str, summary: str | None = None) -> str:
    marker = names.marker(rule.rule, rule.severity.value, rule.scenario, service)
    return f"{summary or rule.description}\n{marker}"


class ServiceAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service: ServiceDeployment,
        intake_topic: sns.ITopic,
        stage: str,
        runbook: Runbook = RUNBOOK,
    ) -> None:
        super().__init__(scope, construct_id)
        self.service = service
        # `<service>-<stage>-<rule>`: two stages in one account and region never share a name, and
        # the intake's fallback (a name starting with `<service>-`) still finds the service
        self._prefix = f"{service.name}-{stage}-"
        self.metrics = ServiceMetrics(service, stage=stage)
        self._action = actions.SnsAction(intake_topic)
        rules = service_policy(service.runtime(), runbook).alarm_rules
        self._filter_logs(service, {rule.rule for rule in rules})
        self._metric_for: dict[str, Callable[[Duration], cloudwatch.IMetric]] = {
            "no-healthy-targets": self.metrics.healthy_hosts,
            "availability": self.metrics.availability,
            "error-rate-critical": self.metrics.error_rate,
            "error-rate-high": self.metrics.error_rate,
            "db-connection-failures": lambda p: self.metrics.logged(DB_CONNECTION_ERRORS, p),
            "circuit-breaker-open": lambda p: self.metrics.custom(CIRCUIT_BREAKER_OPEN, p, "Maximum"),
            "error-budget-burn-fast": self.metrics.burn_rate,
            "error-budget-burn-slow": self.metrics.burn_rate,
            "latency-p99": self.metrics.latency_p99,
            "latency-anomaly": self.metrics.latency_p99,
            "latency-rise": self.metrics.latency_p99,
            "ecs-cpu": lambda p: self.metrics.ecs("CPUUtilization", p),
            "ecs-memory": lambda p: self.metrics.ecs("MemoryUtilization", p),
            "db-slow-queries": lambda p: self.metrics.logged(SLOW_QUERY_COUNT, p),
            "db-connections": self.metrics.db_connections,
        }
        unknown = sorted({rule.rule for rule in runbook.alarm_rules} - set(self._metric_for))
        if unknown:
            raise KeyError(f"policy rules {unknown} have no metric in infra/constructs/alarms.py")
        self.alarms: dict[str, cloudwatch.AlarmBase] = {rule.rule: self._alarm(rule) for rule in rules}

    def _filter_logs(self, service: ServiceDeployment, rules: set[str]) -> None:
        """The log metric filters the service's log-based rules count (only those it has)."""
        filters = {
            "db-connection-failures": (DB_CONNECTION_ERRORS, service.db_connection_error_pattern),
            "db-slow-queries": (SLOW_QUERY_COUNT, service.slow_query_pattern),
        }
        wanted = [filters[rule] for rule in sorted(rules & filters.keys())]
        if not wanted or not service.log_group:
            return
        log_group = logs.LogGroup.from_log_group_name(self, "ServiceLogs", service.log_group)
        for metric_name, pattern in wanted:
            logs.MetricFilter(
                self,
                f"{metric_name}Filter",
                log_group=log_group,
                filter_pattern=logs.FilterPattern.literal(pattern),
                metric_namespace=self.metrics.log_namespace,
                metric_name=metric_name,
                metric_value="1",
            )

    def _alarm(self, rule: AlarmRule) -> cloudwatch.AlarmBase:
        if rule.rule in BURN_RATE_RULES:
            alarm: cloudwatch.AlarmBase = self._burn_rate_alarm(rule)
        elif rule.rule in ANOMALY_RULES:
            alarm = self._anomaly_alarm(rule)
        else:
            alarm = self._metric_alarm(rule, f"{self._prefix}{rule.rule}", Duration.seconds(rule.period_seconds))
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self._tag(alarm, rule)
        return alarm

    def _metric_alarm(
        self, rule: AlarmRule, name: str, period: Duration, *, description: str | None = None
    ) -> cloudwatch.Alarm:
        return cloudwatch.Alarm(
            self,
            self._construct_id(name),
            alarm_name=name,
            alarm_description=description or alarm_description(rule, self.service.name),
            metric=self._metric_for[rule.rule](period),
            threshold=rule.threshold,
            comparison_operator=cloudwatch.ComparisonOperator[enum_member_name(rule.comparison)],
            evaluation_periods=rule.evaluation_periods,
            datapoints_to_alarm=rule.datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData[enum_member_name(rule.missing_data)],
        )

    def _anomaly_alarm(self, rule: AlarmRule) -> cloudwatch.AnomalyDetectionAlarm:
        """The band is `rule.threshold` standard deviations wide; only the upper side alarms."""
        name = f"{self._prefix}{rule.rule}"
        return cloudwatch.AnomalyDetectionAlarm(
            self,
            self._construct_id(name),
            alarm_name=name,
            alarm_description=alarm_description(rule, self.service.name),
            metric=self._metric_for[rule.rule](Duration.seconds(rule.period_seconds)),
            std_devs=rule.threshold,
            comparison_operator=cloudwatch.ComparisonOperator[enum_member_name(rule.comparison)],
            evaluation_periods=rule.evaluation_periods,
            datapoints_to_alarm=rule.datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData[enum_member_name(rule.missing_data)],
        )

    def _burn_rate_alarm(self, rule: AlarmRule) -> cloudwatch.CompositeAlarm:
        name = f"{self._prefix}{rule.rule}"
        short = Duration.seconds(rule.period_seconds)
        long = Duration.seconds(rule.period_seconds * LONG_WINDOW_FACTOR)
        windows = []
        for label, period in (("long-window", long), ("short-window", short)):
            child = self._metric_alarm(
                rule,
                f"{name}-{label}",
                period,
                description=f"{rule.description} ({label} {period.to_minutes()} min; "
                f"part of composite alarm {name}, no actions of its own)",
            )
            self._tag(child, rule)
            windows.append(cloudwatch.AlarmRule.from_alarm(child, cloudwatch.AlarmState.ALARM))
        return cloudwatch.CompositeAlarm(
            self,
            self._construct_id(name),
            composite_alarm_name=name,
            alarm_description=alarm_description(rule, self.service.name),
            alarm_rule=cloudwatch.AlarmRule.all_of(*windows),
        )

    def _construct_id(self, alarm_name: str) -> str:
        return alarm_name.removeprefix(self._prefix)

    def _tag(self, alarm: Construct, rule: AlarmRule) -> None:
        tags = Tags.of(alarm)
        tags.add("runbook-responder:rule", rule.rule)
        tags.add("runbook-responder:severity", rule.severity.value)
        tags.add("runbook-responder:scenario", rule.scenario)
        tags.add("runbook-responder:service", self.service.name)
