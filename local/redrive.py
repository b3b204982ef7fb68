"""`responder redrive`: replay what the intake's dead-letter queue holds, then delete what succeeded.

Works against a real account (and the local emulator). A message is one of:
- a Lambda on-failure destination record (`requestPayload` is the original event),
- an SNS notification or EventBridge event the subscription/rule could not deliver,
- bad input the intake parked itself (`reasons` + `event`): skipped, since it would be
  rejected again; fix the sender and delete it, or pass `--include-rejected` to see it fail.
A message is deleted only after the intake ran it without a function error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RedriveReport:
    redriven: int = 0
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"redriven {self.redriven}, failed {len(self.failed)}, skipped {len(self.skipped)}"]
        lines += [f"  failed: {reason}" for reason in self.failed]
        lines += [f"  skipped: {reason}" for reason in self.skipped]
        return "\n".join(lines)


def original_event(body: dict[str, Any]) -> dict[str, Any] | None:
    """The event to hand the intake again, or None for parked bad input."""
    if "requestPayload" in body:
        payload = body["requestPayload"]
        return payload if isinstance(payload, dict) else None
    if "reasons" in body and "event" in body:
        return None
    if body.get("Type") == "Notification" and "Message" in body:
        return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": body}]}
    return body


def redrive(
    sqs: Any,
    lambda_client: Any,
    queue_url: str,
    function_name: str,
    *,
    limit: int = 100,
    dry_run: bool = False,
    include_rejected: bool = False,
) -> RedriveReport:
    report = RedriveReport()
    seen = 0
    handled: set[str] = set()
    while seen < limit:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=min(10, limit - seen), VisibilityTimeout=60, WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            break
        fresh = [m for m in batch if m.get("MessageId") not in handled]
        for repeat in (m for m in batch if m.get("MessageId") in handled):
            _release(sqs, queue_url, repeat)
        if not fresh:
            break  # only skipped messages came back
        for message in fresh:
            seen += 1
            handled.add(message.get("MessageId", ""))
            _one(sqs, lambda_client, queue_url, function_name, message, report, dry_run, include_rejected)
    return report


def _one(
    sqs: Any,
    lambda_client: Any,
    queue_url: str,
    function_name: str,
    message: dict[str, Any],
    report: RedriveReport,
    dry_run: bool,
    include_rejected: bool,
) -> None:
    message_id = message.get("MessageId", "?")
    try:
        body = json.loads(message["Body"])
    except ValueError:
        report.skipped.append(f"{message_id}: body is not JSON")
        return
    event = original_event(body) if isinstance(body, dict) else None
    if (event is None and not include_rejected) or dry_run:
        why = "dry run" if dry_run else f"parked bad input ({'; '.join(body.get('reasons', []))})"
        report.skipped.append(f"{message_id}: {why}")
        _release(sqs, queue_url, message)
        return
    response = lambda_client.invoke(
        FunctionName=function_name,
        InvocationType="RequestResponse",
        Payload=json.dumps(event if event is not None else body.get("event")).encode(),
    )
    if response.get("FunctionError"):
        report.failed.append(f"{message_id}: {response['Payload'].read().decode()[:300]}")
        return
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    report.redriven += 1


def _release(sqs: Any, queue_url: str, message: dict[str, Any]) -> None:
    """Back in view at once: skipping a message is not handling it."""
    sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
