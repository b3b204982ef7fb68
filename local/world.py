"""The embedded AWS for local replay: moto in process, set up the way the stack deploys it.

Local-only tooling. It creates the incident table, the notification and page topics (each
captured by an SQS queue, as an email/SMS/chat subscriber would receive it), a Slack webhook
(a real HTTP server on 127.0.0.1 whose URL sits in Secrets Manager), puts the config's roster
where the stack does (SSM), and points the real handlers at all of it through their environment
(SERVICES: the config's services). `local.seed` then seeds the services' own resources. CloudWatch
answers GetMetricWidgetImage there through `local.metric_image`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from moto import mock_aws
from pydantic import BaseModel

from functions import clock, container
from functions.aws import AwsClients
from functions.incident_store import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE
from functions.policy import Level, Severity
from functions.roster.model import Roster
from functions.services import ServiceConfig
from local.config import responder_config, services_of
from local.lambda_bridge import LambdaBridge, bridged_lambda
from local.metric_image import metric_widget_images
from local.moto_fidelity import atomic_dynamodb_writes, stoppable_new_executions
from local.moto_transactions import journaled_transactions
from local.slack_api import LocalSlackApi

REGION = "us-east-1"
ACCOUNT = "123456789012"
TABLE = "runbook-responder-incidents"
SLACK_SECRET = "runbook-responder/slack-webhook"
SIGNING_SECRET = "runbook-responder/action-signing-key"
POSTMORTEM_BUCKET = "runbook-responder-postmortems"
SLACK_SIGNING_SECRET = "runbook-responder/slack-signing-secret"
API_SIGNING_SECRET = "runbook-responder/api-signing-key"
SLACK_BOT_TOKEN_SECRET = "runbook-responder/slack-bot-token"
ROSTER_PARAMETER = "/runbook-responder/roster"
STATUS_PAGE_BUCKET = "runbook-responder-status-page"
INTAKE_FUNCTION = "runbook-responder-intake"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
MOTO_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


class Delivered(BaseModel):
    """One message as a person on a channel received it."""

    at: datetime | None
    kind: str
    level: str | None
    channel: str
    incident_id: str
    text: str


class SlackCapture:
    """A stand-in Slack incoming webhook: a real HTTP endpoint on loopback that records posts."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[dict[str, Any]] = []
        self.status = status
        self.delay_seconds = 0.0
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                capture.posts.append(body)
                if capture.delay_seconds:
                    time.sleep(capture.delay_seconds)
                self.send_response(capture.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/services/T000/B000/local"

    def __enter__(self) -> SlackCapture:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def delivered(self) -> list[Delivered]:
        return [
            Delivered(
                at=_parse_at(post.get("metadata", {}).get("at")),
                kind=post.get("metadata", {}).get("kind", "?"),
                level=post.get("metadata", {}).get("level") or None,
                channel="slack",
                incident_id=post.get("metadata", {}).get("incident_id", ""),
                text=post.get("text", ""),
            )
            for post in self.posts
        ]


def _parse_at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class LocalWorld:
    """Handles to what was created; `env` is what the handlers read."""

    def __init__(
        self,
        clients: AwsClients,
        slack: SlackCapture,
        services: tuple[ServiceConfig, ...],
        bridge: LambdaBridge,
        slack_api: LocalSlackApi,
        roster: Roster | None = None,
    ) -> None:
        self.clients = clients
        self.roster = roster
        self.slack = slack
        self.slack_api = slack_api
        self.services = services
        self.bridge = bridge
        self.topics: dict[str, str] = {}
        self.queues: dict[str, str] = {}
        self.env: dict[str, str] = {}
        self._received: list[Delivered] = []

    def create(self) -> None:
        self._create_table()
        for severity in Severity:
            self._topic_with_inbox(f"notify-{severity.value}")
        for level in Level:
            self._topic_with_inbox(f"page-{level.value}")
        self._topic_with_inbox("ops")
        sm = self.clients.secretsmanager
        sm.create_secret(Name=SLACK_SECRET, SecretString=json.dumps({"webhook_url": self.slack.url}))
        sm.create_secret(Name=SIGNING_SECRET, SecretString=os.urandom(32).hex())
        sm.create_secret(Name=SLACK_SIGNING_SECRET, SecretString=os.urandom(16).hex())
        sm.create_secret(Name=API_SIGNING_SECRET, SecretString=os.urandom(32).hex())
        sm.create_secret(Name=SLACK_BOT_TOKEN_SECRET, SecretString=self.slack_api.token)
        self._create_intake_function()
        self._put_roster()
        self.clients.s3.create_bucket(Bucket=STATUS_PAGE_BUCKET)
        dlq = self.clients.sqs.create_queue(QueueName="runbook-responder-intake-dlq")["QueueUrl"]
        self.clients.s3.create_bucket(Bucket=POSTMORTEM_BUCKET)
        self.queues["dlq"] = dlq
        self.env = {
            "INCIDENT_TABLE": TABLE,
            "NOTIFICATION_TOPICS": json.dumps({s.value: self.topics[f"notify-{s.value}"] for s in Severity}),
            "PAGE_TOPICS": json.dumps({lv.value: self.topics[f"page-{lv.value}"] for lv in Level}),
            "SLACK_WEBHOOK_SECRET_ID": SLACK_SECRET,
            "ACTION_SIGNING_SECRET_ID": SIGNING_SECRET,
            "SLACK_SIGNING_SECRET_ID": SLACK_SIGNING_SECRET,
            "ACTION_BASE_URL": "https://responder.example.invalid",
            "SERVICES": json.dumps([s.model_dump(mode="json") for s in self.services]),
            "DEAD_LETTER_QUEUE_URL": dlq,
            "POSTMORTEM_BUCKET": POSTMORTEM_BUCKET,
            "OPS_TOPIC_ARN": self.topics["ops"],
            "API_SIGNING_SECRET_ID": API_SIGNING_SECRET,
            "INTAKE_FUNCTION_NAME": INTAKE_FUNCTION,
            "SLACK_BOT_TOKEN_SECRET_ID": SLACK_BOT_TOKEN_SECRET,
            "SLACK_API_URL": self.slack_api.url,
            "ROSTER_PARAMETER": ROSTER_PARAMETER,
            "STATUS_PAGE_BUCKET": STATUS_PAGE_BUCKET,
            "POWERTOOLS_METRICS_NAMESPACE": "RunbookResponder",
            "POWERTOOLS_SERVICE_NAME": "runbook-responder",
            "POWERTOOLS_DEV": "false",
        }

    def _create_intake_function(self) -> None:
        """The intake exists in the local AWS; the bridge runs this checkout's handler when it is invoked."""
        from infra.names import INTAKE_HANDLER

        role = self.clients.client("iam").create_role(RoleName="runbook-responder-local-intake",
                                                      AssumeRolePolicyDocument="{}")["Role"]["Arn"]  # fmt: skip
        self.clients.lambda_.create_function(
            FunctionName=INTAKE_FUNCTION,
            Runtime="python3.13",
            Role=role,
            Handler=INTAKE_HANDLER,
            Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},  # the empty zip: the code runs through the bridge
        )
        self.bridge.register(INTAKE_FUNCTION, INTAKE_HANDLER)

    def _put_roster(self) -> None:
        """The config's roster, where the stack puts it (an SSM parameter)."""
        from functions.roster.model import dump_roster

        if self.roster is not None:
            self.clients.ssm.put_parameter(Name=ROSTER_PARAMETER, Value=dump_roster(self.roster), Type="String")

    def _create_table(self) -> None:
        db = self.clients.dynamodb
        db.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
                {"AttributeName": SORT_KEY, "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},  # the status page
        )
        db.update_time_to_live(
            TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
        )

    def _topic_with_inbox(self, name: str) -> None:
        topic = self.clients.sns.create_topic(Name=f"runbook-responder-{name}")["TopicArn"]
        queue = self.clients.sqs.create_queue(QueueName=f"inbox-{name}")["QueueUrl"]
        queue_arn = self.clients.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.clients.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        self.topics[name] = topic
        self.queues[name] = queue

    def delivered(self) -> list[Delivered]:
        """Everything the SNS subscribers and Slack received so far, in time order."""
        self._received.extend(m for name, url in self.queues.items() if name != "dlq" for m in self._drain(name, url))
        messages = self._received + self.slack.delivered()
        return sorted(
            messages, key=lambda m: (m.at or datetime.min.astimezone(), m.incident_id, m.kind, m.level or "", m.channel)
        )

    def _drain(self, name: str, url: str) -> list[Delivered]:
        received: list[Delivered] = []
        while True:
            batch = self.clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return received
            for message in batch:
                received.append(_from_sns_envelope(name, json.loads(message["Body"])))
                self.clients.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def postmortem(self, key: str) -> str:
        return str(self.clients.s3.get_object(Bucket=POSTMORTEM_BUCKET, Key=key)["Body"].read().decode())

    def dead_letters(self) -> list[dict[str, Any]]:
        batch = self.clients.sqs.receive_message(QueueUrl=self.queues["dlq"], MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in batch.get("Messages", [])]


def _from_sns_envelope(inbox: str, envelope: dict[str, Any]) -> Delivered:
    attributes = {k: v.get("Value") for k, v in envelope.get("MessageAttributes", {}).items()}
    return Delivered(
        at=_parse_at(attributes.get("at")),
        kind=attributes.get("kind", "?"),
        level=attributes.get("level") or None,
        channel=f"sns:{inbox}",
        incident_id=attributes.get("incident_id", ""),
        text=envelope.get("Message", ""),
    )


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextmanager
def local_world(services: tuple[ServiceConfig, ...] | None = None, config: Path | None = None) -> Iterator[LocalWorld]:
    """moto + the responder's resources + the handlers' environment, torn down on exit.

    `config`: the file `--config` named, else `$RESPONDER_CONFIG`, else ./responder.config.json
    (local/config.py); its roster goes to SSM, and its services are the world's unless `services` is given."""
    settings = responder_config(config)
    if services is None:
        services = services_of(settings)
    with (
        environment(FAKE_CREDENTIALS),
        mock_aws(config=MOTO_CONFIG),  # type: ignore[call-overload]
        journaled_transactions(),  # rollback from a journal, not a copy of the table per item
        atomic_dynamodb_writes(),
        stoppable_new_executions(),  # a resolve right after the ladder started stops it, as on AWS
        metric_widget_images(),  # the first response's metric graph
        SlackCapture() as slack,
        LocalSlackApi(now=lambda: clock.now().timestamp()) as slack_api,
    ):
        bridge = LambdaBridge()
        world = LocalWorld(AwsClients(), slack, services, bridge, slack_api, settings.roster)
        world.create()
        with environment(world.env), bridged_lambda(bridge):
            container.reset()
            try:
                yield world
            finally:
                container.reset()
