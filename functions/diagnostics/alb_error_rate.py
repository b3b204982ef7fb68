"""5xx error rate at the load balancer and the error-budget burn rate it implies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import _metrics, base
from functions.diagnostics.base import CheckContext, Finding, Status
from functions.policy import Resource
from functions.policy.effective import ServicePolicy

CLIENTS = ("elbv2", "cloudwatch")
NEEDS: tuple[Resource, ...] = ("load_balancer",)


class Params(base.Params):
    short_minutes: int = Field(default=5, ge=1, description="the runbook's 5-minute error-rate window (D1)")
    long_minutes: int = Field(default=60, ge=5, le=360, description="the sustained window")
    warning_pct: float = Field(description="the service's error-rate-high threshold (%, short window)")
    critical_pct: float = Field(description="the service's error-rate-critical threshold (%, sustained)")
    critical_minutes: int = Field(ge=1, description="error-rate-critical's window (D1: 15 minutes)")
    slo_target_pct: float = Field(gt=0, lt=100, description="the service's availability SLO, for the burn rate")
    fast_burn: float = Field(description="error-budget-burn-fast: 50% of a 30-day budget in < 2 days")
    slow_burn: float = Field(description="error-budget-burn-slow: 50% of a 30-day budget in 2.5 days")


def policy_params(policy: ServicePolicy) -> Params:
    critical = policy.rules["error-rate-critical"]
    return Params(
        warning_pct=policy.threshold("error-rate-high"),
        critical_pct=critical.threshold,
        critical_minutes=max(1, critical.period_seconds * critical.evaluation_periods // 60),
        slo_target_pct=policy.slo_target_percent,
        fast_burn=policy.threshold("error-budget-burn-fast"),
        slow_burn=policy.threshold("error-budget-burn-slow"),
    )


def command(ctx: CheckContext) -> str:
    end = _metrics.window_end(ctx.now)
    start = end - timedelta(minutes=Params.model_fields["long_minutes"].default)
    target = (
        f"$(aws elbv2 describe-load-balancers --names {ctx.service.load_balancer} "
        "--query 'LoadBalancers[0].LoadBalancerArn' --output text | cut -d/ -f2-)"
    )
    return " && ".join(_metrics.cli(q, start, end) for q in _queries(target))


def _queries(dimension: str) -> list[_metrics.Query]:
    dims = {"LoadBalancer": dimension}
    return [
        _metrics.Query("requests", "AWS/ApplicationELB", "RequestCount", "Sum", 60, dims),
        _metrics.Query("target_5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", 60, dims),
        _metrics.Query("elb_5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", 60, dims),
    ]


def alb_error_rate(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """Share of requests answered with a 5xx (by the targets or by the ALB itself) over the last
    5, 15 and 60 minutes, and the error-budget burn rate against the service's availability SLO.

    Above the service's error-rate-high threshold (runbook: 5%) on 5 minutes is a high error rate
    (warning); above error-rate-critical's over its window (15 minutes), or the fast burn rate over
    the hour (14.4x: half of a 30-day budget gone in 2 days), is critical.
    ELB 5xx without target 5xx means the ALB found no healthy target (see alb_target_health).
    """
    lb = clients.elbv2.describe_load_balancers(Names=[ctx.service.load_balancer])["LoadBalancers"][0]
    dimension = lb["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    end = _metrics.window_end(ctx.now)
    start = end - timedelta(minutes=params.long_minutes)
    series = _metrics.fetch(clients.cloudwatch, _queries(dimension), start, end)

    def window(minutes: int) -> dict[str, Any]:
        since = end - timedelta(minutes=minutes)
        requests = sum(_metrics.since(series["requests"], since))
        target = sum(_metrics.since(series["target_5xx"], since))
        elb = sum(_metrics.since(series["elb_5xx"], since))
        # ELB 5xx are answered without a target, so they may be missing from RequestCount.
        total = max(requests, target + elb)
        rate = (target + elb) / total * 100 if total else None
        return {
            "requests": int(total),
            "target_5xx": int(target),
            "elb_5xx": int(elb),
            "error_pct": None if rate is None else round(rate, 2),
        }

    windows = {f"{m}m": window(m) for m in (params.short_minutes, params.critical_minutes, params.long_minutes)}
    short = windows[f"{params.short_minutes}m"]
    sustained = windows[f"{params.critical_minutes}m"]
    hour = windows[f"{params.long_minutes}m"]
    budget = 100 - params.slo_target_pct
    burn = None if hour["error_pct"] is None else round(hour["error_pct"] / budget, 1)
    evidence = {
        "load_balancer": ctx.service.load_balancer,
        "windows": windows,
        "slo_target_pct": params.slo_target_pct,
        "burn_rate_1h": burn,
    }
    cli = " && ".join(_metrics.cli(q, start, end) for q in _queries(dimension))
    if short["error_pct"] is None and hour["error_pct"] is None:
        return Finding(
            check="alb_error_rate",
            status=Status.UNKNOWN,
            evidence=evidence,
            command=cli,
            summary=f"no requests at {ctx.service.load_balancer} in the last {params.long_minutes} min",
        )

    if ((sustained["error_pct"] or 0) > params.critical_pct and (short["error_pct"] or 0) > params.critical_pct) or (
        burn is not None and burn >= params.fast_burn
    ):
        status = Status.CRITICAL
    elif (short["error_pct"] or 0) > params.warning_pct or (burn is not None and burn >= params.slow_burn):
        status = Status.WARNING
    else:
        status = Status.OK
    parts = [
        f"{w['error_pct']:g}% 5xx over {label[:-1]} min" for label, w in windows.items() if w["error_pct"] is not None
    ]
    summary = ", ".join(parts)
    if burn is not None:
        summary += f"; error budget burning {burn:g}x (SLO {params.slo_target_pct:g}%)"
    if short["elb_5xx"] and not short["target_5xx"]:
        summary += "; all 5xx come from the ALB itself (no healthy target?)"
    return Finding(check="alb_error_rate", status=status, summary=summary, evidence=evidence, command=cli)
