"""The public status page: a private S3 bucket behind CloudFront with Origin Access Control.

Static objects, so the page stays up when the service and the responder do not: visitors reach
CloudFront's cache and S3, never a Lambda (the actions API's reserved concurrency is for people's
clicks). The status page function writes `index.html` and `status.json`; nothing else can read
the bucket but this distribution.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from constructs import Construct

from functions.incident_store import PARTITION_KEY, STATUS_PAGE_PK
from functions.status_page.publisher import JSON_KEY, PAGE_KEY
from functions.status_page.render import content_security_policy
from infra.nag import acknowledge_status_page


class StatusPageSite(Construct):
    """Exposes `.bucket` (the status page function's target) and `.url` (what visitors open).

    `domain_names` with a `certificate` (ACM, us-east-1) serve it as e.g. status.example.com with
    TLS 1.2 or newer; on the default *.cloudfront.net name CloudFront fixes the policy at TLSv1.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        retain: bool = False,
        domain_names: Sequence[str] = (),
        certificate: acm.ICertificate | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if bool(domain_names) != (certificate is not None):
            raise ValueError("status page: domain_names and certificate go together (the certificate must cover them)")
        bucket = s3.Bucket(
            self,
            "Bucket",
            # S3-managed keys, not the responder's KMS key: with OAC, CloudFront can read SSE-KMS
            # objects only if the key policy lets the cloudfront.amazonaws.com principal decrypt.
            # That would open the key that guards the topics and post-mortems to an internet-facing
            # service, and pay a KMS request per cache miss, to protect pages that are public anyway.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # Not versioned: every object is rebuilt from the incident table on each change; old
            # versions would only pile up (one per status change) with nothing to restore.
            versioned=False,
            lifecycle_rules=[
                s3.LifecycleRule(id="abort-uploads", abort_incomplete_multipart_upload_after=Duration.days(1))
            ],
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )
        distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Runbook Responder public status page",
            default_root_object=PAGE_KEY,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(
                    bucket, origin_access_control=self._origin_access()
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=self._short_cache(),
                response_headers_policy=self._security_headers(),
                compress=True,
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            domain_names=list(domain_names) or None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None,
        )
        self.bucket: s3.IBucket = bucket
        self.distribution = distribution
        self.url = f"https://{domain_names[0] if domain_names else distribution.distribution_domain_name}/"
        acknowledge_status_page(self, custom_domain=certificate is not None)

    def grant_publish(self, grantee: iam.IGrantable) -> iam.Grant:
        """PutObject on the two objects the publisher writes, nothing else (no read, no delete)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["s3:PutObject"],
            resource_arns=[self.bucket.arn_for_objects(PAGE_KEY), self.bucket.arn_for_objects(JSON_KEY)],
        )

    def _short_cache(self) -> cloudfront.CachePolicy:
        """The objects say max-age=60 (the publisher); the edge honours it, at most 5 minutes."""
        return cloudfront.CachePolicy(
            self,
            "ShortCache",
            cache_policy_name=self._global_name("status-page-cache"),
            comment="Status page: a change is visible within a minute",
            default_ttl=Duration.seconds(60),
            min_ttl=Duration.seconds(0),
            max_ttl=Duration.minutes(5),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )

    def _global_name(self, what: str) -> str:
        """CloudFront's policies and origin access controls are global to the account: the stack's
        name keeps stages apart, the region one stage deployed to two regions (at most 64 characters)."""
        stack = Stack.of(self)
        return f"{stack.stack_name}-{what}-{stack.region}"

    def _origin_access(self) -> cloudfront.S3OriginAccessControl:
        return cloudfront.S3OriginAccessControl(
            self, "OriginAccess", origin_access_control_name=self._global_name("status-page")
        )

    def _security_headers(self) -> cloudfront.ResponseHeadersPolicy:
        """No script, no other origin, only the page's own style (by hash), never framed, HTTPS only."""
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=self._global_name("status-page-headers"),
            comment="Status page: strict CSP, HSTS, no framing, no sniffing, no referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, override=True
                ),
            ),
        )


def status_page_event_source(table: dynamodb.ITable, on_failure: lambda_.IEventSourceDlq) -> lambda_.IEventSource:
    """The table's stream, filtered to status-page items, batched so a burst regenerates once.

    The table needs a stream (NEW_AND_OLD_IMAGES, as local/streams.py reads it). Failures retry
    (a regeneration is idempotent), then go to `on_failure`; the next change rebuilds the page anyway.
    """
    return event_sources.DynamoEventSource(
        table,
        starting_position=lambda_.StartingPosition.LATEST,
        filters=[
            lambda_.FilterCriteria.filter(
                {"dynamodb": {"Keys": {PARTITION_KEY: {"S": lambda_.FilterRule.is_equal(STATUS_PAGE_PK)}}}}
            )
        ],
        batch_size=100,
        max_batching_window=Duration.seconds(5),
        retry_attempts=3,
        max_record_age=Duration.hours(1),
        on_failure=on_failure,
    )
