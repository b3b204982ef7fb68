"""Scenario and severity of a signal, read from the runbook policy. Pure: no AWS."""

import re
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from functions.intake.signal import AlarmState, Signal, SignalSource
from functions.policy import RUNBOOK, AlarmRule, EventAction, Runbook, Severity
from functions.policy.effective import ServicePolicy, service_policy
from functions.services import UNASSIGNED, ServiceConfig


class Action(StrEnum):
    OPEN = "open"
    UPDATE = "update"
    RESOLVE = "resolve"
    TIMELINE = "timeline"  # an event for the open incident's timeline and the recent changes; never opens (D7)
    IGNORE = "ignore"


class Classification(BaseModel, defer_build=True):
    model_config = ConfigDict(frozen=True)

    scenario: str | None
    severity: Severity | None
    service: str | None
    rule: str | None
    action: Action
    basis: str  # why: which marker, metric or policy default decided


_ALARM_ACTIONS = {AlarmState.ALARM: Action.OPEN, AlarmState.OK: Action.RESOLVE}


def classify(signal: Signal, services: Sequence[ServiceConfig], runbook: Runbook = RUNBOOK) -> Classification:
    if signal.source is SignalSource.UNKNOWN:
        return _ignored(signal.reason)
    if signal.source is SignalSource.ALARM:
        return _classify_alarm(signal, owner(signal, services), runbook)
    return _classify_event(signal, services, runbook)


def _ignored(basis: str) -> Classification:
    return Classification(scenario=None, severity=None, service=None, rule=None, action=Action.IGNORE, basis=basis)


def _classify_alarm(signal: Signal, service: ServiceConfig | None, runbook: Runbook) -> Classification:
    action = _ALARM_ACTIONS.get(signal.state, Action.UPDATE) if signal.state else Action.UPDATE
    if service is None:
        return _unassigned(signal, action, runbook)
    rule, basis = _match_rule(signal, service_policy(service, runbook))
    if rule is None:
        return Classification(
            scenario=runbook.unknown_alarm_scenario,
            severity=runbook.unknown_alarm_severity,
            service=service.name,
            rule=None,
            action=action,
            basis=basis,
        )
    return Classification(
        scenario=rule.scenario, severity=rule.severity, service=service.name, rule=rule.rule, action=action, basis=basis
    )


def _unassigned(signal: Signal, action: Action, runbook: Runbook) -> Classification:
    """D8: an alarm that names no configured service opens unassigned at the policy's default."""
    carried = ", ".join(carried_dimensions(signal)) or "no dimensions"
    default = runbook.unknown_alarm_severity.value
    return Classification(
        scenario=runbook.unknown_alarm_scenario,
        severity=runbook.unknown_alarm_severity,
        service=UNASSIGNED,
        rule=None,
        action=action,
        basis=f"names no configured service ({carried}): opened unassigned at the policy default {default} (D8)",
    )


def carried_dimensions(signal: Signal) -> list[str]:
    """What the signal names, for a person to find its owner: `Namespace/Metric Dim=Value`, resources."""
    named = [
        f"{metric.namespace}/{metric.name} " + " ".join(f"{key}={value}" for key, value in metric.dimensions.items())
        for metric in signal.metrics
    ]
    return [line.strip() for line in named] + list(signal.resources)


def _match_rule(signal: Signal, policy: ServicePolicy) -> tuple[AlarmRule | None, str]:
    if signal.marker and signal.marker.rule:
        rule = policy.rule(signal.marker.rule)
        if rule:
            return rule, f"alarm marker rule={rule.rule}"
    for metric in signal.metrics:
        for candidate in policy.rules.values():
            if (metric.namespace, metric.name) in _hints(candidate, metric.namespace):
                return candidate, f"metric {metric.namespace}/{metric.name}"
    default = policy.runbook.unknown_alarm_severity.value
    return None, f"alarm not named by the runbook: policy default {default} (D8)"


def _hints(rule: AlarmRule, namespace: str | None) -> set[tuple[str | None, str]]:
    """`*` in a hint's namespace matches the service's custom namespace, whatever it is called."""
    return {(namespace if ns == "*" else ns, name) for ns, name in rule.metric_hints}


def _classify_event(signal: Signal, services: Sequence[ServiceConfig], runbook: Runbook) -> Classification:
    """The event policy's first row that matches decides (D7); what means breakage is never dropped (D17)."""
    detail_type = signal.detail_type or signal.description
    row = runbook.event_rule(detail_type, signal.event_fields)
    if row is None:
        return _ignored(f"{signal.source.value} event {detail_type!r} has no row in the event policy (D7)")
    basis = f"{row.label}: {row.reason}"
    if row.action is EventAction.IGNORE:
        return _ignored(basis)
    service = owner(signal, services)
    if service is None and row.action is EventAction.TIMELINE:
        return _ignored(f"{signal.source.value} event names no resource of a configured service")
    if service is None:
        basis += "; it names no resource of a configured service, so it opens unassigned (D17)"
    return Classification(
        scenario=row.scenario,
        severity=row.severity,
        service=service.name if service else UNASSIGNED,
        rule=None,
        action=Action.OPEN if row.action is EventAction.OPEN else Action.TIMELINE,
        basis=basis,
    )


_TOKEN_SPLIT = re.compile(r"[/:,\s]+")


def owner(signal: Signal, services: Sequence[ServiceConfig]) -> ServiceConfig | None:
    """The marker's service, else the service whose resource names the signal mentions, else none:
    a signal is never given to a service it does not name (D8, D17)."""
    by_name = {service.name: service for service in services}
    if signal.marker and signal.marker.service in by_name:
        return by_name[signal.marker.service]
    tokens = _signal_tokens(signal)
    for service in services:
        if tokens & service.resource_names():
            return service
    for service in services:
        if signal.name.startswith(f"{service.name}-"):
            return service
    return None


def _signal_tokens(signal: Signal) -> set[str]:
    values: list[str] = list(signal.resources)
    for metric in signal.metrics:
        values.extend(metric.dimensions.values())
        values.append(metric.namespace or "")
    return {token for value in values for token in _TOKEN_SPLIT.split(value) if token}
