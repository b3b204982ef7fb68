"""Delivery channels: the severity's SNS topic (email/SMS/chat subscriptions) and Slack.

The Slack incoming-webhook URL is a secret: read at run time from Secrets Manager or SSM
(SecureString), cached for the container's life, never taken from the environment.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from functions.notifications.render import Message
from functions.observability import logger, metrics
from functions.policy import Severity
from functions.services import UNASSIGNED
from functions.settings import Settings

SLACK_TIMEOUT_SECONDS = 3.0
SLACK_ATTEMPTS = 3
SLACK_BACKOFF_SECONDS = 0.5


class DeliveryFailed(Exception):
    """No channel accepted the message: the caller must not mark it sent."""


class SnsChannel:
    def __init__(self, sns: Any) -> None:
        self._sns = sns

    def send(self, topic_arn: str, message: Message, attributes: dict[str, str]) -> None:
        self._sns.publish(
            TopicArn=topic_arn,
            Subject=message.subject[:100].replace("\n", " "),
            Message=message.text,
            MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items() if v},
        )


def slack_markdown(text: str) -> str:
    """The runbook's templates use `**bold**`; Slack's mrkdwn bold is `*bold*`."""
    return text.replace("**", "*")


class SlackChannel:
    """Posts to an incoming webhook with a short timeout and a bounded, backed-off retry."""

    def __init__(
        self,
        webhook_url: Callable[[], str | None],
        post: Callable[[str, bytes, float], int] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._webhook_url = webhook_url
        self._post = post or _http_post
        self._sleep = sleep

    def prepare(self) -> None:
        self._webhook_url()

    def send(self, message: Message, attributes: dict[str, str]) -> bool:
        url = self._webhook_url()
        if not url:
            return False
        mentions = " ".join(f"<@{user}>" for user in message.mentions)  # roster ids, validated at load
        text = f"{mentions}\n{message.text}" if mentions else message.text
        body = json.dumps({"text": slack_markdown(text), "metadata": attributes}).encode()
        for attempt in range(1, SLACK_ATTEMPTS + 1):
            try:
                status = self._post(url, body, SLACK_TIMEOUT_SECONDS)
                if status < 400:
                    return True
                problem = f"HTTP {status}"
            except (urllib.error.URLError, TimeoutError, OSError) as error:
                problem = f"{type(error).__name__}: {error}"
            logger.warning("slack delivery failed", extra={"attempt": attempt, "problem": problem})
            if attempt < SLACK_ATTEMPTS:
                self._sleep(SLACK_BACKOFF_SECONDS * 2 ** (attempt - 1))
        metrics.add_metric(name="SlackDeliveryFailed", unit=MetricUnit.Count, value=1)
        return False


def _http_post(url: str, body: bytes, timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


def _in_background(call: Callable[[], bool]) -> Callable[[], bool]:
    """Start `call` in a thread; the returned function waits for it and gives its result."""
    result: list[bool] = []
    parent = threading.current_thread().name  # a trace reads whose delivery this was
    thread = threading.Thread(target=lambda: result.append(call()), name=f"{parent}:slack", daemon=True)
    thread.start()

    def wait() -> bool:
        thread.join()
        return bool(result and result[0])

    return wait


class SecretReader:
    """Reads one secret value from Secrets Manager or SSM once, on first use.

    By default the value is a webhook URL (bare, or `{"webhook_url": ...}`); `raw=True` returns
    the value as it is (signing keys). An empty or placeholder value reads as None.
    """

    def __init__(self, clients: Any, secret_id: str = "", parameter: str = "", raw: bool = False) -> None:
        self._clients = clients
        self._secret_id = secret_id
        self._parameter = parameter
        self._raw = raw
        self._value: str | None = None
        self._loaded = False

    def __call__(self) -> str | None:
        if not self._loaded:
            self._value = self._read()
            self._loaded = True
        return self._value

    def _read(self) -> str | None:
        if self._secret_id:
            value = self._clients.secretsmanager.get_secret_value(SecretId=self._secret_id).get("SecretString")
        elif self._parameter:
            response = self._clients.ssm.get_parameter(Name=self._parameter, WithDecryption=True)
            value = response["Parameter"]["Value"]
        else:
            return None
        if self._raw:
            return (value or "").strip() or None
        return _webhook_from(value)


def _webhook_from(value: str | None) -> str | None:
    """Accepts the bare URL or `{"webhook_url": ...}`; an empty/placeholder secret disables Slack."""
    text = (value or "").strip()
    if text.startswith("{"):
        text = str(json.loads(text).get("webhook_url", "")).strip()
    return text if text.startswith(("https://", "http://")) else None


class Notifier:
    """Sends a message to every channel configured for a severity."""

    def __init__(self, settings: Settings, sns: SnsChannel, slack: SlackChannel) -> None:
        self._settings = settings
        self._sns = sns
        self._slack = slack

    def send(
        self, message: Message, severity: Severity, incident_id: str, at: datetime, service: str = ""
    ) -> list[str]:
        attributes = {
            "incident_id": incident_id,
            "kind": message.kind,
            "severity": severity.value,
            "level": message.level.value if message.level else "",
            "at": at.isoformat(),
        }
        delivered: list[str] = []
        synthetic = self._settings.service(service).synthetic
        slack = None
        if not synthetic and severity in self._settings.SLACK_SEVERITIES:
            slack = _in_background(lambda: self._slack.send(message, attributes))  # beside SNS, not after it
        for topic in self._topics(message, severity, service, synthetic):
            self._sns.send(topic, message, attributes)
            if "sns" not in delivered:
                delivered.append("sns")
        if slack is not None and slack():
            delivered.append("slack")
        if not delivered:
            raise DeliveryFailed(f"no channel delivered {message.kind} for {incident_id}")
        return delivered

    def prepare(self) -> None:
        """Read the Slack webhook secret now (cached for the container's life)."""
        self._slack.prepare()

    def _topics(self, message: Message, severity: Severity, service: str, synthetic: bool) -> list[str]:
        """The responder's own test goes to ops only; an alarm nobody owns to ops as well (D8)."""
        ops = self._settings.OPS_TOPIC_ARN
        if synthetic:
            return [ops] if ops else []
        topics = [self._topic_for(message, severity)]
        if service == UNASSIGNED:
            topics.append(ops)
        return list(dict.fromkeys(topic for topic in topics if topic))

    def _topic_for(self, message: Message, severity: Severity) -> str | None:
        if message.level is not None:
            return self._settings.PAGE_TOPICS.get(message.level)
        return self._settings.NOTIFICATION_TOPICS.get(severity)
