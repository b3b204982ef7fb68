"""The HTTP API in front of the actions function: one-click links, incident updates, Slack.

Routes (all to the one function, which checks every request itself: an HMAC signature with the
action-signing key for links and updates, with the API signing key for declarations and windows,
Slack's request signature for interactions and slash commands):
    GET  /actions/{verb}            one-click signed links (verb: ack, resolve): a confirmation page
    POST /actions/{verb}            the confirmation page's form: acts
    POST /incidents/{id}/updates    status updates from the incident owner
    POST /slack/interactions        Slack interactive-message callbacks
    POST /incidents                 a declared incident (responder declare, scripts)
    POST /slack/commands            `/incident declare P0 security "..."`
    POST /maintenance               a maintenance window
    POST /maintenance/{id}/end      a maintenance window ended early
"""

from __future__ import annotations

import jsii
from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

ROUTES = (
    ("/actions/{verb}", apigw.HttpMethod.GET),
    ("/actions/{verb}", apigw.HttpMethod.POST),
    ("/incidents/{id}/updates", apigw.HttpMethod.POST),
    ("/slack/interactions", apigw.HttpMethod.POST),
    ("/incidents", apigw.HttpMethod.POST),
    ("/slack/commands", apigw.HttpMethod.POST),
    ("/maintenance", apigw.HttpMethod.POST),
    ("/maintenance/{id}/end", apigw.HttpMethod.POST),
)
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","time":"$context.requestTime",'
    '"method":"$context.httpMethod","route":"$context.routeKey","status":"$context.status",'
    '"latency":"$context.responseLatency","error":"$context.integrationErrorMessage"}'
)


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogs:
    def __init__(self, destination: apigw.IAccessLogDestination) -> None:
        self._destination = destination

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return apigw_v1.AccessLogFormat.custom(ACCESS_LOG_FORMAT)


class ActionsApi(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, handler: lambda_.IFunction, log_retention: logs.RetentionDays
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigw.HttpApi(self, "Api", description="Runbook Responder actions", create_default_stage=False)
        integration = integrations.HttpLambdaIntegration("Actions", handler)
        for path, method in ROUTES:
            self.api.add_routes(path=path, methods=[method], integration=integration)
        access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.stage = apigw.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            # People click links; nobody needs more than this. A flood is refused before the function.
            throttle=apigw.ThrottleSettings(rate_limit=10, burst_limit=20),
            access_log_settings=_AccessLogs(apigw.LogGroupLogDestination(access_logs)),
        )

    @property
    def url(self) -> str:
        """`https://<id>.execute-api.<region>.amazonaws.com` (no trailing slash)."""
        return self.api.api_endpoint
