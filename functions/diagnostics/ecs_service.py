"""ECS service state: tasks running against desired, failing tasks and why they stopped."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import base
from functions.diagnostics.base import CheckContext, Finding, Status, describe_service
from functions.policy import Resource

CLIENTS = ("ecs",)
NEEDS: tuple[Resource, ...] = ("cluster", "ecs_service")


class Params(base.Params):
    events: int = Field(default=5, ge=0, le=20, description="latest service events shown")
    stopped_tasks: int = Field(default=5, ge=0, le=100, description="recently stopped tasks described")
    stopped_window_minutes: int = Field(default=60, ge=1, description="stopped tasks older than this are history")


def command(ctx: CheckContext) -> str:
    return f"aws ecs describe-services --cluster {ctx.service.cluster} --services {ctx.service.ecs_service}"


def ecs_service(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """Running vs desired vs pending tasks, the rollout state, failed tasks and the last service events.

    Critical when the service wants tasks but runs none, or its deployment has FAILED; a warning
    when it runs fewer than desired or tasks keep failing. The stop reasons of recently stopped
    tasks (`Essential container in task exited`, `OutOfMemoryError`, `CannotPullContainerError`,
    `Task failed ELB health checks`) are usually the shortest path to the cause.
    """
    svc = ctx.service
    # The stopped tasks are listed by the service's name, not by anything DescribeServices answers:
    # both reads at once, so the check is two calls deep, not three.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecs-stopped") as pool:
        stopped_tasks = pool.submit(_recent_stopped_tasks, ctx, clients, params)
        response = describe_service(ctx, clients)
        stopped = stopped_tasks.result()
    if not response.get("services"):
        reasons = ", ".join(f.get("reason", "?") for f in response.get("failures", [])) or "not returned"
        return Finding(
            check="ecs_service",
            status=Status.UNKNOWN,
            command=command(ctx),
            summary=f"ECS service {svc.ecs_service} not found in cluster {svc.cluster} ({reasons})",
            evidence={"failures": response.get("failures", [])},
        )
    service = response["services"][0]
    running, desired, pending = service["runningCount"], service["desiredCount"], service["pendingCount"]
    deployments = service.get("deployments", [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), deployments[0] if deployments else {})
    rollout = primary.get("rolloutState")
    failed_tasks = sum(d.get("failedTasks", 0) for d in deployments)
    stop_reasons = dict(Counter(str(t["reason"]) for t in stopped).most_common())
    evidence = {
        "status": service.get("status"),
        "running": running,
        "desired": desired,
        "pending": pending,
        "rollout_state": rollout,
        "rollout_reason": primary.get("rolloutStateReason"),
        "task_definition": service.get("taskDefinition"),
        "failed_tasks": failed_tasks,
        "deployments": [
            {
                "id": d.get("id"),
                "status": d.get("status"),
                "task_definition": d.get("taskDefinition", "").rsplit("/", 1)[-1],
                "running": d.get("runningCount"),
                "desired": d.get("desiredCount"),
                "pending": d.get("pendingCount"),
                "failed_tasks": d.get("failedTasks", 0),
                "rollout_state": d.get("rolloutState"),
                "created_at": d["createdAt"].isoformat() if d.get("createdAt") else None,
            }
            for d in deployments
        ],
        "events": [
            {"at": e["createdAt"].isoformat(), "message": e["message"]}
            for e in service.get("events", [])[: params.events]
        ],
        "stopped_tasks": stopped,
        "stop_reasons": stop_reasons,
    }

    if service.get("status") != "ACTIVE" or (desired > 0 and running == 0) or rollout == "FAILED":
        status = Status.CRITICAL
    elif running < desired or failed_tasks or stopped:
        status = Status.WARNING
    else:
        status = Status.OK

    summary = f"{svc.ecs_service}: running {running} of {desired} desired"
    if pending:
        summary += f" ({pending} pending)"
    if service.get("status") != "ACTIVE":
        summary += f", service {service.get('status')}"
    if rollout and (rollout != "COMPLETED" or failed_tasks):
        summary += f", deployment {rollout}"
        if failed_tasks:
            summary += f" with {failed_tasks} failed task{'s' if failed_tasks != 1 else ''}"
    if stop_reasons:
        reason, n = next(iter(stop_reasons.items()))
        summary += f"; {len(stopped)} task{'s' if len(stopped) != 1 else ''} stopped recently: {reason}"
        summary += f" ×{n}" if n > 1 else ""
    elif evidence["events"] and status is not Status.OK:
        summary += f"; last event: {evidence['events'][0]['message']}"
    return Finding(check="ecs_service", status=status, summary=summary, evidence=evidence, command=command(ctx))


def _recent_stopped_tasks(ctx: CheckContext, clients: AwsClients, params: Params) -> list[dict[str, Any]]:
    """Tasks of the service stopped within the window, newest first, with stop reason and exit codes."""
    if not params.stopped_tasks:
        return []
    svc = ctx.service
    arns = clients.ecs.list_tasks(
        cluster=svc.cluster,
        serviceName=svc.ecs_service,
        desiredStatus="STOPPED",
        maxResults=min(100, params.stopped_tasks * 4),
    )["taskArns"]
    if not arns:
        return []
    tasks = clients.ecs.describe_tasks(cluster=svc.cluster, tasks=arns)["tasks"]
    cutoff = ctx.now - timedelta(minutes=params.stopped_window_minutes)
    recent = [t for t in tasks if t.get("stoppedAt") is None or t["stoppedAt"] >= cutoff]
    recent.sort(key=lambda t: t.get("stoppedAt") or ctx.now, reverse=True)
    return [
        {
            "task": t["taskArn"].rsplit("/", 1)[-1],
            "task_definition": t.get("taskDefinitionArn", "").rsplit("/", 1)[-1],
            "stopped_at": t["stoppedAt"].isoformat() if t.get("stoppedAt") else None,
            "stop_code": t.get("stopCode"),
            "reason": _stop_reason(t),
        }
        for t in recent[: params.stopped_tasks]
    ]


def _stop_reason(task: dict[str, Any]) -> str:
    reason = str(task.get("stoppedReason") or "stopped (no reason given)")
    for container in task.get("containers", []):
        exit_code, detail = container.get("exitCode"), container.get("reason")
        if exit_code not in (None, 0) or detail:
            reason += (
                f" ({container.get('name')}: "
                + ", ".join(
                    part for part in (f"exit {exit_code}" if exit_code is not None else "", detail or "") if part
                )
                + ")"
            )
            break
    return reason
