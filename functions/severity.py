"""Severity follows the evidence: the diagnostic findings may upgrade an incident, never downgrade it.

The alarm that opened an incident sets its first scenario and severity; the checks then show
what is really broken. `reclassify` applies `RULES`, an explicit tuple of data, to the findings:

* every rule names the findings it needs (`when_all`: all of them; `when_any`: at least one);
* a rule lifts the severity to *at least* its own (a P0 incident stays P0 whatever a P1 rule says);
* a rule may move the incident to another scenario, but only when the rule is at least as severe
  as the incident: a lesser finding does not relabel a bigger incident;
* among the rules that hold, the most severe wins; between equals, the first in `RULES`. The
  rules that name a root cause (the database) therefore come before the ones that name a symptom
  (service down);
* UNKNOWN findings never match: a check that could not run is not evidence.

Pure: no AWS, no clock. Downgrades are out of scope (they need a cool-down, decided elsewhere).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from functions.diagnostics.base import Finding, Status
from functions.policy import Severity


class Reclassification(BaseModel, defer_build=True):
    severity: Severity
    scenario: str
    rule: str
    reason: str


class Match(BaseModel, defer_build=True):
    """A finding of `check` with `status` whose evidence holds every `evidence` key/value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: str
    status: Status = Status.CRITICAL
    evidence: Mapping[str, Any] = {}

    def find(self, findings: Mapping[str, Finding]) -> Finding | None:
        finding = findings.get(self.check)
        if finding is None or finding.status is not self.status:
            return None
        if any(finding.evidence.get(key) != value for key, value in self.evidence.items()):
            return None
        return finding


class Rule(BaseModel, defer_build=True):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    reason: str
    severity: Severity
    scenario: str | None = None
    when_all: tuple[Match, ...] = ()
    when_any: tuple[Match, ...] = ()

    def evidence(self, findings: Mapping[str, Finding]) -> list[Finding] | None:
        """The findings that make this rule hold, or None when it does not."""
        required = [match.find(findings) for match in self.when_all]
        if any(found is None for found in required):
            return None
        optional = [found for match in self.when_any if (found := match.find(findings)) is not None]
        if self.when_any and not optional:
            return None
        return [found for found in required if found is not None] + optional


NO_HEALTHY_TARGETS = Match(check="alb_target_health", evidence={"healthy": 0})
HEALTH_ENDPOINT_FAILING = Match(check="health_endpoint")
NO_RUNNING_TASKS = Match(check="ecs_service", evidence={"running": 0})
DATABASE_UNAVAILABLE = Match(check="rds_instance")
SERVICE_DOWN = (NO_HEALTHY_TARGETS, HEALTH_ENDPOINT_FAILING, NO_RUNNING_TASKS)

RULES: tuple[Rule, ...] = (
    Rule(
        name="database-down-service-down",
        reason="the database is not available and the service is down with it",
        severity=Severity.P0,
        scenario="database",
        when_all=(DATABASE_UNAVAILABLE,),
        when_any=SERVICE_DOWN,
    ),
    Rule(
        name="no-healthy-targets",
        reason="no healthy targets behind the load balancer",
        severity=Severity.P0,
        scenario="service-down",
        when_all=(NO_HEALTHY_TARGETS,),
    ),
    Rule(
        name="health-endpoint-failing",
        reason="the health endpoint fails from outside",
        severity=Severity.P0,
        scenario="service-down",
        when_all=(HEALTH_ENDPOINT_FAILING,),
    ),
    Rule(
        name="no-running-tasks",
        reason="the ECS service runs no task",
        severity=Severity.P0,
        scenario="service-down",
        when_all=(NO_RUNNING_TASKS,),
    ),
    Rule(
        name="error-rate-sustained",
        reason="5xx error rate above 5% for 15 minutes or error budget burning fast (D1)",
        severity=Severity.P0,
        when_all=(Match(check="alb_error_rate"),),
    ),
    Rule(
        name="database-unavailable",
        reason="the database is not available",
        severity=Severity.P1,
        scenario="database",
        when_all=(DATABASE_UNAVAILABLE,),
    ),
    Rule(
        name="database-saturated",
        reason="the database is saturated (connections, CPU, latency or storage critical)",
        severity=Severity.P1,
        when_all=(Match(check="rds_performance"),),
    ),
    Rule(
        name="tasks-saturated",
        reason="ECS tasks at their CPU or memory limit",
        severity=Severity.P1,
        when_all=(Match(check="ecs_utilization"),),
    ),
    Rule(
        name="latency-critical",
        reason="p99 response time far above the runbook's 2 seconds",
        severity=Severity.P1,
        when_all=(Match(check="alb_latency"),),
    ),
)


def reclassify(
    severity: Severity,
    scenario: str,
    findings: Sequence[Finding],
    rules: Sequence[Rule] = RULES,
) -> Reclassification | None:
    """The severity and scenario the findings call for, or None when they change nothing."""
    by_check = {finding.check: finding for finding in findings}
    best: tuple[Rule, list[Finding]] | None = None
    for rule in rules:
        evidence = rule.evidence(by_check)
        if evidence is not None and (best is None or rule.severity.outranks(best[0].severity)):
            best = (rule, evidence)
    if best is None:
        return None
    rule, evidence = best
    new_severity = rule.severity if rule.severity.outranks(severity) else severity
    relabel = rule.scenario is not None and not severity.outranks(rule.severity)
    new_scenario = rule.scenario if relabel and rule.scenario else scenario
    if new_severity is severity and new_scenario == scenario:
        return None
    because = "; ".join(f"{finding.check}: {finding.summary}" for finding in evidence)
    return Reclassification(
        severity=new_severity,
        scenario=new_scenario,
        rule=rule.name,
        reason=f"{rule.reason} ({because})",
    )
