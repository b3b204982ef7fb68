"""The few states moto cannot reach through the AWS API, set on its backend objects.

Local worlds only (never imported by functions/). Each adapter reaches one moto 5.2.5 internal;
pin moto when upgrading and re-run tests/integration/diagnostics/test_seed_moto.py.

* ELBv2 targets are always `healthy` → `set_target_health` overrides one target group's answer.
* ECS running/pending counts come from env vars read once at CreateService, deployments are a
  single synthetic one and `events` is empty → `set_service_state` writes them on the service.
* ECS task definitions have no `registeredAt`; stopped tasks have no `stoppedAt`, stop code or
  exit code → `set_registered_at`, `set_task_stopped`.
* RDS statuses other than available/stopped (e.g. `storage-full`) → `set_db_status`.
* CloudWatch percentiles (`p99`) are not computed (GetMetricData fails serialising None) →
  `enable_percentiles` teaches moto's Statistics the nearest-rank percentile. Idempotent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from moto.cloudwatch.models import Statistics
from moto.ecs.models import ecs_backends
from moto.elbv2.models import FakeHealthStatus, elbv2_backends
from moto.rds.models import rds_backends

TargetState = tuple[str, str | None, str | None]  # state, reason code, description
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d+)?)")


def set_target_health(account: str, region: str, target_group_arn: str, states: Mapping[str, TargetState]) -> None:
    """Make DescribeTargetHealth report `states[target_id]` for those targets of one target group."""
    group = elbv2_backends[account][region].target_groups[target_group_arn]
    original = type(group).health_for

    def health_for(target: dict[str, Any], ec2_backend: Any) -> FakeHealthStatus:
        override = states.get(target["Id"])
        registered = group.targets.get(target["Id"])
        if override is None or registered is None:
            return original(group, target, ec2_backend)
        state, reason, description = override
        return FakeHealthStatus(target["Id"], registered["Port"], group.health_check_port, state, reason, description)

    group.health_for = health_for  # type: ignore[method-assign]


def set_service_state(
    account: str,
    region: str,
    cluster: str,
    service: str,
    *,
    running: int,
    pending: int,
    task_definition_arn: str,
    deployments: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]],
) -> None:
    """Counts, deployments (describe-services shape, camelCase keys) and events (newest first)."""
    svc = ecs_backends[account][region].services[f"{cluster}:{service}"]
    svc.running_count = running
    svc.pending_count = pending
    svc.task_definition = task_definition_arn
    svc.deployments = [dict(d) for d in deployments]
    svc.events = [dict(e) for e in events]


def set_registered_at(account: str, region: str, family: str, revision: int, at: datetime) -> None:
    definition: Any = ecs_backends[account][region].task_definitions[family][revision]  # adds an attribute
    definition.registered_at = at


def set_task_stopped(
    account: str,
    region: str,
    cluster: str,
    task_arn: str,
    *,
    stopped_at: datetime,
    stop_code: str,
    exit_code: int | None,
    container_reason: str | None,
) -> None:
    task: Any = ecs_backends[account][region].tasks[cluster][task_arn]  # adds attributes moto lacks
    task.stopped_at = stopped_at
    task.stop_code = stop_code
    for container in task.containers:
        container.last_status = "STOPPED"
        container.exitCode = exit_code
        container.reason = container_reason


def set_db_status(account: str, region: str, db_instance: str, status: str) -> None:
    rds_backends[account][region].databases[db_instance].status = status


def enable_percentiles() -> None:
    """GetMetricData/GetMetricStatistics with `pNN` statistics, computed over the raw datapoints."""
    if getattr(Statistics, "_percentiles_enabled", False):
        return
    original = Statistics.get_statistics_for_type

    def get_statistics_for_type(self: Statistics, stat: str) -> Any:
        match = _PERCENTILE.fullmatch(stat)
        if match is None:
            return original(self, stat)
        values = sorted(self.metric_single_values_list)
        if not values:
            return None
        rank = max(1, math.ceil(float(match.group(1)) / 100 * len(values)))
        return values[rank - 1]

    Statistics.get_statistics_for_type = get_statistics_for_type  # type: ignore[method-assign]
    Statistics._percentiles_enabled = True  # type: ignore[attr-defined]
