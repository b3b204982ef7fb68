"""The SRE runbook as one typed policy: the single source of truth.

The CDK alarms, the intake classifier, the diagnostic checks, the escalation schedule and the
notification templates all read it: `model` holds the types, `runbook` the runbook's own tables
(`RUNBOOK`), `effective` one service's policy (the runbook with that service's overrides from the
config). Where the written runbook is ambiguous, the decision taken is recorded in
`functions/policy.md` and referenced by its number (D1, D2, ...).
"""

from functions.policy.model import (
    DAY,
    HOUR,
    MINUTE,
    AlarmRule,
    Comparison,
    EventAction,
    EventField,
    EventRule,
    EventSource,
    Level,
    LevelPolicy,
    MissingData,
    Resource,
    Runbook,
    Scenario,
    Severity,
    SeverityPolicy,
)
from functions.policy.runbook import (
    ALARM_RULES,
    EVENT_POLICY,
    HEALTH_SERVICES,
    LADDER,
    RUNBOOK,
    SCENARIOS,
    SEVERITIES,
)

__all__ = [
    "ALARM_RULES",
    "DAY",
    "EVENT_POLICY",
    "HEALTH_SERVICES",
    "HOUR",
    "LADDER",
    "MINUTE",
    "RUNBOOK",
    "SCENARIOS",
    "SEVERITIES",
    "AlarmRule",
    "Comparison",
    "EventAction",
    "EventField",
    "EventRule",
    "EventSource",
    "Level",
    "LevelPolicy",
    "MissingData",
    "Resource",
    "Runbook",
    "Scenario",
    "Severity",
    "SeverityPolicy",
]
