"""Actions API (API Gateway HTTP API): one-click links, status updates and Slack buttons; the
declarations and maintenance windows people start are in `declarations.py`, on the same API.

GET on a link only shows a confirmation page (mail scanners prefetch links; a GET must not
act); the POST from that page acts. Refusals answer with their HTTP status and one line.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from functions import clock, container
from functions.escalation.links import ActionRefused, verify_slack_request
from functions.handlers.declarations import router as declarations
from functions.lifecycle import StatusUpdate
from functions.notifications.render import template
from functions.observability import flush_metrics, logger
from functions.validation import error_line

app = APIGatewayHttpResolver()
app.include_router(declarations)
VERBS = {"ack": "Acknowledge", "resolve": "Resolve"}
RESOLVE_FIELDS = (
    '<label>Root cause <input name="root_cause" maxlength="500"></label><br>'
    '<label>Resolution <input name="resolution" maxlength="500"></label><br>'
)


def _text(status: int, message: str) -> Response[str]:
    return Response(status_code=status, content_type="text/plain; charset=utf-8", body=message + "\n")


def _form() -> dict[str, str]:
    body = app.current_event.decoded_body or ""
    return {key: values[0] for key, values in parse_qs(body).items()}


@app.get("/actions/<verb>")
def confirm_page(verb: str) -> Response[str]:
    token = app.current_event.get_query_string_value("t") or ""
    if verb not in VERBS:
        return _text(404, f"unknown action '{verb}'")
    parsed = container.actions().verify(token, verb)
    page = template("confirm_action", suffix=".html").substitute(
        verb_title=VERBS[verb],
        incident_id=html.escape(parsed.incident_id),
        level=html.escape(parsed.level.value if parsed.level else "on-call"),
        action=html.escape(f"/actions/{verb}"),
        token=html.escape(token),
        extra=RESOLVE_FIELDS if verb == "resolve" else "",
    )
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=page)


@app.post("/actions/<verb>")
def act(verb: str) -> Response[str]:
    form = _form()
    if verb not in VERBS:
        return _text(404, f"unknown action '{verb}'")
    return _perform(verb, form.get("t", ""), form.get("by"), "link", form.get("root_cause"), form.get("resolution"))


def _perform(
    verb: str, token: str, by: str | None, channel: str, root_cause: str | None = None, resolution: str | None = None
) -> Response[str]:
    actions = container.actions()
    parsed = actions.verify(token, verb)
    who = (by or "").strip()[:80] or None
    if verb == "ack":
        result = actions.acknowledge(parsed, who, channel)
    else:
        result = actions.resolve(parsed, who, channel, root_cause, resolution)
    return _text(result.status, result.message)


@app.post("/incidents/<incident_id>/updates")
def post_status_update(incident_id: str) -> Response[str]:
    actions = container.actions()
    token = app.current_event.get_query_string_value("t") or ""
    parsed = actions.verify(token, "update")
    if parsed.incident_id != incident_id:
        return _text(403, "this link is for another incident")
    try:
        body = json.loads(app.current_event.decoded_body or "{}")
        update = StatusUpdate.model_validate(body)
    except ValidationError as error:
        return _text(400, f"status update body: {error_line(error, model=StatusUpdate)}")
    except ValueError as error:
        return _text(400, f"status update body: not JSON: {error}")
    by = str(body.get("by") or "").strip()[:80] or None
    result = actions.post_update(parsed, update, by, "api")
    return _text(result.status, result.message)


@app.post("/slack/interactions")
def slack_interaction() -> Response[str]:
    """Slack buttons carry our signed token as their value: both signatures must hold."""
    raw = app.current_event.decoded_body or ""
    headers = app.current_event.headers
    secret = container.slack_signing_secret()
    if not secret:
        return _text(503, "Slack interactivity is not configured")
    verify_slack_request(secret, headers, raw, clock.now())
    payload = json.loads(parse_qs(raw).get("payload", ["{}"])[0])
    action = (payload.get("actions") or [{}])[0]
    verb = str(action.get("action_id", ""))
    if verb not in VERBS:
        return _text(400, f"unknown Slack action '{verb}'")
    user = payload.get("user") or {}
    by = f"{user.get('name') or user.get('username') or 'slack user'} (Slack {user.get('id', '?')})"
    return _perform(verb, str(action.get("value", "")), by, "slack")


@app.exception_handler(ActionRefused)
def refused(error: ActionRefused) -> Response[str]:
    logger.info("action refused", extra={"status": error.status, "reason": error.reason})
    return _text(error.status, error.reason)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return app.resolve(event, context)
    finally:
        flush_metrics()  # what this request recorded (IncidentChannelFailed, ...) leaves now or never
