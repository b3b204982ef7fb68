"""The contract every diagnostic check follows, and the small helpers the checks share.

A check is a plain typed function in its own module::

    def alb_target_health(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
        \"\"\"What it shows a responder.\"\"\"

with its own `Params` model beside it, a `command(ctx)` that gives the AWS CLI command reproducing
it, `CLIENTS`, the AwsClients attributes it uses, and `NEEDS`, the service resources it reads (a
service without them does not get the check). A check that grades against a runbook threshold
takes it from the service's effective policy through `policy_params(policy) -> Params`; its Params
keep no copy of a threshold. `CheckSpec.of(module)` reads and validates that contract when
the registry is built, so a malformed check fails at import, never silently at alarm time.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from types import ModuleType
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from functions.aws import AwsClients
from functions.incident_store import Change
from functions.policy import Resource, Severity
from functions.policy.effective import ServicePolicy, service_policy
from functions.services import RESOURCE_FIELDS, ServiceConfig, resource


class Status(str, Enum):  # noqa: UP042 - the shape the incident record stores
    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"


class Finding(BaseModel, defer_build=True):
    """One check's verdict: the status, one line a human can act on, and the evidence behind it."""

    check: str
    status: Status
    summary: str
    evidence: dict[str, Any] = {}
    command: str = ""
    duration_ms: int = 0


class RecordedChanges:
    """The service's recorded ECS/RDS/Health events up to the incident, oldest first.

    The Diagnoser starts reading them beside the checks; a check that needs them waits for them
    only when it asks (after its own AWS calls), so the read stays off the first response's
    longest chain of calls.
    """

    def __init__(self, read: Callable[[], list[Change]] = list) -> None:
        self._read = read

    @classmethod
    def of(cls, changes: Iterable[Change]) -> RecordedChanges:
        listed = list(changes)
        return cls(lambda: listed)

    def get(self) -> list[Change]:
        return self._read()


T = TypeVar("T")


class SharedReads:
    """Reads that two checks of one run both need (ECS DescribeServices: the service's state and its
    deployments): the first to ask makes the call, the other waits for the same answer or error."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reads: dict[tuple[str, ...], Future[Any]] = {}

    def once(self, key: tuple[str, ...], read: Callable[[], T]) -> T:
        with self._lock:
            future, mine = self._reads.get(key), False
            if future is None:
                future, mine = self._reads.setdefault(key, Future()), True
        if mine:
            try:
                future.set_result(read())
            except Exception as error:  # the other check gets the same error, to report as its own
                future.set_exception(error)
        return typing.cast(T, future.result())


class CheckContext(BaseModel, defer_build=True):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    incident_id: str
    scenario: str
    severity: Severity
    service: ServiceConfig
    now: datetime
    opened_at: datetime
    alarm_names: list[str] = []
    changes: RecordedChanges = Field(default_factory=RecordedChanges)
    reads: SharedReads = Field(default_factory=SharedReads)


def describe_service(ctx: CheckContext, clients: AwsClients) -> dict[str, Any]:
    """ECS DescribeServices of the incident's service, once per run: ecs_service and recent_deployments
    both read it, side by side."""
    cluster, service = resource(ctx.service.cluster, "cluster"), resource(ctx.service.ecs_service, "ecs_service")
    return ctx.reads.once(
        ("ecs.describe_services", cluster, service),
        lambda: clients.ecs.describe_services(cluster=cluster, services=[service]),
    )


class Params(BaseModel, defer_build=True):
    """Base of every check's parameters: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


CheckFunction = Callable[[CheckContext, AwsClients, Any], Finding]
CommandFunction = Callable[[CheckContext], str]
PolicyParams = Callable[[ServicePolicy], Params]
_RESOURCES = {*RESOURCE_FIELDS, "health_url"}


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: the function, its Params type, its CLI command and the clients it uses."""

    name: str
    run: CheckFunction
    params: type[Params]
    command: CommandFunction
    clients: tuple[str, ...]
    doc: str
    needs: tuple[Resource, ...] = ()
    policy_params: PolicyParams | None = None

    def applies_to(self, service: ServiceConfig) -> bool:
        return service.has(*self.needs)

    def params_for(self, service: ServiceConfig) -> Params:
        """The check's parameters for this service: its thresholds from the service's effective policy."""
        return self.policy_params(service_policy(service)) if self.policy_params else self.params()

    @classmethod
    def of(cls, module: ModuleType) -> CheckSpec:
        """Read a check module's contract; raise TypeError at import time if it is broken."""
        name = module.__name__.rsplit(".", 1)[-1]
        run = getattr(module, name, None)
        params = getattr(module, "Params", None)
        command = getattr(module, "command", None)
        clients = getattr(module, "CLIENTS", None)
        needs = getattr(module, "NEEDS", None)
        policy_params = getattr(module, "policy_params", None)
        if not callable(run) or not callable(command):
            raise TypeError(f"{module.__name__} must define the check {name}() and command()")
        if not (isinstance(params, type) and issubclass(params, Params)):
            raise TypeError(f"{module.__name__}.Params must subclass functions.diagnostics.base.Params")
        if not isinstance(clients, tuple) or not all(hasattr(AwsClients, c) for c in clients):
            raise TypeError(f"{module.__name__}.CLIENTS must be a tuple of AwsClients attributes")
        if not isinstance(needs, tuple) or not set(needs) <= _RESOURCES:
            raise TypeError(f"{module.__name__}.NEEDS must be a tuple of service resources: {sorted(_RESOURCES)}")
        hints = typing.get_type_hints(run)
        expected = {"ctx": CheckContext, "clients": AwsClients, "params": params, "return": Finding}
        if hints != expected:
            raise TypeError(
                f"{module.__name__}.{name} must be (ctx: CheckContext, clients: AwsClients, "
                f"params: Params) -> Finding, found {hints}"
            )
        if not (run.__doc__ or "").strip():
            raise TypeError(f"{module.__name__}.{name} needs a docstring: it is the responder-facing doc")
        return cls(
            name=name,
            run=run,
            params=params,
            command=command,
            clients=clients,
            doc=(run.__doc__ or "").strip(),
            needs=needs,
            policy_params=policy_params,
        )


_ORDER = {Status.OK: 0, Status.UNKNOWN: 1, Status.WARNING: 2, Status.CRITICAL: 3}


def worst(statuses: Iterable[Status]) -> Status:
    """The most alarming status; OK when there is none."""
    return max(statuses, key=_ORDER.__getitem__, default=Status.OK)


def grade(value: float, warning: float, critical: float, *, higher_is_worse: bool = True) -> Status:
    """OK / WARNING / CRITICAL for a value against two thresholds (critical checked first)."""
    if higher_is_worse:
        return Status.CRITICAL if value >= critical else Status.WARNING if value >= warning else Status.OK
    return Status.CRITICAL if value <= critical else Status.WARNING if value <= warning else Status.OK


def ago(then: datetime, now: datetime) -> str:
    """'3 min', '2 h 5 min', '4 d' — how long before `now` `then` was (negative means after)."""
    seconds = int((now - then).total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{sign}{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{sign}{hours} h {minutes % 60} min"
    return f"{sign}{hours // 24} d"


def counted(counts: Mapping[str, int]) -> str:
    """{'unhealthy': 2, 'draining': 1} → '2 unhealthy, 1 draining' (zero counts left out)."""
    return ", ".join(f"{n} {label}" for label, n in counts.items() if n)
