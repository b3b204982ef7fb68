"""Recent changes: ECS deployments and task definition revisions around the incident start."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import base
from functions.diagnostics.base import CheckContext, Finding, Status, describe_service
from functions.incident_store import Change
from functions.policy import Resource

CLIENTS = ("ecs",)
NEEDS: tuple[Resource, ...] = ("cluster", "ecs_service")
FAILED_EVENT = "SERVICE_DEPLOYMENT_FAILED"


class Params(base.Params):
    window_hours: float = Field(default=3.0, gt=0, description="changes older than this are not suspects")
    revisions: int = Field(default=3, ge=1, le=10, description="latest task definition revisions described")


def command(ctx: CheckContext, family: str | None = None) -> str:
    svc = ctx.service
    return (
        f"aws ecs describe-services --cluster {svc.cluster} --services {svc.ecs_service} "
        "--query 'services[0].deployments' && "
        f"aws ecs list-task-definitions --family-prefix {family or svc.name} --sort DESC --max-items 3"
    )


def recent_deployments(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """ECS deployments and task definition revisions of the last hours, and when each started
    relative to the incident, failed deployments first.

    A deployment that started shortly before the incident opened is the first suspect: the fix is
    often a rollback to the previous revision (named in the evidence). A deployment is failed when
    ECS says so or when the service's recorded `SERVICE_DEPLOYMENT_FAILED` event names it, even
    after ECS stopped listing it (a rolled-back deployment drops out of DescribeServices). Critical
    when a recent deployment FAILED or is rolling out while tasks fail; a warning when anything
    changed in the window; OK when nothing did (look elsewhere than the code).
    """
    svc = ctx.service
    cutoff = ctx.now - timedelta(hours=params.window_hours)
    # The task family is the service's name by the runbook's naming: list its revisions while the
    # service is described, and list again only when the service runs another family.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="revisions") as pool:
        guessed = pool.submit(_revision_arns, clients, svc.name, params.revisions)
        services = describe_service(ctx, clients)["services"]
        deployments: list[dict[str, Any]] = services[0].get("deployments", []) if services else []
        current_td = services[0].get("taskDefinition", "") if services else ""
        family = (current_td.rsplit("/", 1)[-1].rsplit(":", 1)[0]) if current_td else svc.name
        arns = guessed.result() if family == svc.name else _revision_arns(clients, family, params.revisions)
    newest_first = sorted(arns, key=lambda arn: int(arn.rsplit(":", 1)[-1]), reverse=True)
    wanted = newest_first[: params.revisions]
    # The revisions are independent reads: fetch them side by side, not one latency after another.
    with ThreadPoolExecutor(max_workers=max(1, len(wanted)), thread_name_prefix="revision") as pool:
        revisions = list(pool.map(partial(_revision, clients), wanted))

    failures = _recorded_failures(ctx, cutoff)
    recent = [
        _listed(d, ctx, failures.pop(d.get("id", ""), None))
        for d in deployments
        if d.get("createdAt") and d["createdAt"] >= cutoff
    ]
    recent += [_recorded(deployment_id, change, ctx) for deployment_id, change in failures.items()]
    recent.sort(key=lambda d: d["started_at"], reverse=True)
    recent.sort(key=_failing, reverse=True)  # stable: failed first, newest first within each
    new_revisions = [r for r in revisions if r["registered_at"] and _parse(r["registered_at"]) >= cutoff]
    evidence = {
        "window_hours": params.window_hours,
        "deployments": recent,
        "revisions": revisions,
        "current_task_definition": current_td.rsplit("/", 1)[-1] if current_td else None,
    }
    cli = command(ctx, family)

    if not recent and not new_revisions:
        since = f" (current {evidence['current_task_definition']})" if current_td else ""
        return Finding(
            check="recent_deployments",
            status=Status.OK,
            evidence=evidence,
            command=cli,
            summary=f"no deployments or new task definitions in the last {params.window_hours:g} h" + since,
        )

    failing = [d for d in recent if _failing(d)]
    status = Status.CRITICAL if failing else Status.WARNING
    lead = recent[0] if recent else None
    if lead is not None:
        summary = _describe(lead, ctx)
    else:
        newest = new_revisions[0]
        summary = (
            f"task definition {newest['task_definition']} registered "
            f"{base.ago(_parse(newest['registered_at']), ctx.opened_at)} before the incident, not deployed"
        )
    rollback = _rollback_candidate(revisions, lead["task_definition"] if lead else None)
    evidence["rollback_candidate"] = rollback
    if rollback and any(d["task_definition"] == rollback and "rolling back" in (d["reason"] or "") for d in recent):
        summary += f"; ECS is rolling back to {rollback}"
    elif rollback and status is Status.CRITICAL:
        summary += f"; previous revision {rollback} is the rollback candidate"
    elif rollback:
        summary += f"; previous revision {rollback}"
    return Finding(check="recent_deployments", status=status, summary=summary, evidence=evidence, command=cli)


def _describe(deployment: dict[str, Any], ctx: CheckContext) -> str:
    if deployment["task_definition"] is None:  # known from its event only: when it failed, not when it started
        when = "as the incident opened" if deployment["started_at"] == ctx.opened_at.isoformat() else (
            f"{_relative(deployment, ctx)} the incident"
        )  # fmt: skip
        text = f"deployment {deployment['id']} FAILED {when}, no longer listed by ECS"
    else:
        text = (
            f"deployment of {deployment['task_definition']} started {_relative(deployment, ctx)} the incident, "
            f"{deployment['rollout_state'] or deployment['status']}"
        )
    if deployment["failed_tasks"]:
        text += f" with {deployment['failed_tasks']} failed tasks"
    if deployment["failure"]:
        text += f" ({deployment['failure'].rstrip('.')})"
    return text


def _recorded_failures(ctx: CheckContext, cutoff: datetime) -> dict[str, Change]:
    """The deployments the service's recorded ECS events say failed, by deployment id."""
    return {
        change.deployment_id: change
        for change in ctx.changes.get()
        if change.source == "ecs" and change.name == FAILED_EVENT and change.deployment_id and change.at >= cutoff
    }


def _listed(deployment: dict[str, Any], ctx: CheckContext, failure: Change | None) -> dict[str, Any]:
    """A deployment as DescribeServices lists it; FAILED when its recorded event says so."""
    return {
        "id": deployment.get("id"),
        "status": deployment.get("status"),
        "task_definition": deployment.get("taskDefinition", "").rsplit("/", 1)[-1],
        "rollout_state": "FAILED" if failure else deployment.get("rolloutState"),
        "failed_tasks": deployment.get("failedTasks", 0),
        "running": deployment.get("runningCount"),
        "desired": deployment.get("desiredCount"),
        "started_at": deployment["createdAt"].isoformat(),
        "started_before_incident": base.ago(deployment["createdAt"], ctx.opened_at),
        "failure": failure.text if failure else deployment.get("rolloutStateReason") if _failed(deployment) else None,
        "reason": deployment.get("rolloutStateReason"),
    }


def _recorded(deployment_id: str, failure: Change, ctx: CheckContext) -> dict[str, Any]:
    """A failed deployment ECS no longer lists, from its recorded event (it failed at `failure.at`)."""
    return {
        "id": deployment_id,
        "status": "INACTIVE",
        "task_definition": None,
        "rollout_state": "FAILED",
        "failed_tasks": 0,
        "running": None,
        "desired": None,
        "started_at": failure.at.isoformat(),  # not known: when it failed, for the ordering
        "started_before_incident": base.ago(failure.at, ctx.opened_at),
        "failure": failure.text or None,
        "reason": failure.text or None,
    }


def _failed(deployment: dict[str, Any]) -> bool:
    return bool(deployment.get("rolloutState") == "FAILED")


def _failing(deployment: dict[str, Any]) -> bool:
    state = deployment["rollout_state"]
    return bool(state == "FAILED" or (state == "IN_PROGRESS" and deployment["failed_tasks"]))


def _revision_arns(clients: AwsClients, family: str, revisions: int) -> list[str]:
    arns: list[str] = clients.ecs.list_task_definitions(familyPrefix=family, sort="DESC", maxResults=revisions)[
        "taskDefinitionArns"
    ]
    return arns


def _revision(clients: AwsClients, arn: str) -> dict[str, Any]:
    definition = clients.ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    registered = definition.get("registeredAt")
    return {
        "task_definition": arn.rsplit("/", 1)[-1],
        "registered_at": registered.isoformat() if registered else None,
        "images": [c.get("image") for c in definition.get("containerDefinitions", [])],
    }


def _relative(deployment: dict[str, Any], ctx: CheckContext) -> str:
    text = deployment["started_before_incident"]
    return f"{text[1:]} after" if text.startswith("-") else f"{text} before"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _rollback_candidate(revisions: list[dict[str, Any]], deployed: str | None) -> str | None:
    """The revision listed right after the one being deployed (revisions are newest first)."""
    names = [r["task_definition"] for r in revisions]
    if deployed in names:
        index = names.index(deployed) + 1
        return names[index] if index < len(names) else None
    return names[1] if len(names) > 1 else None
