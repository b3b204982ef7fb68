"""The deployment's configuration: which service(s) the responder watches and how it is deployed.

Sources, later ones winning:
1. `responder.config.json` at the repo root, or the file named by context `-c config=path`
   (`make synth CONFIG=path`), or by `$RESPONDER_CONFIG`;
2. context `-c services=...` (a JSON list of service objects, or of plain names) and `-c stage=...`.

Nothing defaults to any service's names: a service has the resources its entry names, and only
those. `"naming": "runbook"` asks for the runbook's naming (`<name>-alb`, `<name>-tg`, ...) for every
resource the entry leaves out; `null` then still says "this service has none".

Everything is validated by pydantic before the app builds anything; `ConfigError` carries a
one-line message naming the source and the first problem.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from functions.policy import Level, Severity
from functions.roster.model import Roster, dump_roster, error_line, problem
from functions.services import ServiceConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = REPO_ROOT / "responder.config.json"
CONFIG_ENV = "RESPONDER_CONFIG"  # the config file, when neither `-c config=` nor `--config` names one

# Placeholder ids for the ALB / target group dimension values: the real ones are the suffix of the
# resources' ARNs (`aws elbv2 describe-load-balancers --names <lb>`); app.py warns while they are in use.
PLACEHOLDER_ID = "0000000000000000"
# `reserved_concurrency: auto`: a slot per service for its first response (~0.8 s) when every
# service alarms at once, and five for the joins and link clicks arriving meanwhile.
RESERVED_BASE = 5
MAX_RESERVED = 100

SUBSCRIPTION_KEYS = {s.value for s in Severity} | {lv.value for lv in Level} | {"ops"}
# CloudWatch Logs retention choices (days) and their aws_logs.RetentionDays member names.
LOG_RETENTION = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
    60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
    365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS",
    1096: "THREE_YEARS", 1827: "FIVE_YEARS", 3653: "TEN_YEARS",
}  # fmt: skip
# An SSM parameter's value: up to 4 KB in the standard tier, 8 KB in the advanced one.
SSM_STANDARD_VALUE_BYTES = 4096
SSM_ADVANCED_VALUE_BYTES = 8192
_SSM_PARAMETER_NAME = r"^(/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$"


class ConfigError(Exception):
    """A one-line, user-facing configuration problem: `<source>: <problem>`."""


class ServiceDeployment(ServiceConfig):
    """A watched service: the runtime's `ServiceConfig` plus what only the alarms need."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    naming: Literal["runbook"] | None = Field(
        default=None, description="fill every resource the entry leaves out with the runbook's naming"
    )
    load_balancer_full_name: str = Field(
        default="", pattern=r"^(app/[A-Za-z0-9-]+/[0-9a-f]+)?$", description="LoadBalancer dimension: app/<name>/<id>"
    )
    target_group_full_name: str = Field(
        default="",
        pattern=r"^(targetgroup/[A-Za-z0-9-]+/[0-9a-f]+)?$",
        description="TargetGroup dimension: targetgroup/<name>/<id>",
    )
    db_connection_error_pattern: str = Field(
        default='?"could not connect to server" ?"Connection refused" ?"OperationalError" ?"Too many connections"',
        min_length=1,
        description="CloudWatch Logs filter pattern counted as DatabaseConnectionErrors",
    )
    slow_query_pattern: str = Field(
        default='?"slow query" ?"Slow query"', min_length=1, description="filter pattern counted as SlowQueryCount"
    )

    @classmethod
    def from_arns(cls, data: dict[str, Any]) -> dict[str, Any]:
        """An ALB or target group ARN also gives the dimension CloudWatch needs (`app/<name>/<id>`)."""
        named = dict(data)
        for field, full, kind in (("load_balancer", "load_balancer_full_name", "loadbalancer/"),
                                  ("target_group", "target_group_full_name", "")):  # fmt: skip
            value = named.get(field)
            if isinstance(value, str) and value.startswith("arn:") and not named.get(full):
                dimension = value.split(":", 5)[-1].removeprefix(kind)
                named[full] = dimension
        if named.get("naming") == "runbook" and isinstance(named.get("name"), str):
            named = runbook_names(named["name"]) | named
        return super().from_arns(named)

    @model_validator(mode="after")
    def _default_dimension_names(self) -> ServiceDeployment:
        if self.load_balancer and not self.load_balancer_full_name:
            object.__setattr__(self, "load_balancer_full_name", f"app/{self.load_balancer}/{PLACEHOLDER_ID}")
        if self.target_group and not self.target_group_full_name:
            object.__setattr__(self, "target_group_full_name", f"targetgroup/{self.target_group}/{PLACEHOLDER_ID}")
        return self

    @classmethod
    def named(cls, name: str) -> ServiceDeployment:
        """A service that follows the runbook's naming: `<name>-alb`, `<name>-tg`, `/ecs/<name>`, ..."""
        return cls.model_validate({"name": name, "naming": "runbook"})

    def runtime(self) -> ServiceConfig:
        """The part the functions read (the SERVICES env var): exactly the ServiceConfig fields."""
        return ServiceConfig.model_validate(self.model_dump(include=set(ServiceConfig.model_fields)))

    def placeholders(self) -> list[str]:
        return [
            field
            for field in ("load_balancer_full_name", "target_group_full_name")
            if getattr(self, field).endswith(f"/{PLACEHOLDER_ID}")
        ]


def runbook_names(name: str) -> dict[str, str]:
    """The runbook's naming for a service called `name`: `<name>-alb`, `<name>-tg`, `/ecs/<name>`, ..."""
    return {
        "load_balancer": f"{name}-alb",
        "target_group": f"{name}-tg",
        "cluster": f"{name}-cluster",
        "ecs_service": f"{name}-service",
        "db_instance": f"{name}-db",
        "log_group": f"/ecs/{name}",
        "namespace": "".join(part.capitalize() for part in name.split("-")),
    }


class SyntheticTest(BaseModel):
    """The daily end-to-end test: a fake alarm published to the intake topic (see docs/deploy.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    schedule: str = Field(default="cron(0 9 * * ? *)", pattern=r"^(cron|rate|at)\(.+\)$", description="the ALARM")
    ok_schedule: str = Field(default="cron(5 9 * * ? *)", pattern=r"^(cron|rate|at)\(.+\)$", description="the OK")
    service: str = Field(default="responder-synthetic", pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
    rule: str = "latency-rise"

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, rule: str) -> str:
        from functions.policy import RUNBOOK

        if RUNBOOK.rule(rule) is None:
            raise ValueError(f"unknown rule {rule!r}; use one of functions.policy.ALARM_RULES")
        return rule


class ResponderConfig(BaseModel):
    """One deployment of the responder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: str = Field(default="dev", pattern=r"^[a-z][a-z0-9-]{0,15}$")
    services: tuple[ServiceDeployment, ...] = Field(min_length=1, max_length=20)
    alert_emails: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="email subscriptions per topic: P0..P3, L1..L4, ops"
    )
    slack_severities: tuple[Severity, ...] = (Severity.P0, Severity.P1, Severity.P2, Severity.P3)
    architecture: Literal["arm64", "x86_64"] = "arm64"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_retention_days: int = 30
    reserved_concurrency: int | Literal["auto"] | None = Field(
        default="auto",
        description=(
            "intake and actions: 'auto' reserves 5 + 1 per service (an alarm storm on every service at once, "
            "README 'Concurrency at AWS scale'), a number reserves that many, null reserves none "
            "(accounts with a 10-concurrency quota)"
        ),
    )
    diagnostics_budget_seconds: float = Field(default=10.0, gt=0, le=60)
    deletion_protection: bool = True
    action_base_url: str = Field(default="", description="overrides the HTTP API URL in one-click links")
    synthetic_test: SyntheticTest = SyntheticTest()
    roster: Roster | None = Field(
        default=None, description="the on-call roster (functions/roster); the stack writes it to an SSM parameter"
    )
    roster_parameter: str = Field(
        default="",
        max_length=1011,
        pattern=_SSM_PARAMETER_NAME,
        description="instead of `roster`: an SSM parameter you keep yourself (String or SecureString)",
    )

    @field_validator("reserved_concurrency", mode="before")
    @classmethod
    def _reservable(cls, value: Any) -> Any:
        if value is None or value == "auto" or (type(value) is int and 1 <= value <= MAX_RESERVED):
            return value
        raise ValueError(f'expected "auto", a number from 1 to {MAX_RESERVED} or null, got {json.dumps(value)}')

    @field_validator("alert_emails")
    @classmethod
    def _known_topics(cls, emails: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for key, addresses in emails.items():
            if key not in SUBSCRIPTION_KEYS:
                raise ValueError(f"unknown topic {key!r}; expected one of {sorted(SUBSCRIPTION_KEYS)}")
            for address in addresses:
                if "@" not in address or address.startswith("@") or address.endswith("@"):
                    raise ValueError(f"{key}: {address!r} is not an email address")
        return emails

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, days: int) -> int:
        if days not in LOG_RETENTION:
            raise ValueError(f"{days} is not a CloudWatch Logs retention; use one of {sorted(LOG_RETENTION)}")
        return days

    @model_validator(mode="after")
    def _unique_services(self) -> ResponderConfig:
        names = [service.name for service in self.services]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"service names must be unique: {', '.join(duplicates)}")
        if self.synthetic_test.enabled and self.synthetic_test.service in names:
            raise ValueError(f"synthetic_test.service {self.synthetic_test.service!r} is a real service's name")
        return self

    @model_validator(mode="after")
    def _one_roster_that_fits(self) -> ResponderConfig:
        if self.roster is None and not self.roster_parameter:
            raise problem(
                "missing: nobody would be on call at L1..L4; add roster (people and a rotation per level) "
                "or roster_parameter (an SSM parameter holding one)",
                "roster",
            )
        if self.roster is not None and self.roster_parameter:
            raise problem(
                "give either roster (the stack writes it to SSM) or roster_parameter (one you keep), not both",
                "roster_parameter",
            )
        size = len(self.roster_json().encode()) if self.roster is not None else 0
        if size > SSM_ADVANCED_VALUE_BYTES:
            raise problem(
                f"{size} bytes as JSON; an SSM parameter holds at most {SSM_ADVANCED_VALUE_BYTES} "
                "(drop past overrides, or keep the roster in roster_parameter)",
                "roster",
            )
        return self

    @property
    def reserved_executions(self) -> int | None:
        """The intake's and the actions function's reserved concurrency, `auto` resolved."""
        if self.reserved_concurrency == "auto":
            return min(MAX_RESERVED, RESERVED_BASE + len(self.services))
        return self.reserved_concurrency

    def roster_json(self) -> str:
        """The SSM parameter's value: the roster as compact JSON (empty without a roster)."""
        return dump_roster(self.roster) if self.roster is not None else ""

    def runtime_services(self) -> list[dict[str, Any]]:
        """The SERVICES env var: the watched services, then the synthetic test's own service."""
        services = [service.runtime() for service in self.services]
        if self.synthetic_test.enabled:
            services.append(ServiceConfig(name=self.synthetic_test.service, synthetic=True))
        return [service.model_dump(mode="json", exclude_none=True) for service in services]

    @model_validator(mode="after")
    def _real_dimensions_beyond_dev(self) -> ResponderConfig:
        if self.stage != "dev" and (placeholders := self.placeholder_warnings()):
            raise ValueError(f"stage {self.stage!r} needs real load balancer ids: {placeholders[0]}")
        return self

    def placeholder_warnings(self) -> list[str]:
        return [
            f"services[{index}].{field} {getattr(service, field)!r} is a placeholder and its alarms would never "
            f"fire; give the id from `aws elbv2 describe-{'load-balancers' if 'balancer' in field else 'target-groups'}"
            f" --names {service.load_balancer if 'balancer' in field else service.target_group}` or run "
            "`responder discover`"
            for index, service in enumerate(self.services)
            for field in service.placeholders()
        ]

    def roster_warnings(self) -> list[str]:
        if self.roster is None:
            return []
        fictional = self.roster.fictional_people()
        if not fictional:
            return []
        return [f"roster.people {', '.join(fictional)}: fictional 555-01xx numbers (the example); put your team in"]


def _services_from_context(value: Any) -> list[Any]:
    """`-c services=...` arrives as a string: a JSON list, or comma-separated names."""
    if isinstance(value, str):
        text = value.strip()
        names = [name.strip() for name in text.split(",") if name.strip()]
        value = json.loads(text) if text.startswith("[") else names
    if not isinstance(value, list):
        raise ValueError("expected a JSON list of services (objects or names)")
    return [ServiceDeployment.named(item).model_dump() if isinstance(item, str) else item for item in value]


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON: {error.msg} (line {error.lineno})") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object, got a JSON {type(data).__name__}")
    return data


def load_config(context: Mapping[str, Any] | None = None) -> ResponderConfig:
    """The validated configuration from the CDK context (`app.node.try_get_context`)."""
    context = context or {}
    explicit = context.get("config") or os.environ.get(CONFIG_ENV) or None
    path = Path(str(explicit)) if explicit else DEFAULT_CONFIG_FILE
    if explicit and not path.is_absolute():
        path = Path.cwd() / path
    source = str(path)
    raw: dict[str, Any] = {}
    if explicit or path.exists():
        if not path.exists():
            raise ConfigError(f"{path}: no such config file")
        raw = _read_file(path)
    try:
        if context.get("services") is not None:
            source = "-c services"
            raw["services"] = _services_from_context(context["services"])
        if context.get("stage") is not None:
            raw["stage"] = context["stage"]
        return ResponderConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(f"{source}: {error_line(error)}") from None
    except ValueError as error:
        raise ConfigError(f"{source}: {error}") from None
