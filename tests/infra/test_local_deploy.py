"""`make deploy-local`: the real CDK CLI deploys the stack to a local moto server (slow: ~1.5-2 min)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not (REPO / "node_modules" / ".bin" / "cdk").exists(), reason="run `npm install` first")
@pytest.mark.skipif(shutil.which("npx") is None, reason="needs Node and npx")
def test_cdk_deploy_to_moto() -> None:
    # Given a fresh moto server, When local/deploy.py bootstraps and deploys the stack
    result = subprocess.run(
        [sys.executable, "-m", "local.deploy"], cwd=REPO, capture_output=True, text=True, timeout=900
    )

    # Then the deployment completed and the report shows what the emulator holds
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout[result.stdout.index("{") :])
    resources = report["resources"]
    assert resources["stack_status"] == "CREATE_COMPLETE"
    assert len(resources["topics"]) == 10  # intake, P0-P3, L1-L4, ops
    assert any("Incidents" in table for table in resources["tables"])
    assert sorted(resources["functions"].values()) == [
        "functions.handlers.actions.handler",
        "functions.handlers.alarm_intake.handler",
        "functions.handlers.escalation_step.handler",
        "functions.handlers.status_page.handler",
    ]
    assert len(resources["queues"]) == 2
    # And the sample alarm reached a subscriber of the intake topic intact
    assert report["sample_alarm"]["alarm_name"] == "flask-sre-challenge-no-healthy-targets"
    # And the deployed state machine ran against the deployed table
    assert report["state_machine_run"] == {
        "status": "SUCCEEDED",
        "states": ["WaitForNextStep", "LoadIncident", "IsResolved", "Finished"],
    }
