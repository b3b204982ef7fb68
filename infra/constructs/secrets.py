"""Secrets the functions read at run time (their ids, never their values, are in the environment)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

SLACK_PLACEHOLDER = "REPLACE_ME: put the Slack incoming-webhook URL here (https://hooks.slack.com/...)"


class ResponderSecrets(Construct):
    """
    - `slack_webhook`: created with a placeholder the functions treat as "Slack off"; the user puts
      the incoming-webhook URL in it (`aws secretsmanager put-secret-value`, docs/deploy.md).
    - `slack_signing`: the Slack app's Signing Secret, which the actions function checks Slack's
      requests with. Created with a random value (never a published placeholder, which would let
      anyone forge a Slack request) and replaced by the user with the app's real Signing Secret.
    - `action_signing`: the HMAC key of the one-click action links, generated at creation (64
      random characters) so a deployment never runs with a guessable key; rotate by putting a new value.
    - `api_signing`: the HMAC key of signed requests (`responder declare`, `responder maintenance`,
      scripts); generated the same way, read by the actions function and by people allowed to declare.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        prefix = Stack.of(self).stack_name
        self.slack_webhook: secretsmanager.ISecret = secretsmanager.Secret(
            self,
            "SlackWebhook",
            secret_name=f"{prefix}/slack-webhook",
            description="Slack incoming-webhook URL for incident notifications (placeholder until filled)",
            secret_string_value=SecretValue.unsafe_plain_text(SLACK_PLACEHOLDER),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.slack_signing: secretsmanager.ISecret = secretsmanager.Secret(
            self,
            "SlackSigning",
            secret_name=f"{prefix}/slack-signing-secret",
            description="Your Slack app's Signing Secret (verifies /slack/interactions); random until filled",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.api_signing: secretsmanager.ISecret = secretsmanager.Secret(
            self,
            "ApiSigning",
            secret_name=f"{prefix}/api-signing-key",
            description="HMAC key for signed POST /incidents and /maintenance (responder declare, maintenance)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.action_signing: secretsmanager.ISecret = secretsmanager.Secret(
            self,
            "ActionSigning",
            secret_name=f"{prefix}/action-signing-key",
            description="HMAC key for one-click action links and update endpoints",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
