from __future__ import annotations

from datetime import timedelta

from functions.diagnostics import Status, run_checks
from functions.diagnostics.base import RecordedChanges
from functions.incident_store import Change
from tests.integration.diagnostics.conftest import run


def test_nothing_deployed_recently_is_ok(seeded, clients):
    # Given the current revision deployed two days ago
    ctx = seeded(None)
    # When the responder looks for recent changes
    finding = run("recent_deployments", ctx, clients)
    # Then nothing changed in the window
    assert finding.status is Status.OK
    assert finding.summary == "no deployments or new task definitions in the last 3 h (current flask-sre-challenge:2)"


def test_failing_fresh_deployment_is_critical_and_names_the_rollback(seeded, clients):
    # Given revision 2 deployed 4 minutes ago and failing
    ctx = seeded("service-down")
    # When the responder looks for recent changes
    finding = run("recent_deployments", ctx, clients)
    # Then it is critical, timed against the incident, with the revision to roll back to
    assert finding.status is Status.CRITICAL
    assert finding.summary == (
        "deployment of flask-sre-challenge:2 started 3 min before the incident, IN_PROGRESS with 3 failed tasks; "
        "previous revision flask-sre-challenge:1 is the rollback candidate"
    )
    assert finding.evidence["rollback_candidate"] == "flask-sre-challenge:1"
    assert [r["task_definition"] for r in finding.evidence["revisions"]] == [
        "flask-sre-challenge:2",
        "flask-sre-challenge:1",
    ]


def test_completed_recent_deployment_is_a_warning(seeded, clients):
    # Given a deployment completed 12 minutes ago, before errors rose
    ctx = seeded("high-error-rate")
    # When the responder looks for recent changes
    finding = run("recent_deployments", ctx, clients)
    # Then it is a suspect, not a proven cause
    assert finding.status is Status.WARNING
    assert finding.summary.startswith(
        "deployment of flask-sre-challenge:2 started 11 min before the incident, COMPLETED"
    )


def failed_event(ctx, minutes_before: int, deployment_id: str = "ecs-svc/4938517620394817261") -> Change:
    """The SERVICE_DEPLOYMENT_FAILED the intake recorded for the service."""
    return Change(
        source="ecs",
        name="SERVICE_DEPLOYMENT_FAILED",
        at=ctx.opened_at - timedelta(minutes=minutes_before),
        text="ECS deployment circuit breaker: task failed to start.",
        deployment_id=deployment_id,
    )


def test_a_failed_deployment_ecs_no_longer_lists_is_ranked_first_from_its_recorded_event(seeded, clients):
    # Given a service whose rolled-back deployment dropped out of DescribeServices, and its recorded failure
    ctx = seeded(None)
    ctx = ctx.model_copy(update={"changes": RecordedChanges.of([failed_event(ctx, 9)])})
    # When the responder looks for recent changes
    finding = run("recent_deployments", ctx, clients)
    # Then the failed deployment leads, critical, with ECS's reason
    assert finding.status is Status.CRITICAL
    assert finding.evidence["deployments"][0]["id"] == "ecs-svc/4938517620394817261"
    assert finding.summary.startswith(
        "deployment ecs-svc/4938517620394817261 FAILED 9 min before the incident, no longer listed by ECS "
        "(ECS deployment circuit breaker: task failed to start)"
    )


def test_a_failed_deployment_outranks_a_newer_one_that_completed(seeded, clients):
    # Given a deployment that completed 12 minutes ago, and an older one whose failure was recorded
    ctx = seeded("high-error-rate")
    ctx = ctx.model_copy(update={"changes": RecordedChanges.of([failed_event(ctx, 40, "ecs-svc/1111111111111111111")])})
    # When the responder looks for recent changes
    finding = run("recent_deployments", ctx, clients)
    # Then the failed one is first, the completed one second
    assert [d["rollout_state"] for d in finding.evidence["deployments"]] == ["FAILED", "COMPLETED"]
    assert finding.status is Status.CRITICAL


def test_ecs_own_failed_state_ranks_first_without_any_recorded_event(seeded, clients):
    # Given a circuit-breaker rollback in progress: ECS lists the failed deployment beside the rollback
    ctx = seeded("deployment")
    # When the responder looks for recent changes
    finding = run("recent_deployments", ctx, clients)
    # Then the failed deployment is first and names the revision to stay on
    first = finding.evidence["deployments"][0]
    assert (first["rollout_state"], first["task_definition"]) == ("FAILED", "flask-sre-challenge:2")
    assert finding.status is Status.CRITICAL
    assert finding.summary.startswith(
        "deployment of flask-sre-challenge:2 started 6 min before the incident, FAILED with 3 failed tasks"
    )
    # And says the rollback is already under way, instead of suggesting one
    assert finding.summary.endswith("; ECS is rolling back to flask-sre-challenge:1")


def test_the_service_is_described_once_for_both_ecs_checks(seeded, clients):
    # Given a service-down world, and both checks that read the ECS service in one run
    ctx = seeded("service-down")
    described: list[str] = []
    clients.ecs.meta.events.register("before-call.ecs.DescribeServices", lambda **_: described.append("call"))
    # When the runner runs them side by side
    findings = run_checks(["ecs_service", "recent_deployments"], ctx, clients, budget_seconds=10)
    # Then both report from the same DescribeServices answer
    assert [f.status for f in findings] == [Status.CRITICAL, Status.CRITICAL]
    assert described == ["call"]
