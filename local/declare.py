"""`responder declare` and `responder maintenance`: what people start, locally or against a deployed stack.

Locally, a declaration is a signed `POST /incidents` through the real actions handler on the
embedded AWS, replayed on the synthesized ladder like any sample event. With `--url`, the same
signed request goes to a deployed stack's HTTP API, keyed by the API signing secret (read from
Secrets Manager with the caller's credentials, or `RESPONDER_API_KEY`).

A maintenance window is printed as the intake event it becomes (to replay it with sample alarms)
or, with `--url`, sent to `POST /maintenance`.
"""

from __future__ import annotations

import json
import os
import shlex
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from functions import clock
from functions.declared.declaration import DeclarationError, declaration, parse_slash_command
from functions.maintenance.window import WindowError, window
from local.classify import offline_services
from local.errors import InputError
from local.humans import signed_headers

TIMEOUT_SECONDS = 10


def declaration_body(words: list[str], *, service: str | None, impact: str | None, public: bool | None,
                     by: str, config: Path | None = None) -> dict[str, Any]:  # fmt: skip
    """`P0 security "Customer data exposed"` → the body of `POST /incidents`, validated as the API will."""
    try:
        fields = parse_slash_command("declare " + shlex.join(words))
    except DeclarationError as error:
        raise InputError(str(error).replace("/incident declare", "responder declare")) from None
    extra = {"service": service, "impact": impact, "public": public}
    fields.update({key: value for key, value in extra.items() if value is not None})
    body = {**fields, "by": by, "request_id": f"cli-{uuid.uuid4().hex[:12]}"}
    try:
        declaration({**body, "via": "cli", "declared_at": clock.now()}, _service_names(config))
    except DeclarationError as error:
        raise InputError(f"declare: {error}") from None
    return body


def window_event(fields: dict[str, Any], config: Path | None = None) -> dict[str, Any]:
    try:
        declared = window({**fields, "source": "cli"}, _service_names(config), datetime.now(UTC))
    except WindowError as error:
        raise InputError(str(error)) from None
    return declared.to_event()


def send_signed(url: str, path: str, body: dict[str, Any], secret_id: str | None) -> dict[str, Any]:
    """POST to a deployed stack; the answer (202 and what will happen) or one line saying why not."""
    text = json.dumps(body)
    headers = {"content-type": "application/json", **signed_headers(_api_key(secret_id), text, datetime.now(UTC))}
    request = urllib.request.Request(url.rstrip("/") + path, data=text.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace").strip().splitlines()[:1]
        raise InputError(f"{url}{path}: HTTP {error.code}: {detail[0] if detail else error.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise InputError(f"{url}{path}: cannot reach the API ({error})") from None


def _api_key(secret_id: str | None) -> str:
    if os.environ.get("RESPONDER_API_KEY"):
        return os.environ["RESPONDER_API_KEY"]
    if not secret_id:
        raise InputError("--url needs --secret-id (the stack's ApiSigningSecretArn output) or RESPONDER_API_KEY")
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        value = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    except (BotoCoreError, ClientError) as error:
        raise InputError(f"--secret-id {secret_id}: {error}") from None
    return str(value)


def _service_names(config: Path | None) -> list[str]:
    return [service.name for service in offline_services(config) if not service.synthetic]
