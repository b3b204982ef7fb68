"""cdk-nag AwsSolutions and cfn-lint pass on the synthesized template."""

from __future__ import annotations

import json

from cfnlint.api import lint

# W3005 (redundant DependsOn) is CDK's doing: it adds explicit DependsOn next to implicit Ref/GetAtt.
IGNORED_CFN_LINT_RULES = {"W3005"}


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


def test_cfn_lint_is_clean(template) -> None:
    # When cfn-lint checks the template (its default rules: errors and warnings, as the CLI does)
    matches = lint(json.dumps(template))

    # Then nothing is reported but the ignored rules
    problems = [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches
                if m.rule.id not in IGNORED_CFN_LINT_RULES]  # fmt: skip
    assert problems == []
