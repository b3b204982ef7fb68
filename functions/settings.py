"""Runtime settings from the function's environment, validated once at cold start.

Secrets are never here: only the *names* of the Secrets Manager secret / SSM parameter
that hold them, read at run time.
"""

import os
from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, Json, ValidationError

from functions.policy import Level, Severity
from functions.services import UNASSIGNED, ServiceConfig
from functions.validation import error_line


class SettingsError(Exception):
    """The function's configuration is wrong: raised at cold start with every problem named."""


class Settings(BaseModel, defer_build=True):
    model_config = ConfigDict(frozen=True, extra="ignore")

    INCIDENT_TABLE: str = Field(min_length=1)
    ESCALATION_STATE_MACHINE_ARN: str = ""
    NOTIFICATION_TOPICS: Json[dict[Severity, str]] = Field(default_factory=dict)
    PAGE_TOPICS: Json[dict[Level, str]] = Field(default_factory=dict)
    SLACK_SEVERITIES: Json[list[Severity]] = Field(
        default_factory=lambda: [Severity.P0, Severity.P1, Severity.P2, Severity.P3]
    )
    SLACK_WEBHOOK_SECRET_ID: str = ""
    SLACK_WEBHOOK_PARAMETER: str = ""
    SERVICES: Json[tuple[ServiceConfig, ...]] = ()
    DIAGNOSTICS_BUDGET_SECONDS: float = Field(default=10.0, gt=0, le=60)
    DEAD_LETTER_QUEUE_URL: str = ""
    ACTION_BASE_URL: str = ""
    ACTION_SIGNING_SECRET_ID: str = ""
    SLACK_SIGNING_SECRET_ID: str = ""
    POSTMORTEM_BUCKET: str = ""
    OPS_TOPIC_ARN: str = ""
    INTAKE_FUNCTION_NAME: str = ""  # the actions API hands declarations and windows to the intake
    API_SIGNING_SECRET_ID: str = ""  # signed POST /incidents and /maintenance (responder declare, scripts)
    STATUS_PAGE_BUCKET: str = ""  # the status page function's only target (index.html, status.json)
    SLACK_BOT_TOKEN_SECRET_ID: str = ""  # the incident channels' Slack app bot token (xoxb-...)
    SLACK_API_URL: str = "https://slack.com/api/"
    ROSTER_PARAMETER: str = ""  # the SSM parameter holding the on-call roster (D15)

    def service_names(self) -> list[str]:
        return [service.name for service in self.SERVICES]

    def service(self, name: str | None) -> ServiceConfig:
        for service in self.SERVICES:
            if service.name == name:
                return service
        return ServiceConfig(name=name or UNASSIGNED)  # owns nothing: no checks, no resources in messages


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    try:
        return Settings.model_validate({k: v for k, v in env.items() if k in Settings.model_fields})
    except ValidationError as error:
        raise SettingsError(f"invalid function configuration: {error_line(error, model=Settings)}") from None


@cache
def settings() -> Settings:
    return load_settings()
