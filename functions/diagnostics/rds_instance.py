"""RDS instance status: is the database up and accepting connections."""

from __future__ import annotations

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import base
from functions.diagnostics.base import CheckContext, Finding, Status
from functions.policy import Resource

CLIENTS = ("rds",)
NEEDS: tuple[Resource, ...] = ("db_instance",)


class Params(base.Params):
    ok_statuses: frozenset[str] = frozenset({"available"})
    warning_statuses: frozenset[str] = Field(
        default=frozenset(),
        description="statuses to report as a warning instead of critical (e.g. 'backing-up' on Multi-AZ)",
    )


def command(ctx: CheckContext) -> str:
    return f"aws rds describe-db-instances --db-instance-identifier {ctx.service.db_instance}"


def rds_instance(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """The database instance's status; critical unless it is `available`.

    Any other status (`stopped`, `storage-full`, `rebooting`, `failed`, `modifying`,
    `inaccessible-encryption-credentials`, ...) means the application's queries fail or stall,
    which explains 5xx errors and connection errors in the log. The evidence carries the engine,
    class, Multi-AZ flag, storage and pending modifications, for the next decision (reboot, scale
    storage, fail over).
    """
    db = clients.rds.describe_db_instances(DBInstanceIdentifier=ctx.service.db_instance)["DBInstances"][0]
    status_text = db["DBInstanceStatus"]
    pending = {k: v for k, v in db.get("PendingModifiedValues", {}).items() if v not in (None, [], {})}
    evidence = {
        "db_instance": ctx.service.db_instance,
        "db_status": status_text,
        "engine": f"{db.get('Engine')} {db.get('EngineVersion', '')}".strip(),
        "instance_class": db.get("DBInstanceClass"),
        "multi_az": db.get("MultiAZ"),
        "allocated_storage_gib": db.get("AllocatedStorage"),
        "max_allocated_storage_gib": db.get("MaxAllocatedStorage"),
        "endpoint": (db.get("Endpoint") or {}).get("Address"),
        "availability_zone": db.get("AvailabilityZone"),
        "pending_modifications": pending,
    }
    if status_text in params.ok_statuses:
        status = Status.OK
    elif status_text in params.warning_statuses:
        status = Status.WARNING
    else:
        status = Status.CRITICAL
    summary = f"RDS {ctx.service.db_instance} is {status_text}"
    if status is Status.CRITICAL:
        summary += ": the application cannot rely on its database"
        if status_text == "storage-full":
            summary += f" (storage full at {db.get('AllocatedStorage')} GiB: increase allocated storage)"
    elif pending:
        summary += f" (pending: {', '.join(sorted(pending))})"
    placement = "Multi-AZ" if db.get("MultiAZ") else "single-AZ"
    summary += f" [{evidence['engine']}, {db.get('DBInstanceClass')}, {placement}]"
    return Finding(check="rds_instance", status=status, summary=summary, evidence=evidence, command=command(ctx))
