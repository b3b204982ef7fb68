from __future__ import annotations

from functions.diagnostics import Status
from tests.integration.diagnostics.conftest import run


def test_normal_error_rate_is_ok(seeded, clients):
    ctx = seeded(None)
    finding = run("alb_error_rate", ctx, clients)
    assert finding.status is Status.OK
    assert finding.evidence["windows"]["5m"]["error_pct"] == 0.17
    assert "error budget burning 0.2x (SLO 99%)" in finding.summary


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
