from __future__ import annotations

from functions.diagnostics import Status
from tests.integration.diagnostics.conftest import run


def test_normal_utilization_is_ok(seeded, clients):
    # Given tasks at 34% CPU and 48% memory
    ctx = seeded(None)
    # When the responder checks utilization
    finding = run("ecs_utilization", ctx, clients)
    # Then it is OK with both numbers
    assert finding.status is Status.OK
    assert finding.summary == "flask-sre-challenge-service: CPU 34% (peak 34%), memory 48% (peak 48%)"
    assert "--namespace AWS/ECS --metric-name CPUUtilization" in finding.command
    assert "Name=ServiceName,Value=flask-sre-challenge-service" in finding.command


def test_resource_pressure_is_flagged_against_the_runbook_thresholds(seeded, clients):
    # Given tasks at 94% CPU and 91% memory
    ctx = seeded("resource-pressure")
    # When the responder checks utilization
    finding = run("ecs_utilization", ctx, clients)
    # Then both are above the runbook's 80% / 85%, below the 95% critical line
    assert finding.status is Status.WARNING
    assert finding.summary == (
        "flask-sre-challenge-service: CPU 94% (peak 94%) above 80%, memory 91% (peak 91%) above 85%"
    )
    assert finding.evidence["cpu"] == {"now_pct": 94.0, "peak_pct": 94.0}


def test_lower_critical_threshold_makes_it_critical(seeded, clients):
    ctx = seeded("resource-pressure")
    finding = run("ecs_utilization", ctx, clients, cpu_critical=90.0)
    assert finding.status is Status.CRITICAL


def test_no_running_tasks_means_no_datapoints(seeded, clients):
    # Given no task running (nothing reports CPU)
    ctx = seeded("service-down")
    # When the responder checks utilization
    finding = run("ecs_utilization", ctx, clients)
    # Then it does not pretend: unknown, and says why
    assert finding.status is Status.UNKNOWN
    assert "no task is reporting" in finding.summary
