"""One synthesized template for the whole infra suite (jsii start-up and synth cost ~4 s once).

The app is built with cdk-nag's AwsSolutions plugin attached, bundling skipped and the built-in
CloudFormation validation off; the template file and nag's validation report are both read from
the cloud assembly, so one synth serves the template assertions and the nag test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from functions.policy import RUNBOOK
from infra.config import ResponderConfig, load_config
from infra.names import STACK_ID


@dataclass(frozen=True)
class Synthesized:
    template: dict[str, Any]
    report: dict[str, Any] | None
    error: str | None
    config: ResponderConfig


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    from infra.synth import build_app

    outdir = tmp_path_factory.mktemp("cdk-out")
    app, _stack = build_app(outdir=str(outdir), nag=True)
    error = None
    try:
        app.synth()
    except RuntimeError as exc:  # cdk-nag findings fail validation at synth
        error = str(exc)
    template = json.loads((Path(outdir) / f"{STACK_ID}.template.json").read_text())
    report_path = Path(outdir) / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return Synthesized(template=template, report=report, error=error, config=load_config({}))


@pytest.fixture(scope="session")
def template(synthesized: Synthesized) -> dict[str, Any]:
    return synthesized.template


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(template["Resources"])


def of_type(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {key: value for key, value in resources.items() if value["Type"] == kind}


@pytest.fixture(scope="session")
def alarms_by_name(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    alarms = {}
    for resource in resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::CloudWatch::Alarm" and isinstance(props.get("AlarmName"), str):
            alarms[props["AlarmName"]] = props
        if resource["Type"] == "AWS::CloudWatch::CompositeAlarm":
            alarms[props["AlarmName"]] = props
    return alarms


@pytest.fixture(scope="session")
def runbook():
    return RUNBOOK


def logical_id(resources: dict[str, dict[str, Any]], kind: str, contains: str) -> str:
    matches = [key for key, value in resources.items() if value["Type"] == kind and contains in key]
    assert len(matches) == 1, f"{kind} with {contains!r}: {matches}"
    return matches[0]
