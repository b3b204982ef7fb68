"""One service's effective policy: the runbook's rules with that service's overrides applied.

Alarms (infra), the classifier, every diagnostic check's verdict and every message text read a
threshold from here, never from their own copy: a service that sets `error-rate-high` to 2 % gets
an alarm at 2 %, a check that calls 2.5 % a warning, and "Error rate above 2%" in its messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from functions.policy.model import AlarmRule, Runbook
from functions.policy.runbook import RUNBOOK
from functions.services import ServiceConfig

_PLACEHOLDER = re.compile(r"\{([a-z0-9-]+)\}")


@dataclass(frozen=True)
class ServicePolicy:
    """The runbook as one service sees it: every rule with that service's overrides applied."""

    service: ServiceConfig
    rules: Mapping[str, AlarmRule]  # every runbook rule, overrides applied (a turned-off rule has enabled=False)
    runbook: Runbook

    def rule(self, name: str) -> AlarmRule | None:
        return self.rules.get(name)

    def threshold(self, name: str) -> float:
        """A rule's threshold for this service (turned off or not: checks still grade by it)."""
        return self.rules[name].threshold

    @property
    def alarm_rules(self) -> tuple[AlarmRule, ...]:
        """The rules this service gets an alarm for: turned on, and watching resources it has."""
        return tuple(rule for rule in self.rules.values() if rule.enabled and self.service.has(*rule.watches))

    @property
    def slo_target_percent(self) -> float:
        return self.service.slo_target_percent

    def text(self, template: str) -> str:
        """`{rule-name}` → that rule's threshold for this service; `{slo}` → the SLO target."""

        def value(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "slo":
                return f"{self.slo_target_percent:g}"
            return f"{self.threshold(key):g}" if key in self.rules else match.group(0)

        return _PLACEHOLDER.sub(value, template)


def service_policy(service: ServiceConfig, runbook: Runbook = RUNBOOK) -> ServicePolicy:
    rules = {rule.rule: _overridden(rule, service) for rule in runbook.alarm_rules}
    return ServicePolicy(service=service, rules=rules, runbook=runbook)


def _overridden(rule: AlarmRule, service: ServiceConfig) -> AlarmRule:
    override = service.rules.get(rule.rule)
    if override is None:
        return rule
    changes = override.model_dump(exclude_none=True, exclude_defaults=True)
    changes.pop("enabled", None)
    return replace(rule, enabled=override.enabled, **changes)
