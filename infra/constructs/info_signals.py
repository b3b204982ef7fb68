"""EventBridge rules that route ECS, RDS and AWS Health events to the intake, derived from the
event policy (`EVENT_POLICY`, policy D7): a detail type is routed when one of its rows does more
than ignore, and its pattern matches exactly those rows (the intake's classifier decides the rest).

Per source, the rules are scoped to what a service config names: ECS events of its ECS service
(the service ARN in `resources`), RDS events of its database (`SourceIdentifier`, bare or with the
`rds:` prefix AWS's own example shows). AWS Health events are account-wide (one rule for all
services): the intake matches their affected entities to a service, or applies D17.

A failed delivery (the function throttled or unavailable past the retries) lands on the delivery
dead-letter queue, so no deployment or maintenance notice is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.policy import RUNBOOK, EventAction, EventRule
from infra.config import ServiceDeployment

SOURCES = {"ecs": "aws.ecs", "rds": "aws.rds", "health": "aws.health"}

Condition = dict[str, list[str]]


def rows_by_detail_type(rules: Sequence[EventRule] = RUNBOOK.event_rules) -> dict[str, list[EventRule]]:
    by_type: dict[str, list[EventRule]] = {}
    for rule in rules:
        by_type.setdefault(rule.detail_type, []).append(rule)
    return by_type


def detail_filter(rows: Sequence[EventRule]) -> dict[str, Any] | None:
    """The `detail` pattern that matches every row that does not ignore: None = route nothing, {} = all."""
    acting = [row for row in rows if row.action is not EventAction.IGNORE]
    if not acting:
        return None
    if any(not row.when for row in acting):
        return {}
    alternatives = _without_subsumed(_merged([{k: list(v) for k, v in row.when.items()} for row in acting]))
    return alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}


def _merged(conditions: list[Condition]) -> list[Condition]:
    """Conditions on one same field become one: {eventName: [A]} + {eventName: [B]} → {eventName: [A, B]}."""
    merged: list[Condition] = []
    single: dict[str, list[str]] = {}
    for condition in conditions:
        if len(condition) == 1:
            ((field, values),) = condition.items()
            if field not in single:
                single[field] = []
                merged.append({field: single[field]})
            single[field].extend(v for v in values if v not in single[field])
        elif condition not in merged:
            merged.append(condition)
    return merged


def _without_subsumed(conditions: list[Condition]) -> list[Condition]:
    """Drop a condition another one already covers (fewer fields, each allowing at least its values)."""

    def covers(general: Condition, specific: Condition) -> bool:
        return general is not specific and all(
            field in specific and set(specific[field]) <= set(values) for field, values in general.items()
        )

    return [c for c in conditions if not any(covers(other, c) for other in conditions)]


def _construct_id(detail_type: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", detail_type.title())


class InfoSignals(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        services: Sequence[ServiceDeployment],
        intake: lambda_.IFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self._target = targets.LambdaFunction(
            intake, dead_letter_queue=dead_letter_queue, retry_attempts=8, max_event_age=Duration.hours(6)
        )
        self.rules: list[events.Rule] = []
        for detail_type, rows in rows_by_detail_type().items():
            detail = detail_filter(rows)
            if detail is None:
                continue
            source = rows[0].source
            if source == "health":
                self._rule(f"health-{_construct_id(detail_type)}", f"{detail_type}s for the services", source,
                           detail_type, detail)  # fmt: skip
                continue
            for service in services:
                self._service_rule(service, source, detail_type, detail)

    def _service_rule(self, service: ServiceDeployment, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        """A rule for the service's own ECS service or DB instance; none for what it does not have."""
        construct_id = f"{service.name}-{_construct_id(detail_type)}"
        if source == "ecs" and service.has("cluster", "ecs_service"):
            service_arn = Stack.of(self).format_arn(
                service="ecs", resource="service", resource_name=f"{service.cluster}/{service.ecs_service}"
            )
            description = f"{detail_type}s of ECS service {service.ecs_service}"
            self._rule(construct_id, description, source, detail_type, detail, resources=[service_arn])
        elif source == "rds" and service.db_instance:
            database = {"SourceIdentifier": [service.db_instance, f"rds:{service.db_instance}"]}
            description = f"{detail_type}s of {service.db_instance}"
            self._rule(construct_id, description, source, detail_type, database | detail)

    def _rule(
        self,
        construct_id: str,
        description: str,
        source: str,
        detail_type: str,
        detail: dict[str, Any],
        resources: list[str] | None = None,
    ) -> None:
        pattern = events.EventPattern(
            source=[SOURCES[source]], detail_type=[detail_type], detail=detail or None, resources=resources
        )
        rule = events.Rule(
            self,
            construct_id,
            description=f"{description}: the event policy's rows that do not ignore (policy D7)"[:512],
            event_pattern=pattern,
            targets=[self._target],
        )
        self.rules.append(rule)
