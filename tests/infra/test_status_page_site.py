"""The status page site on a stack of its own: private bucket, CloudFront with OAC, strict headers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint

from functions.incident_store import STATUS_PAGE_PK
from functions.status_page.render import content_security_policy

from .conftest import of_type


@dataclass(frozen=True)
class Synth:
    resources: dict[str, dict[str, Any]]
    template: dict[str, Any]
    report: dict[str, Any] | None
    error: str | None


def _synth(outdir: Path, stack_id: str, build: Any, nag: bool = True) -> Synth:
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, stack_id, env=cdk.Environment(account="123456789012", region="us-east-1"))
    build(stack)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    error = None
    try:
        app.synth()
    except RuntimeError as exc:  # cdk-nag findings fail validation at synth
        error = str(exc)
    template = json.loads((outdir / f"{stack_id}.template.json").read_text())
    report_path = outdir / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    return Synth(dict(template["Resources"]), template, report, error)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Synth:
    from infra.constructs.status_page import StatusPageSite

    return _synth(tmp_path_factory.mktemp("site"), "StatusPageSite", lambda stack: StatusPageSite(stack, "StatusPage"))


@pytest.fixture(scope="module")
def custom_domain(tmp_path_factory) -> Synth:
    from aws_cdk import aws_certificatemanager as acm

    from infra.constructs.status_page import StatusPageSite

    def build(stack: Any) -> None:
        arn = "arn:aws:acm:us-east-1:123456789012:certificate/0b7b4c1e-1111-2222-3333-444455556666"
        certificate = acm.Certificate.from_certificate_arn(stack, "Certificate", arn)
        StatusPageSite(stack, "StatusPage", domain_names=["status.example.com"], certificate=certificate)

    return _synth(tmp_path_factory.mktemp("domain"), "StatusPageDomain", build)


@pytest.fixture(scope="module")
def wiring(tmp_path_factory) -> Synth:
    """The helpers the main stack uses: a function fed by the stream, allowed to publish."""
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_lambda_event_sources as event_sources
    from aws_cdk import aws_sqs as sqs

    from infra.constructs.status_page import StatusPageSite, status_page_event_source

    def build(stack: Any) -> None:
        site = StatusPageSite(stack, "StatusPage")
        table = dynamodb.Table(
            stack, "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        )  # fmt: skip
        function = lambda_.Function(
            stack, "Publisher", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
        )  # fmt: skip
        failures = sqs.Queue(stack, "Failures")
        function.add_event_source(status_page_event_source(table, event_sources.SqsDlq(failures)))
        site.grant_publish(function)

    return _synth(tmp_path_factory.mktemp("wiring"), "StatusPageWiring", build, nag=False)


def only(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, Any]:
    (resource,) = of_type(resources, kind).values()
    return dict(resource["Properties"])


def bucket_id(resources: dict[str, dict[str, Any]]) -> str:
    (key,) = of_type(resources, "AWS::S3::Bucket")
    return key


def test_the_distribution_reads_the_bucket_through_origin_access_control(site):
    # Given the synthesized site
    oac = only(site.resources, "AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"]
    (oac_id,) = of_type(site.resources, "AWS::CloudFront::OriginAccessControl")
    (origin,) = only(site.resources, "AWS::CloudFront::Distribution")["DistributionConfig"]["Origins"]

    # Then CloudFront signs every origin request (SigV4) with an OAC, not a legacy OAI
    assert oac["OriginAccessControlOriginType"] == "s3"
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert origin["DomainName"] == {"Fn::GetAtt": [bucket_id(site.resources), "RegionalDomainName"]}


def test_the_bucket_is_private_encrypted_and_no_website(site):
    bucket = only(site.resources, "AWS::S3::Bucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }  # fmt: skip
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    sse = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse == {"SSEAlgorithm": "AES256"}
    assert "WebsiteConfiguration" not in bucket and "AccessControl" not in bucket


def test_the_bucket_policy_lets_only_this_distribution_read_and_refuses_plain_http(site):
    # Given the bucket policy's statements
    statements = only(site.resources, "AWS::S3::BucketPolicy")["PolicyDocument"]["Statement"]
    (distribution_id,) = of_type(site.resources, "AWS::CloudFront::Distribution")
    allows = [s for s in statements if s["Effect"] == "Allow"]
    denies = [s for s in statements if s["Effect"] == "Deny"]

    # Then the one Allow is GetObject for CloudFront, conditioned on this distribution's ARN
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source_arn = json.dumps(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert ":distribution/" in source_arn and json.dumps({"Ref": distribution_id}) in source_arn
    # And the Deny refuses any request without TLS
    (deny,) = denies
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_visitors_get_https_the_page_at_the_root_a_short_cache_and_read_only_methods(site):
    config = only(site.resources, "AWS::CloudFront::Distribution")["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    assert config["DefaultRootObject"] == "index.html"
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    cache = only(site.resources, "AWS::CloudFront::CachePolicy")["CachePolicyConfig"]
    assert (cache["MinTTL"], cache["DefaultTTL"], cache["MaxTTL"]) == (0, 60, 300)
    key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}  # no cache-busting to the origin


def test_every_response_carries_the_pages_csp_and_the_security_headers(site):
    headers = only(site.resources, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    assert security["ContentSecurityPolicy"] == {"ContentSecurityPolicy": content_security_policy(), "Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] == 365 * 24 * 3600
    (distribution,) = of_type(site.resources, "AWS::CloudFront::Distribution").values()
    (policy_id,) = of_type(site.resources, "AWS::CloudFront::ResponseHeadersPolicy")
    behavior = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}


def test_the_local_site_serves_the_headers_the_distribution_sets(site):
    # Given the construct's template, when the local site (tests/ui, screenshots) reads its headers from it
    from local.status_site import security_headers

    headers = security_headers(site.template)
    # Then a visitor gets the same policy locally as from CloudFront
    assert headers == {
        "Content-Security-Policy": content_security_policy(),
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


def test_cfn_lint_is_clean_with_its_defaults(site, custom_domain):
    # Nothing ignored, not even W3005 (the wiring stack's scaffolding Lambda is not the construct)
    for synthesized in (site, custom_domain):
        matches = lint(json.dumps(synthesized.template))
        assert [f"{m.rule.id} {m.message}" for m in matches] == []


def _violations(report: dict[str, Any] | None) -> list[tuple[str, str]]:
    return [
        (violation["ruleName"], construct["constructPath"])
        for plugin in (report or {}).get("pluginReports", [])
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", [])
    ]


def test_cdk_nag_findings_are_fixed_or_acknowledged_each_with_its_reason(site):
    from infra.nag import DEFAULT_DOMAIN_FINDINGS, STATUS_PAGE_FINDINGS

    # Then synth passed AwsSolutions, and every acknowledgment names one rule with a specific reason
    assert site.error is None, site.error
    assert _violations(site.report) == []
    acknowledged = {f.rule for f in STATUS_PAGE_FINDINGS + DEFAULT_DOMAIN_FINDINGS}
    assert acknowledged == {"AwsSolutions-S1", "AwsSolutions-CFR1", "AwsSolutions-CFR2", "AwsSolutions-CFR3",
                            "AwsSolutions-CFR4"}  # fmt: skip
    assert all(len(f.reason) > 60 for f in STATUS_PAGE_FINDINGS + DEFAULT_DOMAIN_FINDINGS)


def test_on_its_own_domain_it_requires_tls_1_2_and_needs_no_tls_acknowledgment(custom_domain):
    config = only(custom_domain.resources, "AWS::CloudFront::Distribution")["DistributionConfig"]
    assert config["Aliases"] == ["status.example.com"]
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    # CFR4 is not acknowledged there, and nag still passes: the finding is fixed, not hidden
    assert custom_domain.error is None, custom_domain.error
    assert _violations(custom_domain.report) == []


def test_a_domain_without_a_certificate_is_refused_in_one_line():
    import aws_cdk as cdk

    from infra.constructs.status_page import StatusPageSite

    stack = cdk.Stack(cdk.App(), "Refused")
    with pytest.raises(ValueError, match="domain_names and certificate go together"):
        StatusPageSite(stack, "StatusPage", domain_names=["status.example.com"])


def test_the_publisher_may_put_the_two_files_and_nothing_else(wiring):
    statements = [
        statement
        for policy in of_type(wiring.resources, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "s3:" in json.dumps(statement["Action"])
    ]
    (statement,) = statements
    assert statement["Action"] == "s3:PutObject"
    objects = json.dumps(statement["Resource"])
    assert "/index.html" in objects and "/status.json" in objects and "*" not in objects


def test_the_stream_delivers_only_status_page_items_in_coalesced_batches(wiring):
    mapping = only(wiring.resources, "AWS::Lambda::EventSourceMapping")
    (pattern,) = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {"dynamodb": {"Keys": {"pk": {"S": [STATUS_PAGE_PK]}}}}
    assert mapping["StartingPosition"] == "LATEST"
    assert mapping["MaximumBatchingWindowInSeconds"] == 5
    assert "OnFailure" in mapping["DestinationConfig"]
