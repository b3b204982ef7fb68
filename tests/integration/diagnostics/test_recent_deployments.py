from __future__ import annotations

from functions.diagnostics import Status
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
