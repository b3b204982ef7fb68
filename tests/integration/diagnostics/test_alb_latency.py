from __future__ import annotations

from functions.diagnostics import Status
from tests.integration.diagnostics.conftest import run


def test_steady_latency_is_ok(seeded, clients):
    # Given p99 at 320 ms, 300 ms before
    ctx = seeded(None)
    # When the responder checks latency
    finding = run("alb_latency", ctx, clients)
    # Then it is OK and compares the windows
    assert finding.status is Status.OK
    assert finding.summary == "p99 response time 320 ms over the last 15 min, 300 ms before (+7%)"
    assert "--extended-statistics p99" in finding.command
    assert "Name=LoadBalancer,Value=app/flask-sre-challenge-alb/" in finding.command


def test_latency_spike_above_two_seconds_is_flagged(seeded, clients):
    # Given p99 at 3.4 s after 350 ms
    ctx = seeded("performance-degradation")
    # When the responder checks latency
    finding = run("alb_latency", ctx, clients)
    # Then it is a warning (runbook: > 2 s), with both windows
    assert finding.status is Status.WARNING
    assert finding.summary == (
        "p99 response time 3.40 s over the last 15 min, 350 ms before (+871%): above the runbook's 2 s"
    )
    assert finding.evidence["now_seconds"] == 3.4
    assert finding.evidence["before_seconds"] == 0.35


def test_rise_over_fifty_percent_is_flagged_below_two_seconds(seeded, clients):
    # Given p99 at 1.6 s after 300 ms
    ctx = seeded("resource-pressure")
    finding = run("alb_latency", ctx, clients)
    # Then the >50% rise alone is a warning
    assert finding.status is Status.WARNING
    assert finding.summary.endswith(": up more than 50%")


def test_very_slow_is_critical(seeded, clients):
    ctx = seeded("performance-degradation")
    finding = run("alb_latency", ctx, clients, critical_seconds=3.0)
    assert finding.status is Status.CRITICAL


def test_no_traffic_to_targets_is_unknown(seeded, clients):
    # Given no healthy target: the ALB answers itself, no target response time
    ctx = seeded("service-down")
    finding = run("alb_latency", ctx, clients)
    assert finding.status is Status.UNKNOWN
    assert finding.summary == "no p99 TargetResponseTime in the last 15 min: no request reached a target"
