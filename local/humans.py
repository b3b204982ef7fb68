"""Scripted people for the replay: they click the links in the messages they received.

The click goes through the real actions handler as an API Gateway HTTP API (v2) request, so
the signature, expiry and single-use checks are the deployed ones.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from local.world import Delivered

LINK = {"ack": re.compile(r"Acknowledge: (\S+)"), "resolve": re.compile(r"Resolve: (\S+)")}


def latest_link(messages: list[Delivered], verb: str) -> str | None:
    """The link in the most recent message that carried one (the highest level paged so far)."""
    for message in reversed(messages):
        found = LINK[verb].search(message.text)
        if found:
            return found.group(1)
    return None


def http_event(
    method: str, url: str, body: dict[str, str] | str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    parts = urlsplit(url)
    encoded = urlencode(body) if isinstance(body, dict) else (body or "")
    content_type = "application/x-www-form-urlencoded" if isinstance(body, dict) else "application/json"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "queryStringParameters": {k: v[0] for k, v in parse_qs(parts.query).items()} or None,
        "headers": {"content-type": content_type, "host": parts.netloc, **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": parts.netloc,
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "responder-replay",
            },
            "requestId": "local",
            "routeKey": "$default",
            "stage": "$default",
        },
        "body": encoded,
        "isBase64Encoded": False,
    }


def call_actions_api(
    method: str, url: str, body: dict[str, str] | str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    from infra.names import ACTIONS_HANDLER
    from local.lambda_runtime import invoke_handler

    response: dict[str, Any] = invoke_handler(ACTIONS_HANDLER, http_event(method, url, body, headers), "actions")
    return response


def signed_headers(secret: str, body: str, now: datetime) -> dict[str, str]:
    """What `responder declare` and scripts send: the API signing key's signature over the body."""
    from functions.escalation.links import REQUEST_SIGNATURE_HEADER, REQUEST_TIMESTAMP_HEADER, sign_request

    stamp = str(int(now.timestamp()))
    return {REQUEST_TIMESTAMP_HEADER: stamp, REQUEST_SIGNATURE_HEADER: sign_request(secret, stamp, body)}


def slack_headers(secret: str, body: str, now: datetime) -> dict[str, str]:
    """Slack's v0 request signature, as Slack sends it with a slash command or a button press."""
    stamp = str(int(now.timestamp()))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": stamp, "x-slack-signature": f"v0={digest}"}


def click(messages: list[Delivered], verb: str, by: str) -> tuple[int, str]:
    """Open the link (the confirmation page), then confirm it, as a person would."""
    link = latest_link(messages, verb)
    if link is None:
        return 0, f"no {verb} link had been received yet"
    token = parse_qs(urlsplit(link).query).get("t", [""])[0]
    path = urlsplit(link)._replace(query="").geturl()
    response = call_actions_api("POST", path, {"t": token, "by": by})
    return int(response["statusCode"]), str(response.get("body", "")).strip()
