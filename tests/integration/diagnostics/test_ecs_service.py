from __future__ import annotations

from functions.diagnostics import Status
from tests.integration.diagnostics.conftest import run


def test_healthy_world_runs_every_desired_task(seeded, clients):
    # Given the service at steady state
    ctx = seeded(None)
    # When the responder checks the ECS service
    finding = run("ecs_service", ctx, clients)
    # Then it runs 2 of 2 with nothing stopped, and the command is the runbook's
    assert finding.status is Status.OK
    assert finding.summary == "flask-sre-challenge-service: running 2 of 2 desired"
    assert finding.evidence["stopped_tasks"] == []
    assert finding.command == (
        "aws ecs describe-services --cluster flask-sre-challenge-cluster --services flask-sre-challenge-service"
    )


def test_service_down_shows_zero_running_failed_tasks_and_stop_reasons(seeded, clients):
    # Given a deployment whose tasks keep exiting
    ctx = seeded("service-down")
    # When the responder checks the ECS service
    finding = run("ecs_service", ctx, clients)
    # Then it is critical with the counts, the rollout and why tasks stopped
    assert finding.status is Status.CRITICAL
    assert finding.summary.startswith(
        "flask-sre-challenge-service: running 0 of 2 desired (2 pending), deployment IN_PROGRESS with 3 failed tasks"
    )
    assert "Essential container in task exited (app: exit 1)" in finding.summary
    assert finding.evidence["running"] == 0
    assert finding.evidence["desired"] == 2
    assert len(finding.evidence["stopped_tasks"]) == 3
    assert any("failed container health checks" in e["message"] for e in finding.evidence["events"])


def test_resource_pressure_surfaces_oom_kills(seeded, clients):
    # Given tasks killed for memory while the service still runs 2 of 2
    ctx = seeded("resource-pressure")
    # When the responder checks the ECS service
    finding = run("ecs_service", ctx, clients)
    # Then it warns and names the OOM kill with its exit code
    assert finding.status is Status.WARNING
    assert "exit 137, OutOfMemoryError: Container killed due to memory usage" in finding.summary
    assert finding.evidence["stop_reasons"] == {
        "Essential container in task exited (app: exit 137, OutOfMemoryError: Container killed due to memory usage)": 2
    }
