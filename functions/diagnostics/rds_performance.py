"""RDS load: connections, CPU, read/write latency and free storage (CloudWatch AWS/RDS)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import _metrics, base
from functions.diagnostics.base import CheckContext, Finding, Status
from functions.policy import Resource
from functions.policy.effective import ServicePolicy
from functions.services import resource

CLIENTS = ("cloudwatch",)
NEEDS: tuple[Resource, ...] = ("db_instance",)
GIB = 1024**3


class Params(base.Params):
    window_minutes: int = Field(default=15, ge=5, le=180)
    current_minutes: int = Field(default=5, ge=1, description="'now' is the average over this many minutes")
    connections_warning: float = Field(description="the service's db-connections threshold")
    connections_critical: float = 150
    cpu_warning: float = 80.0
    cpu_critical: float = 95.0
    latency_warning_ms: float = Field(default=20.0, description="EBS-backed storage normally answers in < 10 ms")
    latency_critical_ms: float = 100.0
    free_storage_warning_gib: float = 5.0
    free_storage_critical_gib: float = 1.0


_METRICS = (
    # key, metric, statistic, unit scale (to the reported unit), label, reported unit
    ("connections", "DatabaseConnections", "Maximum", 1.0, "connections", ""),
    ("cpu", "CPUUtilization", "Average", 1.0, "CPU", "%"),
    ("read_latency", "ReadLatency", "Average", 1000.0, "read latency", " ms"),
    ("write_latency", "WriteLatency", "Average", 1000.0, "write latency", " ms"),
    ("free_storage", "FreeStorageSpace", "Minimum", 1 / GIB, "free storage", " GiB"),
)


def _queries(ctx: CheckContext) -> list[_metrics.Query]:
    dims = {"DBInstanceIdentifier": resource(ctx.service.db_instance, "db_instance")}
    return [_metrics.Query(key, "AWS/RDS", metric, stat, 60, dims) for key, metric, stat, *_ in _METRICS]


def policy_params(policy: ServicePolicy) -> Params:
    return Params(connections_warning=policy.threshold("db-connections"))


def command(ctx: CheckContext) -> str:
    end = _metrics.window_end(ctx.now)
    start = end - timedelta(minutes=Params.model_fields["window_minutes"].default)
    return " && ".join(_metrics.cli(q, start, end) for q in _queries(ctx)[:4])


def rds_performance(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """Database connections, CPU, read/write latency and free storage over the last minutes.

    Connections near the limit point at a connection leak or too many tasks; high CPU with high
    latency at expensive queries; high write latency with little free storage at a disk about to
    fill (the instance then goes `storage-full` and writes stop). The worst metric sets the status.
    """
    end = _metrics.window_end(ctx.now)
    start = end - timedelta(minutes=params.window_minutes)
    now_start = end - timedelta(minutes=params.current_minutes)
    series = _metrics.fetch(clients.cloudwatch, _queries(ctx), start, end)
    thresholds = {
        "connections": (params.connections_warning, params.connections_critical, True),
        "cpu": (params.cpu_warning, params.cpu_critical, True),
        "read_latency": (params.latency_warning_ms, params.latency_critical_ms, True),
        "write_latency": (params.latency_warning_ms, params.latency_critical_ms, True),
        "free_storage": (params.free_storage_warning_gib, params.free_storage_critical_gib, False),
    }
    readings: dict[str, Any] = {}
    statuses: dict[str, Status] = {}
    parts: list[tuple[Status, str]] = []
    for key, _metric, stat, scale, label, unit in _METRICS:
        points = series[key]
        raw = (
            _metrics.max_since(points, now_start)
            if stat == "Maximum"
            else min(_metrics.since(points, now_start), default=None)
            if stat == "Minimum"
            else _metrics.mean_since(points, now_start)
        )
        value = None if raw is None else round(raw * scale, 1)
        readings[key] = value
        if value is None:
            continue
        warning, critical, higher = thresholds[key]
        statuses[key] = base.grade(value, warning, critical, higher_is_worse=higher)
        parts.append((statuses[key], f"{label} {value:g}{unit}"))
    evidence = {"db_instance": ctx.service.db_instance, "window_minutes": params.current_minutes, **readings}
    if not statuses:
        return Finding(
            check="rds_performance",
            status=Status.UNKNOWN,
            evidence=evidence,
            command=command(ctx),
            summary=f"no AWS/RDS datapoints for {ctx.service.db_instance} in the last "
            f"{params.current_minutes} min (instance stopped or metrics delayed)",
        )
    status = base.worst(statuses.values())
    # The breaching metrics first: those are the ones the responder acts on.
    ordered = sorted(parts, key=lambda part: [Status.CRITICAL, Status.WARNING, Status.OK].index(part[0]))
    text = ", ".join(f"{part} ({s.value})" if s is not Status.OK else part for s, part in ordered)
    summary = f"RDS {ctx.service.db_instance}: {text}"
    return Finding(check="rds_performance", status=status, summary=summary, evidence=evidence, command=command(ctx))
