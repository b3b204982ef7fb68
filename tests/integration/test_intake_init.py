"""What the intake's cold start loads: nearly every intake invocation is one (alarms are rare).

Each test runs the Lambda's init (import the handler, validate the settings) in a fresh
interpreter, as a new container would, and looks at what it left in memory. No timing here:
benchmarks/cold_start.py prints the figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import ROOT

INIT = """
import json, sys
import functions.handlers.alarm_intake, functions.settings
functions.settings.settings()
from pydantic import BaseModel
from functions import container

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

built = {f"{c.__module__}.{c.__qualname__}" for c in subclasses(BaseModel)
         if c.__module__.startswith("functions.") and c.__pydantic_complete__}
print(json.dumps({"modules": sorted(sys.modules), "built": sorted(built),
                  "clients": container.clients.cache_info().currsize}))
"""

# Only the other functions, or an event the intake rarely sees, need these.
NOT_AT_INIT = (
    "moto",
    "boto3",  # the clients are botocore's: boto3's resources and s3transfer cost ~12 ms of every cold start
    "aws_xray_sdk",  # the powertools Tracer's SDK (~0.5 s); the functions trace with Lambda's active tracing
    "functions.channel",  # the Slack Web API client and the channel keeper: the first P0/P1 needs them
    "functions.notifications.graph",
    "functions.roster.source",
    "functions.roster.model",
    "functions.diagnostics",  # the checks: an opening alarm needs them, a duplicate or an OK does not
    "functions.severity",
    "functions.status_page.render",  # the status page function's
    "functions.status_page.page",
    "functions.status_page.publisher",
    "functions.escalation.step",  # the escalation step's
    "functions.escalation.actions",  # the actions API's
    "functions.escalation.resolution",
    "functions.escalation.postmortem",
    "functions.declared.submit",
    "functions.maintenance.alarm_states",
    # other sources' shapes: an SNS alarm, nearly every intake, needs functions.intake.raw.sns alone
    "functions.intake.raw.eventbridge",
    "functions.intake.raw.alarm_detail",
    "functions.intake.raw.ecs",
    "functions.intake.raw.rds",
    "functions.intake.raw.health",
)


@pytest.fixture(scope="module")
def after_init() -> dict[str, Any]:
    environment = {
        "PATH": "/usr/bin:/bin",
        "INCIDENT_TABLE": "RunbookResponder-IncidentTable-1ABCDEF",
        "SERVICES": json.dumps([{"name": "flask-sre-challenge"}]),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "runbook-responder",
    }
    done = subprocess.run([sys.executable, "-c", INIT], cwd=ROOT, env=environment, capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("module", NOT_AT_INIT)
def test_the_intake_init_leaves_out_what_other_functions_and_rare_events_need(after_init, module: str):
    # Given the intake's init has run in a fresh interpreter
    loaded = after_init["modules"]

    # Then the module is not loaded
    assert [name for name in loaded if name == module or name.startswith(module + ".")] == []


def test_the_intake_init_builds_only_the_validators_it_validates_with(after_init):
    # Given the intake's init has run (the settings are validated there)
    # Then only the settings' validators are built (and triage's Outcome, which does not defer yet);
    # every other model builds its own on first use
    assert set(after_init["built"]) <= {
        "functions.settings.Settings",
        "functions.services.ServiceConfig",
        "functions.triage.Outcome",
    }
    assert "functions.settings.Settings" in after_init["built"]


def test_the_intake_init_creates_no_aws_client(after_init):
    # Then clients wait for the first event that needs them
    assert after_init["clients"] == 0
