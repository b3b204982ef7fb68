"""The service's health endpoint, fetched the way a user (or the runbook's `curl -f`) would."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any

from pydantic import Field

from functions.aws import AwsClients
from functions.diagnostics import base
from functions.diagnostics.base import CheckContext, Finding, Status
from functions.policy import Resource
from functions.policy.effective import ServicePolicy

CLIENTS: tuple[str, ...] = ()
NEEDS: tuple[Resource, ...] = ("health_url",)


class Params(base.Params):
    timeout_seconds: float = Field(default=3.0, gt=0, le=10, description="no answer within this is critical")
    slow_seconds: float = Field(gt=0, description="slower than the service's latency-p99 threshold warns")
    body_bytes: int = Field(default=300, ge=0, le=4096, description="body excerpt kept as evidence")


def policy_params(policy: ServicePolicy) -> Params:
    return Params(slow_seconds=policy.threshold("latency-p99"))


def command(ctx: CheckContext) -> str:
    return f"curl -f -sS -m 5 {ctx.service.health_url}" if ctx.service.health_url else ""


def health_endpoint(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """HTTP GET of the service's health URL with a short timeout.

    This is what users see: a 5xx, a refused connection or a timeout means the service is down
    from the outside, whatever the ALB and ECS report; a 2xx slower than the runbook's 2 s is a
    warning. The status code, latency and the start of the body (often naming the failing
    dependency, e.g. `"database": "disconnected"`) are the evidence.
    """
    if ctx.service.health_url is None:
        return Finding(
            check="health_endpoint",
            status=Status.UNKNOWN,
            summary="no health URL configured for this service (ServiceConfig.health_url)",
        )
    url = str(ctx.service.health_url)
    request = urllib.request.Request(url, headers={"User-Agent": "runbook-responder/diagnostics"})
    started = time.monotonic()
    code: int | None = None
    body = b""
    error = ""
    try:
        with urllib.request.urlopen(request, timeout=params.timeout_seconds) as response:
            code = response.status
            body = response.read(params.body_bytes)
    except urllib.error.HTTPError as failure:
        code = failure.code
        body = failure.read(params.body_bytes) if failure.fp else b""
    except TimeoutError:
        error = f"no response within {params.timeout_seconds:g} s"
    except urllib.error.URLError as failure:
        reason = failure.reason
        error = (
            f"no response within {params.timeout_seconds:g} s"
            if isinstance(reason, TimeoutError)
            else f"connection failed: {reason}"
        )
    except OSError as failure:
        error = f"connection failed: {failure}"
    elapsed = time.monotonic() - started
    evidence: dict[str, Any] = {
        "url": url,
        "status_code": code,
        "latency_ms": round(elapsed * 1000),
        "body": body.decode("utf-8", "replace").strip(),
        "error": error or None,
    }
    if code is None:
        return Finding(
            check="health_endpoint",
            status=Status.CRITICAL,
            evidence=evidence,
            command=command(ctx),
            summary=f"GET {url}: {error}",
        )
    if not 200 <= code < 400:
        status = Status.CRITICAL
    elif elapsed >= params.slow_seconds:
        status = Status.WARNING
    else:
        status = Status.OK
    summary = f"GET {url} → {code} in {elapsed * 1000:.0f} ms"
    if status is Status.WARNING:
        summary += f" (slower than {params.slow_seconds:g} s)"
    elif status is Status.CRITICAL and evidence["body"]:
        summary += f": {evidence['body'][:120]}"
    return Finding(check="health_endpoint", status=status, summary=summary, evidence=evidence, command=command(ctx))
