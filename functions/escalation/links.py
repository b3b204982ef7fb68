"""Signed one-click action links: HMAC-SHA256 over the action, expiring, single use.

A link is `<base>/actions/<verb>?t=<token>`; the token is `<payload>.<signature>`, both
base64url. The signing key is a Secrets Manager secret read at run time. Single use is
enforced where the action is applied: its nonce is written in the same transaction as
the change it makes, so a replayed link changes nothing.
"""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ValidationError

from functions.policy import Level

Verb = Literal["ack", "resolve", "update"]
LINK_LIFETIME = {"ack": timedelta(hours=12), "resolve": timedelta(days=3), "update": timedelta(days=3)}


class ActionRefused(Exception):
    """The link cannot be used; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ActionToken(BaseModel, defer_build=True):
    incident_id: str
    verb: Verb
    level: Level | None = None
    expires: int
    nonce: str

    @property
    def once_key(self) -> str:
        """Ack and resolve links work once; an update link may post several updates until it expires."""
        return f"ACTION#{self.nonce}" if self.verb != "update" else ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ActionSigner:
    def __init__(self, key: Callable[[], str | None], base_url: str) -> None:
        self._key = key
        self._base_url = base_url.rstrip("/")

    def _secret(self) -> bytes:
        key = self._key()
        if not key:
            raise ActionRefused(503, "action links are not configured (signing secret is empty)")
        return key.encode()

    def sign(self, incident_id: str, verb: Verb, now: datetime, level: Level | None = None) -> str:
        token = ActionToken(
            incident_id=incident_id,
            verb=verb,
            level=level,
            expires=int((now + LINK_LIFETIME[verb]).timestamp()),
            nonce=secrets.token_urlsafe(12),
        )
        payload = _b64(token.model_dump_json(exclude_none=True).encode())
        signature = _b64(hmac.new(self._secret(), payload.encode(), hashlib.sha256).digest())
        return f"{payload}.{signature}"

    def link(self, incident_id: str, verb: Verb, now: datetime, level: Level | None = None) -> str:
        token = self.sign(incident_id, verb, now, level)
        if verb == "update":
            return f"{self._base_url}/incidents/{incident_id}/updates?t={token}"
        return f"{self._base_url}/actions/{verb}?t={token}"

    def links(self, incident_id: str, now: datetime, level: Level | None = None) -> dict[str, str] | None:
        if not self._base_url or not self._key():
            return None
        return {
            "ack": self.link(incident_id, "ack", now, level),
            "resolve": self.link(incident_id, "resolve", now, level),
        }

    def verify(self, token: str, verb: str, now: datetime) -> ActionToken:
        """403 forged or tampered, 410 expired, 400 malformed or for another verb."""
        payload, _, signature = token.partition(".")
        if not payload or not signature:
            raise ActionRefused(400, "malformed action token")
        expected = _b64(hmac.new(self._secret(), payload.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature):
            raise ActionRefused(403, "action link signature does not match")
        try:
            parsed = ActionToken.model_validate(json.loads(_unb64(payload)))
        except (ValueError, ValidationError):
            raise ActionRefused(400, "malformed action token") from None
        if parsed.verb != verb:
            raise ActionRefused(400, f"this link is for '{parsed.verb}', not '{verb}'")
        if now.timestamp() > parsed.expires:
            raise ActionRefused(410, "action link has expired")
        return parsed


def verify_slack_signature(
    signing_secret: str, timestamp: str, body: str, signature: str, now: datetime, tolerance_seconds: int = 300
) -> None:
    """Slack's v0 request signature over `v0:<timestamp>:<body>`; stale timestamps are replays."""
    _verify_signature("v0", "Slack", signing_secret, timestamp, body, signature, now, tolerance_seconds)


def verify_slack_request(signing_secret: str, headers: Mapping[str, str], body: str, now: datetime) -> None:
    """A request from Slack (a button, a slash command): its signature and timestamp headers."""
    stamp, signature = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
    verify_slack_signature(signing_secret, stamp, body, signature, now)


# Signed requests from people's tools (`responder declare`, `responder maintenance`, scripts): Slack's
# scheme under our own version tag and headers, keyed by the API signing secret.
REQUEST_TIMESTAMP_HEADER = "x-responder-request-timestamp"
REQUEST_SIGNATURE_HEADER = "x-responder-signature"


def sign_request(signing_secret: str, timestamp: str, body: str) -> str:
    return "v1=" + hmac.new(signing_secret.encode(), f"v1:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()


def verify_request_signature(
    signing_secret: str, timestamp: str, body: str, signature: str, now: datetime, tolerance_seconds: int = 300
) -> None:
    _verify_signature("v1", "request", signing_secret, timestamp, body, signature, now, tolerance_seconds)


def _verify_signature(
    version: str,
    what: str,
    secret: str,
    timestamp: str,
    body: str,
    signature: str,
    now: datetime,
    tolerance_seconds: int,
) -> None:
    try:
        sent = int(timestamp)
    except ValueError:
        raise ActionRefused(401, f"missing or malformed {what} timestamp") from None
    if abs(now.timestamp() - sent) > tolerance_seconds:
        raise ActionRefused(401, f"{what} timestamp is too old")
    base = f"{version}:{timestamp}:{body}".encode()
    expected = f"{version}=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature or ""):
        raise ActionRefused(401, f"{what} signature does not match")
