"""cdk-nag AwsSolutions and cfn-lint pass on the synthesized template."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.infra.conftest import of_type


def test_cdk_nag_has_no_unacknowledged_findings(synthesized) -> None:
    # Given the app synthesized with AwsSolutionsChecks as a validation plugin
    # Then synth did not fail validation, and the report (if any) lists no violation
    assert synthesized.error is None, synthesized.error
    if synthesized.report:
        violations = [
            (v["ruleName"], c["constructPath"])
            for plugin in synthesized.report.get("pluginReports", [])
            for v in plugin.get("violations", [])
            for c in v.get("violatingConstructs", [])
        ]
        assert violations == []


def test_cdk_nag_would_fail_an_unacknowledged_finding(tmp_path) -> None:
    # Given a throwaway app with one plain SQS queue (no DLQ, no TLS policy) and the nag plugin
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Probe")
    sqs.Queue(stack, "Plain")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))

    # When it is synthesized, Then synth fails and the report names the rule
    try:
        app.synth()
    except RuntimeError as error:
        assert "ValidationFailed" in str(error)
    else:
        raise AssertionError("cdk-nag did not fail the synth")
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert "AwsSolutions-SQS3" in rules


def test_cfn_lint_is_clean_with_the_linters_defaults(template, tmp_path) -> None:
    # Given the template as a user's pipeline gets it, in a directory with no .cfnlintrc
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))

    # When the cfn-lint command checks it with its defaults (errors and warnings fail it: exit 2 or 4)
    linter = Path(sys.executable).parent / "cfn-lint"
    completed = subprocess.run([str(linter), str(path)], capture_output=True, text=True, cwd=tmp_path, check=False)

    # Then it reports nothing
    assert (completed.returncode, completed.stdout.strip()) == (0, "")


def test_no_resource_silences_a_cfn_lint_rule(resources) -> None:
    # Then the template is clean because nothing is wrong, not because a check was switched off
    silenced = {key: r["Metadata"]["cfn-lint"] for key, r in resources.items() if "cfn-lint" in r.get("Metadata", {})}
    assert silenced == {}


def test_functions_and_the_state_machine_still_wait_for_their_permissions(resources) -> None:
    # Given the resources that run code with a role of their own
    runners = {**of_type(resources, "AWS::Lambda::Function"), **of_type(resources, "AWS::StepFunctions::StateMachine")}

    # Then each is created after its role's policy (the role itself is ordered by the Role/RoleArn reference)
    for key, runner in runners.items():
        role = runner["Properties"].get("Role", runner["Properties"].get("RoleArn"))["Fn::GetAtt"][0]
        policies = [k for k, r in of_type(resources, "AWS::IAM::Policy").items()
                    if {"Ref": role} in r["Properties"]["Roles"]]  # fmt: skip
        assert policies and set(policies) <= set(runner.get("DependsOn", [])), key
        assert role not in runner.get("DependsOn", []), key
