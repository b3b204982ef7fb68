"""ECS service CPU and memory utilization (CloudWatch AWS/ECS)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import _metrics, base
from functions.diagnostics.base import CheckContext, Finding, Status
from functions.policy import Resource
from functions.policy.effective import ServicePolicy
from functions.services import resource

CLIENTS = ("cloudwatch",)
NEEDS: tuple[Resource, ...] = ("cluster", "ecs_service")


class Params(base.Params):
    window_minutes: int = Field(default=15, ge=5, le=180, description="peak looked for over this window")
    current_minutes: int = Field(default=5, ge=1, description="'now' is the average over this many minutes")
    cpu_warning: float = Field(description="the service's ecs-cpu threshold (%)")
    cpu_critical: float = 95.0
    memory_warning: float = Field(description="the service's ecs-memory threshold (%)")
    memory_critical: float = 95.0


def _queries(ctx: CheckContext) -> list[_metrics.Query]:
    dims = {
        "ClusterName": resource(ctx.service.cluster, "cluster"),
        "ServiceName": resource(ctx.service.ecs_service, "ecs_service"),
    }
    return [
        _metrics.Query(f"{key}_{stat.lower()}", "AWS/ECS", metric, stat, 60, dims)
        for key, metric in (("cpu", "CPUUtilization"), ("memory", "MemoryUtilization"))
        for stat in ("Average", "Maximum")
    ]


def policy_params(policy: ServicePolicy) -> Params:
    return Params(cpu_warning=policy.threshold("ecs-cpu"), memory_warning=policy.threshold("ecs-memory"))


def command(ctx: CheckContext) -> str:
    end = _metrics.window_end(ctx.now)
    start = end - timedelta(minutes=Params.model_fields["window_minutes"].default)
    cpu, _, memory, _ = _queries(ctx)
    return " && ".join(_metrics.cli(q, start, end, "Average Maximum") for q in (cpu, memory))


def ecs_utilization(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """The service's CPU and memory utilization now (5-minute average) and its peak (15 minutes).

    Above the runbook's 80% CPU / 85% memory the tasks are saturated: latency rises, health
    checks time out and memory-bound tasks get OOM-killed (look for exit 137 in ecs_service).
    The fix is usually to scale out (desired count) or up (task size), not to restart. No
    datapoints at all means no task reported: nothing is running.
    """
    end = _metrics.window_end(ctx.now)
    start = end - timedelta(minutes=params.window_minutes)
    now_start = end - timedelta(minutes=params.current_minutes)
    series = _metrics.fetch(clients.cloudwatch, _queries(ctx), start, end)
    readings = {}
    for key in ("cpu", "memory"):
        readings[key] = {
            "now_pct": _round(_metrics.mean_since(series[f"{key}_average"], now_start)),
            "peak_pct": _round(_metrics.max_since(series[f"{key}_maximum"], start)),
        }
    evidence = {"window_minutes": params.window_minutes, **readings}
    if all(r["now_pct"] is None for r in readings.values()):
        return Finding(
            check="ecs_utilization",
            status=Status.UNKNOWN,
            evidence=evidence,
            command=command(ctx),
            summary=f"no CPU/memory datapoints for {ctx.service.ecs_service} in the last "
            f"{params.current_minutes} min: no task is reporting (is anything running?)",
        )
    statuses = {
        "cpu": _grade(readings["cpu"]["now_pct"], params.cpu_warning, params.cpu_critical),
        "memory": _grade(readings["memory"]["now_pct"], params.memory_warning, params.memory_critical),
    }
    parts = []
    for key, label, limit in (
        ("cpu", "CPU", params.cpu_warning),
        ("memory", "memory", params.memory_warning),
    ):
        reading = readings[key]
        if reading["now_pct"] is None:
            parts.append(f"{label} no data")
            continue
        part = f"{label} {reading['now_pct']:.0f}%"
        if reading["peak_pct"] is not None:
            part += f" (peak {reading['peak_pct']:.0f}%)"
        if statuses[key] is not Status.OK:
            part += f" above {limit:g}%"
        parts.append(part)
    summary = f"{ctx.service.ecs_service}: " + ", ".join(parts)
    return Finding(
        check="ecs_utilization",
        status=base.worst(statuses.values()),
        summary=summary,
        evidence=evidence,
        command=command(ctx),
    )


def _grade(value: float | None, warning: float, critical: float) -> Status:
    return Status.OK if value is None else base.grade(value, warning, critical)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
