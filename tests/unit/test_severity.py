"""Severity follows the evidence: upgrades only, scenario moves only with an at-least-as-severe rule."""

from __future__ import annotations

from typing import Any

import pytest

from functions.diagnostics import Finding, Status
from functions.policy import RUNBOOK, Severity
from functions.severity import RULES, reclassify


def finding(check: str, status: Status = Status.CRITICAL, **evidence: Any) -> Finding:
    return Finding(check=check, status=status, summary=f"{check} says {status.value}", evidence=evidence)


NO_TARGETS = finding("alb_target_health", healthy=0)
HEALTH_503 = finding("health_endpoint", status_code=503)
NO_TASKS = finding("ecs_service", running=0, desired=2)
DB_DOWN = finding("rds_instance", db_status="storage-full")


def test_no_healthy_targets_makes_a_p1_a_p0_service_down():
    # Given a P1 high-error-rate incident and no healthy target behind the ALB
    result = reclassify(Severity.P1, "high-error-rate", [NO_TARGETS])
    # Then it becomes P0 service-down, naming the rule and the evidence
    assert result is not None
    assert (result.severity, result.scenario, result.rule) == (Severity.P0, "service-down", "no-healthy-targets")
    assert result.reason == (
        "no healthy targets behind the load balancer (alb_target_health: alb_target_health says critical)"
    )


@pytest.mark.parametrize("evidence", [HEALTH_503, NO_TASKS])
def test_other_service_down_evidence_also_makes_p0(evidence):
    result = reclassify(Severity.P2, "unclassified", [evidence])
    assert result is not None
    assert (result.severity, result.scenario) == (Severity.P0, "service-down")


def test_database_not_available_is_at_least_p1_database():
    # Given an unclassified P2 alarm and the database storage-full
    result = reclassify(Severity.P2, "unclassified", [DB_DOWN])
    assert result is not None
    assert (result.severity, result.scenario, result.rule) == (Severity.P1, "database", "database-unavailable")


def test_database_down_with_the_service_down_is_p0_database():
    # Given the service down and the database not available: the database is the cause
    result = reclassify(Severity.P0, "service-down", [NO_TARGETS, DB_DOWN, HEALTH_503])
    assert result is not None
    assert (result.severity, result.scenario, result.rule) == (Severity.P0, "database", "database-down-service-down")
    assert "rds_instance" in result.reason and "alb_target_health" in result.reason


def test_never_downgrades_and_a_lesser_rule_does_not_relabel():
    # Given a P0 error-budget incident and only a P1-level database finding
    result = reclassify(Severity.P0, "error-budget", [DB_DOWN])
    # Then nothing changes: P0 stays P0, the scenario stays
    assert result is None


def test_nothing_changes_when_the_evidence_agrees():
    assert reclassify(Severity.P0, "service-down", [NO_TARGETS]) is None


def test_healthy_and_unknown_findings_change_nothing():
    findings = [
        finding("alb_target_health", Status.OK, healthy=2),
        finding("rds_instance", Status.UNKNOWN),
        finding("health_endpoint", Status.UNKNOWN),
        finding("ecs_service", Status.WARNING, running=1),
    ]
    assert reclassify(Severity.P2, "unclassified", findings) is None


def test_critical_targets_with_some_healthy_is_not_service_down():
    # Given only 1 of 3 targets healthy (critical by a stricter parameter, but not zero)
    assert reclassify(Severity.P1, "high-error-rate", [finding("alb_target_health", healthy=1)]) is None


def test_sustained_error_rate_upgrades_severity_but_keeps_the_scenario():
    result = reclassify(Severity.P1, "high-error-rate", [finding("alb_error_rate")])
    assert result is not None
    assert (result.severity, result.scenario) == (Severity.P0, "high-error-rate")


@pytest.mark.parametrize("check", ["rds_performance", "ecs_utilization", "alb_latency"])
def test_saturation_findings_lift_p2_to_p1_keeping_the_scenario(check):
    result = reclassify(Severity.P2, "performance-degradation", [finding(check)])
    assert result is not None
    assert (result.severity, result.scenario) == (Severity.P1, "performance-degradation")


def test_rules_only_name_known_scenarios():
    known = {scenario.name for scenario in RUNBOOK.scenarios}
    assert {rule.scenario for rule in RULES if rule.scenario} <= known


@pytest.mark.parametrize("severity", list(Severity))
@pytest.mark.parametrize("findings", [[NO_TARGETS], [DB_DOWN], [NO_TASKS, DB_DOWN], [finding("alb_latency")], []])
def test_result_is_never_less_severe_than_the_input(severity, findings):
    result = reclassify(severity, "unclassified", findings)
    assert result is None or not severity.outranks(result.severity)
