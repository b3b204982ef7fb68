"""Names shared by the constructs: env-var keys (from the functions' own Settings), handlers, tags."""

from __future__ import annotations

from functions import observability
from functions.settings import Settings

# The env-var keys are Settings' field names; a renamed field fails here at import, not at cold start.
_FIELDS = set(Settings.model_fields)


def env_key(name: str) -> str:
    if name not in _FIELDS:
        raise KeyError(f"{name} is not a field of functions.settings.Settings")
    return name


INCIDENT_TABLE = env_key("INCIDENT_TABLE")
ESCALATION_STATE_MACHINE_ARN = env_key("ESCALATION_STATE_MACHINE_ARN")
NOTIFICATION_TOPICS = env_key("NOTIFICATION_TOPICS")
PAGE_TOPICS = env_key("PAGE_TOPICS")
SLACK_WEBHOOK_SECRET_ID = env_key("SLACK_WEBHOOK_SECRET_ID")
SLACK_SEVERITIES = env_key("SLACK_SEVERITIES")
SERVICES = env_key("SERVICES")
DIAGNOSTICS_BUDGET_SECONDS = env_key("DIAGNOSTICS_BUDGET_SECONDS")
DEAD_LETTER_QUEUE_URL = env_key("DEAD_LETTER_QUEUE_URL")
ACTION_BASE_URL = env_key("ACTION_BASE_URL")
ACTION_SIGNING_SECRET_ID = env_key("ACTION_SIGNING_SECRET_ID")
SLACK_SIGNING_SECRET_ID = env_key("SLACK_SIGNING_SECRET_ID")
POSTMORTEM_BUCKET = env_key("POSTMORTEM_BUCKET")
OPS_TOPIC_ARN = env_key("OPS_TOPIC_ARN")
INTAKE_FUNCTION_NAME = env_key("INTAKE_FUNCTION_NAME")
API_SIGNING_SECRET_ID = env_key("API_SIGNING_SECRET_ID")
# Read by powertools, not by Settings.
POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
LOG_LEVEL = "LOG_LEVEL"

STACK_ID = "RunbookResponder"  # the CLI's stack id: `cdk deploy RunbookResponder`

INTAKE_HANDLER = "functions.handlers.alarm_intake.handler"
ESCALATION_STEP_HANDLER = "functions.handlers.escalation_step.handler"
ACTIONS_HANDLER = "functions.handlers.actions.handler"
STATUS_PAGE_HANDLER = "functions.handlers.status_page.handler"

# The intake's own metrics (functions/observability.py): namespace, service dimension, and the
# count of incidents opened (`Intake_<result>`, functions/handlers/alarm_intake.py).
METRICS_NAMESPACE = "RunbookResponder"
METRICS_SERVICE = "runbook-responder"
INTAKE_OPENED_METRIC = "Intake_opened"
SYNTHETIC_OPENED_METRIC = observability.SYNTHETIC_OPENED_METRIC
SYNTHETIC_PAGED_METRIC = observability.SYNTHETIC_PAGED_METRIC

MARKER_FORMAT = "[runbook-responder rule={rule} severity={severity} scenario={scenario} service={service}]"


def marker(rule: str, severity: str, scenario: str, service: str) -> str:
    """The line the intake parses out of an AlarmDescription (functions/intake/signal.py)."""
    return MARKER_FORMAT.format(rule=rule, severity=severity, scenario=scenario, service=service)
