"""What people start over HTTP: declared incidents and maintenance windows (part of the actions API).

    POST /incidents                  signed request (`responder declare`, scripts)
    POST /slack/commands             `/incident declare P0 security "..."` (Slack's request signature)
    POST /maintenance                signed request: a window for a service
    POST /maintenance/{id}/end       signed request: end a window early

Each request is checked, validated into one model and handed to the intake (asynchronously, so
Slack's 3-second limit holds); the answer says what will happen. A refusal is one line.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from functions import clock, container
from functions.declared.declaration import Declaration, DeclarationError, declaration, parse_slash_command
from functions.escalation.links import (
    REQUEST_SIGNATURE_HEADER,
    REQUEST_TIMESTAMP_HEADER,
    ActionRefused,
    verify_request_signature,
    verify_slack_request,
)
from functions.incident import incident_channel_name, incident_id
from functions.maintenance.window import WindowEnd, WindowError, window
from functions.notifications.render import phrase

router = APIGatewayHttpRouter()


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


def _signed_body() -> dict[str, Any]:
    """The body of a request signed with the API signing key; 401 unsigned or forged, 400 not an object."""
    raw = router.current_event.decoded_body or ""
    headers = router.current_event.headers
    secret = container.api_signing_secret()
    if not secret:
        raise ActionRefused(503, "signed requests are not configured (API signing secret is empty)")
    stamp, signature = headers.get(REQUEST_TIMESTAMP_HEADER, ""), headers.get(REQUEST_SIGNATURE_HEADER, "")
    verify_request_signature(secret, stamp, raw, signature, clock.now())
    try:
        body = json.loads(raw or "{}")
    except ValueError:
        raise ActionRefused(400, "request body is not JSON") from None
    if not isinstance(body, dict):
        raise ActionRefused(400, "request body must be a JSON object")
    return body


def _service_names() -> list[str]:
    return [service.name for service in container.settings().SERVICES if not service.synthetic]


def _accepted(declared: Declaration) -> dict[str, Any]:
    container.submitter().submit(declared.to_event())
    return {
        "incident_id": incident_id(declared.service, declared.declared_at, declared.delivery_key),
        "channel": "#" + incident_channel_name(declared.service, declared.declared_at),
        "severity": declared.severity.value,
        "kind": declared.kind,
        "public": declared.public,
    }


@router.post("/incidents")
def declare_incident() -> Response[str]:
    body = _signed_body()
    now = clock.now()
    fields = {**body, "via": "api", "declared_at": now, "request_id": body.get("request_id") or _request_id()}
    try:
        declared = declaration(fields, _service_names())
    except DeclarationError as error:
        raise ActionRefused(400, f"declare: {error}") from None
    return _json(202, _accepted(declared))


@router.post("/slack/commands")
def slack_command() -> Response[str]:
    """Slack shows our answer to the person who typed the command: an error is theirs alone (ephemeral)."""
    raw = router.current_event.decoded_body or ""
    headers = router.current_event.headers
    secret = container.slack_signing_secret()
    if not secret:
        raise ActionRefused(503, "Slack commands are not configured")
    verify_slack_request(secret, headers, raw, clock.now())
    form = {key: values[0] for key, values in parse_qs(raw).items()}
    who = f"{form.get('user_name') or 'slack user'} (Slack {form.get('user_id', '?')})"
    try:
        fields = parse_slash_command(form.get("text", ""))
        request = form.get("trigger_id") or _request_id()
        declared = declaration(
            {**fields, "by": who, "via": "slack", "declared_at": clock.now(), "request_id": request},
            _service_names(),
        )
    except DeclarationError as error:
        return _json(200, {"response_type": "ephemeral", "text": phrase("slack_declare_refused", error=str(error))})
    accepted = _accepted(declared)
    text = phrase(
        "slack_declared",
        severity=declared.severity.value,
        kind=declared.kind,
        title=declared.title,
        incident_id=accepted["incident_id"],
        channel=accepted["channel"],
    )
    return _json(200, {"response_type": "in_channel", "text": text})


@router.post("/maintenance")
def declare_window() -> Response[str]:
    body = _signed_body()
    now = clock.now()
    try:
        declared = window({**body, "source": "api"}, _service_names(), now)
    except WindowError as error:
        raise ActionRefused(400, str(error)) from None
    container.submitter().submit(declared.to_event())
    return _json(202, {"window": declared.id, "service": declared.service, "ends_at": declared.ends_at.isoformat()})


@router.post("/maintenance/<window_id>/end")
def end_window(window_id: str) -> Response[str]:
    body = _signed_body()
    if body.get("service") not in _service_names():
        raise ActionRefused(400, f"end maintenance window: service {body.get('service')!r} is not configured")
    by = str(body.get("by") or "").strip()[:80] or "api"
    end = WindowEnd(id=window_id[:64], service=str(body["service"]), ended_at=clock.now(), by=by)
    container.submitter().submit(end.to_event())
    return _json(202, {"window": end.id, "service": end.service, "ended_at": end.ended_at.isoformat()})


def _request_id() -> str:
    context = router.current_event.request_context
    return f"api-{context.request_id}"
