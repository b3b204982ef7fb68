"""One incident story for the status page tests: incidents full of internal detail, and that detail.

Each incident carries what the page must never show — alarm names and reasons, resource names,
diagnostics with hostnames and commands, root cause notes, people, the internal id — so a test
can look for every piece of it in what a visitor receives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from functions.incident import Incident, IncidentOrigin, IncidentStatus, MemberAlarm
from functions.intake.signal import AlarmState
from functions.policy import RUNBOOK, Severity
from functions.services import ServiceConfig
from functions.status_page.public import public_by_policy, public_update
from tests.samples import SAMPLE_SERVICE

T0 = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)

SHOP = SAMPLE_SERVICE  # flask-sre-challenge, the runbook's own names
PAYMENTS = ServiceConfig(
    name="payments-api",
    load_balancer="payments-internal-alb",
    target_group="payments-tg-blue",
    cluster="payments-prod-cluster",
    ecs_service="payments-svc",
    db_instance="payments-db-primary",
    log_group="/ecs/payments-api",
    namespace="PaymentsApi",
)
ACCOUNTS = ServiceConfig(
    name="accounts",
    load_balancer="accounts-internal-alb",
    target_group="accounts-tg",
    cluster="accounts-prod-cluster",
    ecs_service="accounts-svc",
    db_instance="accounts-db",
    log_group="/ecs/accounts",
    namespace="Accounts",
)
CANARY = ServiceConfig(
    name="responder-canary",
    load_balancer="canary-alb",
    target_group="canary-tg",
    cluster="canary-cluster",
    ecs_service="canary-svc",
    db_instance="canary-db",
    log_group="/ecs/canary",
    namespace="Canary",
    synthetic=True,
)
SERVICES = (SHOP, PAYMENTS, ACCOUNTS, CANARY)
PRIVATE_SERVICES = frozenset({CANARY.name})


def _internal_detail(service: ServiceConfig, alarm: str) -> dict[str, object]:
    host = f"ip-10-0-3-17.{service.name}.internal"
    return {
        "alarms": {
            alarm: MemberAlarm(
                name=alarm,
                state=AlarmState.ALARM,
                severity=Severity.P0,
                scenario="service-down",
                since=T0,
                reason=f"Threshold Crossed: 2 datapoints [0.0 (26/11/26 13:58:00)] on {service.target_group}",
            )
        },
        "affected_systems": [f"ALB target group {service.target_group}", f"RDS instance {service.db_instance}"],
        "findings": [
            {
                "check": "alb_target_health",
                "status": "critical",
                "summary": f"0 of 2 targets healthy on {host}:8080",
                "command": f"aws elbv2 describe-target-health --target-group-arn arn:aws:elasticloadbalancing:"
                f"us-east-1:123456789012:targetgroup/{service.target_group}/6d0ecf831eec9f09",
            }
        ],
        "severity_reason": f"rule no-healthy-targets on {service.load_balancer}",
        "root_cause": f"OOM kill on {host} after deploy 4f2a9c1",
        "actions_taken": [f"L1 acknowledged by alice via slack; restarted {service.ecs_service}"],
    }


def incident(
    service: ServiceConfig,
    scenario: str,
    severity: Severity,
    opened_at: datetime,
    alarm: str,
    *,
    declared_by: str | None = None,
) -> Incident:
    """Opened as the lifecycle opens it: public from the policy, the first public update written."""
    title = RUNBOOK.scenario(scenario).title
    created = Incident(
        id=f"{service.name}-{opened_at:%Y%m%dT%H%M%SZ}-a1b2c3",
        service=service.name,
        scenario=scenario,
        severity=severity,
        title=f"{title}: {alarm}",
        impact=RUNBOOK.scenario(scenario).impact,
        opened_at=opened_at,
        updated_at=opened_at,
        next_update_at=opened_at + timedelta(minutes=30),
        origin=IncidentOrigin.DECLARED if declared_by else IncidentOrigin.ALARM,
        declared_by=declared_by,
        public=public_by_policy(scenario, severity, service),
        **_internal_detail(service, alarm),  # type: ignore[arg-type]
    )
    created.public_updates.append(public_update(created, IncidentStatus.INVESTIGATING, opened_at))
    return created


def moved(current: Incident, status: IncidentStatus, at: datetime, text: str | None = None) -> Incident:
    """A status change with its public update, as the lifecycle will record it."""
    changed = current.model_copy(deep=True)
    changed.status = status
    changed.updated_at = at
    changed.version = current.version
    if status is IncidentStatus.RESOLVED:
        changed.resolved_at = at
        changed.resolved_by = "alice"
    changed.public_updates.append(public_update(changed, status, at, text))
    return changed


def internal_strings(*incidents: Incident) -> list[str]:
    """Everything of these incidents a visitor must never read."""
    found: list[str] = []
    for item in incidents:
        found += [item.id, item.title, item.severity_reason, item.root_cause or "", *item.actions_taken]
        found += item.affected_systems
        for alarm in item.alarms.values():
            found += [alarm.name, alarm.reason]
        for finding in item.findings:
            found += [str(finding["summary"]), str(finding["command"])]
        service = next(s for s in SERVICES if s.name == item.service)
        found += [service.load_balancer, service.target_group, service.cluster, service.db_instance]
        found += [service.ecs_service]
        found += [f"ip-10-0-3-17.{service.name}.internal", "alice", "123456789012"]
    return sorted({text for text in found if text})
