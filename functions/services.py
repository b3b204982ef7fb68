"""The services the responder watches: the resources each has, and its own thresholds.

Every resource is optional: a service without a database simply has no `db_instance`, and then
gets no database alarm, check or line in a message. Nothing here defaults to any service's names.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from functions.policy.model import Resource, Severity

SERVICE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$"
UNASSIGNED = "unassigned"  # the owner of an alarm that names no configured service's resources

# CloudWatch metric periods: 10, 30, or a multiple of 60 seconds.
_PERIODS = "10, 30 or a multiple of 60"


class RuleOverride(BaseModel, defer_build=True):
    """A service's change to one runbook alarm rule (`services[].rules.<rule>` in the config)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    threshold: float | None = None
    severity: Severity | None = None
    period_seconds: int | None = Field(default=None, gt=0, le=86400)
    evaluation_periods: int | None = Field(default=None, ge=1, le=100)
    datapoints_to_alarm: int | None = Field(default=None, ge=1, le=100)

    @field_validator("period_seconds")
    @classmethod
    def _cloudwatch_period(cls, seconds: int | None) -> int | None:
        if seconds is not None and seconds not in (10, 30) and seconds % 60:
            raise ValueError(f"{seconds} is not a CloudWatch period; use {_PERIODS} seconds")
        return seconds


# A full ARN pasted where a name is expected: the name is the part CloudWatch and the CLI use.
_ELB = r"^arn:[^:]+:elasticloadbalancing:[^:]*:\d*:"
_ARN_NAMES: dict[str, str] = {
    "load_balancer": _ELB + r"loadbalancer/(?:app|net)/([^/]+)/[0-9a-f]+$",
    "target_group": _ELB + r"targetgroup/([^/]+)/[0-9a-f]+$",
    "cluster": r"^arn:[^:]+:ecs:[^:]*:\d*:cluster/([^/]+)$",
    "ecs_service": r"^arn:[^:]+:ecs:[^:]*:\d*:service/(?:[^/]+/)?([^/]+)$",
    "db_instance": r"^arn:[^:]+:rds:[^:]*:\d*:db:([^:]+)$",
    "log_group": r"^arn:[^:]+:logs:[^:]*:\d*:log-group:([^:]+?)(?::\*)?$",
}
RESOURCE_FIELDS: tuple[Resource, ...] = (
    "load_balancer", "target_group", "cluster", "ecs_service", "db_instance", "log_group", "namespace",
)  # fmt: skip


class ServiceConfig(BaseModel, defer_build=True):
    """One service: its name, the AWS resources it has (each optional), its SLO and rule overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=SERVICE_NAME_PATTERN)
    load_balancer: str | None = Field(default=None, description="the ALB's name")
    target_group: str | None = Field(default=None, description="the target group's name")
    cluster: str | None = Field(default=None, description="the ECS cluster's name")
    ecs_service: str | None = Field(default=None, description="the ECS service's name")
    db_instance: str | None = Field(default=None, description="the RDS DB instance identifier")
    log_group: str | None = Field(default=None, description="the application's CloudWatch Logs group")
    namespace: str | None = Field(default=None, description="the application's own CloudWatch metric namespace")
    health_url: HttpUrl | None = None
    slo_target_percent: float = Field(default=99.9, gt=0, lt=100, description="availability SLO, for burn rates")
    rules: dict[str, RuleOverride] = Field(default_factory=dict, description="runbook rule name → override")
    synthetic: bool = Field(
        default=False, description="the responder's own daily end-to-end test: every message goes to the ops topic"
    )

    @model_validator(mode="before")
    @classmethod
    def _names_from_arns(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return cls.from_arns(data)

    @classmethod
    def from_arns(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Where a full ARN was pasted, keep the name the runbook's commands and CloudWatch use."""
        named = dict(data)
        for field, pattern in _ARN_NAMES.items():
            value = named.get(field)
            if not isinstance(value, str) or not value.strip().startswith("arn:"):
                continue  # compiled for an ARN only: a cold start validating names compiles nothing
            if match := re.match(pattern, value.strip()):
                named[field] = match.group(1)
        return named

    @field_validator(*RESOURCE_FIELDS)
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("empty; leave the field out (or null) when the service has no such resource")
        if value is not None and value.startswith("arn:"):
            raise ValueError("an ARN of another kind of resource; give the resource's name")
        return value.strip() if value is not None else None

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: dict[str, RuleOverride]) -> dict[str, RuleOverride]:
        from functions.policy.runbook import RUNBOOK

        unknown = sorted(set(rules) - {rule.rule for rule in RUNBOOK.alarm_rules})
        if unknown:
            known = ", ".join(rule.rule for rule in RUNBOOK.alarm_rules)
            raise ValueError(f"{', '.join(map(repr, unknown))} is not a runbook rule; the rules are {known}")
        return rules

    def has(self, *resources: Resource) -> bool:
        """True when the service has every one of these resources."""
        return all(getattr(self, resource) for resource in resources)

    def resource_names(self) -> frozenset[str]:
        """Names that, found in an alarm's dimensions or an event's resources, mean this service."""
        names = {self.name, *(getattr(self, field) for field in RESOURCE_FIELDS)}
        return frozenset(name for name in names if name)

    def affected_systems(self, kinds: tuple[str, ...]) -> list[str]:
        """The runbook's "Affected Systems" lines for the resource kinds a scenario names, those it has."""
        labels = {
            "alb": f"ALB target group {self.target_group}" if self.target_group else (
                f"load balancer {self.load_balancer}" if self.load_balancer else None),
            "ecs": f"ECS service {self.ecs_service} (cluster {self.cluster})" if self.has("cluster", "ecs_service")
            else None,
            "rds": f"RDS instance {self.db_instance}" if self.db_instance else None,
            "logs": f"log group {self.log_group}" if self.log_group else None,
        }  # fmt: skip
        return [label for kind in kinds if (label := labels.get(kind))]


def resource(value: str | None, field: str) -> str:
    """A resource a check or command needs: the caller has already checked the service has it."""
    if not value:
        raise ValueError(f"the service has no {field}")
    return value
