from __future__ import annotations

import pytest

from functions.diagnostics import Status
from tests.integration.diagnostics.conftest import run
from tests.samples import SAMPLE_SERVICE


def test_healthy_world_reports_every_target_healthy(seeded, clients):
    # Given the service running normally behind its ALB
    ctx = seeded(None)
    # When the responder checks the target group
    finding = run("alb_target_health", ctx, clients)
    # Then both targets are healthy, and the command names the real target group
    assert finding.status is Status.OK
    assert finding.summary == "2 of 2 targets healthy in flask-sre-challenge-tg"
    assert finding.evidence["healthy"] == 2
    assert finding.command.startswith(
        "aws elbv2 describe-target-health --target-group-arn arn:aws:elasticloadbalancing:"
    )
    assert "targetgroup/flask-sre-challenge-tg/" in finding.command


def test_service_down_reports_no_healthy_targets_with_reason_codes(seeded, clients):
    # Given a fresh deployment whose tasks fail their health checks
    ctx = seeded("service-down")
    # When the responder checks the target group
    finding = run("alb_target_health", ctx, clients)
    # Then it is critical, says none is healthy and names the reason codes
    assert finding.status is Status.CRITICAL
    assert finding.summary.startswith("0 of 2 targets healthy in flask-sre-challenge-tg: 1 unhealthy, 1 draining")
    assert "Target.FailedHealthChecks" in finding.summary
    assert finding.evidence["healthy"] == 0
    assert {t["state"] for t in finding.evidence["targets"]} == {"unhealthy", "draining"}


def test_fewer_healthy_targets_than_required_is_critical(seeded, clients):
    # Given a healthy world but a service that needs three healthy targets
    ctx = seeded(None)
    # When checked with that minimum
    finding = run("alb_target_health", ctx, clients, min_healthy_targets=3)
    # Then two healthy targets are not enough
    assert finding.status is Status.CRITICAL


def test_missing_target_group_raises_for_the_runner_to_report(clients, now):
    # Given no resources at all (a misconfigured service name)
    from datetime import timedelta

    from functions.diagnostics import CheckContext
    from functions.policy import Severity

    ctx = CheckContext(
        incident_id="i",
        scenario="service-down",
        severity=Severity.P0,
        service=SAMPLE_SERVICE,
        now=now,
        opened_at=now - timedelta(minutes=1),
    )
    # When the check runs, Then the AWS error surfaces (the runner turns it into UNKNOWN)
    with pytest.raises(Exception, match=r"TargetGroupNotFound"):
        run("alb_target_health", ctx, clients)
