"""P2 info signals (policy D7): EventBridge rules that send deployments, RDS events and AWS Health
events for the watched services straight to the intake function.

A failed delivery (the function throttled or unavailable past the retries) lands on the
delivery dead-letter queue, so no deployment or maintenance notice is dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import ServiceDeployment

ECS_DETAIL_TYPES = ["ECS Deployment State Change", "ECS Service Action"]
RDS_DETAIL_TYPES = ["RDS DB Instance Event"]
HEALTH_SERVICES = ["RDS", "ECS"]
HEALTH_CATEGORIES = ["scheduledChange", "issue"]


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
        stack = Stack.of(self)
        target = targets.LambdaFunction(
            intake, dead_letter_queue=dead_letter_queue, retry_attempts=8, max_event_age=Duration.hours(6)
        )
        self.rules: list[events.Rule] = []
        for service in services:
            service_arn = stack.format_arn(
                service="ecs", resource="service", resource_name=f"{service.cluster}/{service.ecs_service}"
            )
            self._rule(
                f"{service.name}-ecs",
                f"ECS deployments and service actions of {service.ecs_service}",
                events.EventPattern(source=["aws.ecs"], detail_type=ECS_DETAIL_TYPES, resources=[service_arn]),
                target,
            )
            self._rule(
                f"{service.name}-rds",
                f"RDS instance events of {service.db_instance}",
                events.EventPattern(
                    source=["aws.rds"],
                    detail_type=RDS_DETAIL_TYPES,
                    detail={"SourceIdentifier": [service.db_instance]},
                ),
                target,
            )
        # AWS Health events are account-wide; the intake matches their affected entities to a service.
        self._rule(
            "health",
            "AWS Health scheduled changes and issues for RDS and ECS",
            events.EventPattern(
                source=["aws.health"],
                detail_type=["AWS Health Event"],
                detail={"service": HEALTH_SERVICES, "eventTypeCategory": HEALTH_CATEGORIES},
            ),
            target,
        )

    def _rule(
        self, construct_id: str, description: str, pattern: events.EventPattern, target: events.IRuleTarget
    ) -> None:
        rule = events.Rule(self, construct_id, description=description, event_pattern=pattern, targets=[target])
        self.rules.append(rule)
