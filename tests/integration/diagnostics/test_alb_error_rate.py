from __future__ import annotations

from functions.diagnostics import Status
from functions.services import RuleOverride
from tests.integration.diagnostics.conftest import run


def test_normal_error_rate_is_ok(seeded, clients):
    ctx = seeded(None)
    finding = run("alb_error_rate", ctx, clients)
    assert finding.status is Status.OK
    assert finding.evidence["windows"]["5m"]["error_pct"] == 0.17
    # the burn rate is against the service's own SLO (99.9% in the sample config), not a copy of the runbook's 99%
    assert "error budget burning 1.7x (SLO 99.9%)" in finding.summary


def test_sustained_error_rate_above_five_percent_is_critical(seeded, clients):
    # Given 7.5% 5xx for the last 15 minutes
    ctx = seeded("high-error-rate")
    finding = run("alb_error_rate", ctx, clients)
    # Then it is critical (D1: > 5% for 15 minutes)
    assert finding.status is Status.CRITICAL
    assert finding.summary.startswith("7.5% 5xx over 5 min, 7.5% 5xx over 15 min")


def test_fast_error_budget_burn_is_critical(seeded, clients):
    # Given 15-16% errors for an hour against a 99% SLO
    ctx = seeded("error-budget")
    finding = run("alb_error_rate", ctx, clients)
    assert finding.status is Status.CRITICAL
    assert finding.evidence["burn_rate_1h"] >= 14.4


def test_all_errors_from_the_alb_point_at_missing_targets(seeded, clients):
    ctx = seeded("service-down")
    finding = run("alb_error_rate", ctx, clients)
    assert finding.status is Status.CRITICAL
    assert finding.summary.endswith("all 5xx come from the ALB itself (no healthy target?)")


def test_a_services_own_threshold_decides_the_verdict(seeded, clients):
    # Given the high-error-rate world (about 8% 5xx now), for a service whose error-rate-high is 10% and
    # error-rate-critical 12%, and one that keeps the runbook's 5%
    ctx = seeded("high-error-rate")
    lenient = ctx.model_copy(update={"service": ctx.service.model_copy(update={"rules": {
        "error-rate-high": RuleOverride(threshold=10), "error-rate-critical": RuleOverride(threshold=12),
        "error-budget-burn-fast": RuleOverride(threshold=1000), "error-budget-burn-slow": RuleOverride(threshold=1000),
    }})})  # fmt: skip
    # When the check runs for each
    runbook, own = run("alb_error_rate", ctx, clients), run("alb_error_rate", lenient, clients)
    # Then the same numbers are a problem for one and fine for the other
    assert runbook.status is not Status.OK
    assert own.status is Status.OK, own.summary
