"""ALB target group health: are there targets able to take traffic, and why not."""

from __future__ import annotations

from collections import Counter

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import base
from functions.diagnostics.base import CheckContext, Finding, Status
from functions.policy import Resource

CLIENTS = ("elbv2",)
NEEDS: tuple[Resource, ...] = ("target_group",)
STATES = ("healthy", "unhealthy", "draining", "initial", "unused", "unavailable")


class Params(base.Params):
    min_healthy_targets: int = Field(default=1, ge=1, description="fewer healthy targets than this is critical")
    max_unhealthy_targets: int = Field(default=0, ge=0, description="more non-healthy targets than this warns")
    max_listed_targets: int = Field(default=20, ge=1, description="targets listed in the evidence")


def command(ctx: CheckContext) -> str:
    return (
        "aws elbv2 describe-target-health --target-group-arn $(aws elbv2 describe-target-groups "
        f"--names {ctx.service.target_group} --query 'TargetGroups[0].TargetGroupArn' --output text)"
    )


def alb_target_health(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """How many of the load balancer's targets are healthy, and the reason codes of the others.

    Zero healthy targets means the ALB answers every request with 503: the service is down for
    users whatever ECS says. Reason codes tell the responder where to look next:
    `Target.FailedHealthChecks` / `Target.ResponseCodeMismatch` (the app is up but /health fails),
    `Target.Timeout` (the app does not answer: hung, overloaded, or a security group),
    `Target.DeregistrationInProgress` (a deployment is draining the old tasks).
    """
    groups = clients.elbv2.describe_target_groups(Names=[ctx.service.target_group])["TargetGroups"]
    arn = groups[0]["TargetGroupArn"]
    descriptions = clients.elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    cli = f"aws elbv2 describe-target-health --target-group-arn {arn}"

    targets = [
        {
            "id": d["Target"]["Id"],
            "port": d["Target"].get("Port"),
            "state": d["TargetHealth"]["State"],
            "reason": d["TargetHealth"].get("Reason"),
            "description": d["TargetHealth"].get("Description"),
        }
        for d in descriptions
    ]
    states = Counter(t["state"] for t in targets)
    counts = {state: states.get(state, 0) for state in STATES} | dict(states)
    reasons = Counter(
        f"{t['reason']}: {t['description']}" if t["description"] else t["reason"]
        for t in targets
        if t["state"] != "healthy" and t["reason"]
    )
    healthy = counts["healthy"]
    not_healthy = len(targets) - healthy
    evidence = {
        "target_group": ctx.service.target_group,
        "target_group_arn": arn,
        "total": len(targets),
        "healthy": healthy,
        "counts": {state: n for state, n in counts.items() if n},
        "reasons": dict(reasons.most_common()),
        "targets": targets[: params.max_listed_targets],
    }
    if not targets:
        return Finding(
            check="alb_target_health",
            status=Status.CRITICAL,
            command=cli,
            evidence=evidence,
            summary=f"no targets registered in {ctx.service.target_group}: the ALB has nowhere "
            "to send traffic (ECS tasks not running or not registering)",
        )

    if healthy < params.min_healthy_targets:
        status = Status.CRITICAL
    elif not_healthy > params.max_unhealthy_targets:
        status = Status.WARNING
    else:
        status = Status.OK
    summary = f"{healthy} of {len(targets)} targets healthy in {ctx.service.target_group}"
    others = base.counted({state: n for state, n in counts.items() if state != "healthy"})
    if others:
        summary += f": {others}"
    if reasons:
        top, n = reasons.most_common(1)[0]
        summary += f" ({top}" + (f" ×{n}" if n > 1 else "") + ")"
    return Finding(check="alb_target_health", status=status, summary=summary, evidence=evidence, command=cli)
