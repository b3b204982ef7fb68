"""ALB p99 target response time now, against the period before."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import _metrics, base
from functions.diagnostics.base import CheckContext, Finding, Status
from functions.policy import Resource
from functions.policy.effective import ServicePolicy, service_policy

CLIENTS = ("elbv2", "cloudwatch")
NEEDS: tuple[Resource, ...] = ("load_balancer",)


class Params(base.Params):
    statistic: str = Field(default="p99", pattern=r"^p\d{1,2}(\.\d+)?$")
    window_minutes: int = Field(default=15, ge=5, le=180, description="'now' and 'before' are windows this long")
    warning_seconds: float = Field(description="the service's latency-p99 threshold (s)")
    critical_seconds: float = 5.0
    warning_increase_pct: float = Field(description="the runbook's P1 line: this much increase in response time")
    min_seconds_for_increase: float = Field(
        default=0.2, description="a rise is only reported when 'now' is above this (10 ms → 20 ms is noise)"
    )


def policy_params(policy: ServicePolicy) -> Params:
    return Params(
        warning_seconds=policy.threshold("latency-p99"), warning_increase_pct=policy.runbook.latency_increase_pct
    )


def command(ctx: CheckContext) -> str:
    params = policy_params(service_policy(ctx.service))
    start, end = _window(ctx, params)
    query = _query("app/<load-balancer-name>/<id>", params)
    return _metrics.cli(query, start, end).replace(
        "app/<load-balancer-name>/<id>",
        f"$(aws elbv2 describe-load-balancers --names {ctx.service.load_balancer} "
        "--query 'LoadBalancers[0].LoadBalancerArn' --output text | cut -d/ -f2-)",
    )


def alb_latency(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """p99 TargetResponseTime over the last 15 minutes against the 15 minutes before.

    Above the service's latency-p99 threshold (runbook: 2 s), or more than 50% above the previous
    window, requests are slow enough for users to notice (P1 performance degradation). Seen with rds_performance and
    ecs_utilization, it separates a slow database from saturated tasks from slow code.
    """
    lb = clients.elbv2.describe_load_balancers(Names=[ctx.service.load_balancer])["LoadBalancers"][0]
    dimension = lb["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    start, end = _window(ctx, params)
    query = _query(dimension, params)
    points = _metrics.fetch(clients.cloudwatch, [query], start, end)[query.id]
    boundary = end - timedelta(minutes=params.window_minutes)
    before = [v for ts, v in points if ts < boundary]
    now = [v for ts, v in points if ts >= boundary]
    current = now[-1] if now else None
    previous = before[-1] if before else None
    change = None if current is None or not previous else (current - previous) / previous * 100
    evidence: dict[str, Any] = {
        "load_balancer": ctx.service.load_balancer,
        "statistic": params.statistic,
        "window_minutes": params.window_minutes,
        "now_seconds": _round(current),
        "before_seconds": _round(previous),
        "change_pct": None if change is None else round(change, 1),
    }
    cli = _metrics.cli(query, start, end)
    stat = params.statistic
    if current is None:
        return Finding(
            check="alb_latency",
            status=Status.UNKNOWN,
            evidence=evidence,
            command=cli,
            summary=f"no {stat} TargetResponseTime in the last {params.window_minutes} min: "
            "no request reached a target",
        )
    status = base.grade(current, params.warning_seconds, params.critical_seconds)
    rising = change is not None and change >= params.warning_increase_pct
    if status is Status.OK and rising and current >= params.min_seconds_for_increase:
        status = Status.WARNING
    summary = f"{stat} response time {_fmt(current)} over the last {params.window_minutes} min"
    if previous is not None:
        summary += f", {_fmt(previous)} before ({change:+.0f}%)" if change is not None else f", {_fmt(previous)} before"
    if status is not Status.OK:
        summary += (
            f": above the runbook's {params.warning_seconds:g} s"
            if current >= params.warning_seconds
            else f": up more than {params.warning_increase_pct:g}%"
        )
    return Finding(check="alb_latency", status=status, summary=summary, evidence=evidence, command=cli)


def _window(ctx: CheckContext, params: Params) -> tuple[datetime, datetime]:
    end = _metrics.window_end(ctx.now)
    return end - timedelta(minutes=2 * params.window_minutes), end


def _query(dimension: str, params: Params) -> _metrics.Query:
    return _metrics.Query(
        "latency",
        "AWS/ApplicationELB",
        "TargetResponseTime",
        params.statistic,
        params.window_minutes * 60,
        {"LoadBalancer": dimension},
    )


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
