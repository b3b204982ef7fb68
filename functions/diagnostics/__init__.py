"""Automatic diagnostics: the registry of checks and the runner that runs a scenario's checks.

The registry is an explicit dict (no package walking): a check module that fails to import breaks
the import of this package, loudly, instead of quietly disappearing. `run_checks` runs checks
concurrently under one overall time budget and always returns one Finding per requested check,
in the requested order: a check that raises, is throttled, is denied, or is still running when the
budget is spent yields `Status.UNKNOWN` with the reason in its summary.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from functions.aws import AwsClients
from functions.diagnostics import (
    alb_error_rate,
    alb_latency,
    alb_target_health,
    ecs_service,
    ecs_utilization,
    error_log_signatures,
    health_endpoint,
    rds_instance,
    rds_performance,
    recent_deployments,
)
from functions.diagnostics.base import CheckContext, CheckSpec, Finding, Params, Status
from functions.observability import logger
from functions.services import ServiceConfig

__all__ = ["CHECKS", "CheckContext", "CheckSpec", "Finding", "Status", "applicable", "run_checks"]

CHECKS: dict[str, CheckSpec] = {
    spec.name: spec
    for spec in (
        CheckSpec.of(alb_target_health),
        CheckSpec.of(ecs_service),
        CheckSpec.of(rds_instance),
        CheckSpec.of(recent_deployments),
        CheckSpec.of(health_endpoint),
        CheckSpec.of(error_log_signatures),
        CheckSpec.of(ecs_utilization),
        CheckSpec.of(alb_latency),
        CheckSpec.of(rds_performance),
        CheckSpec.of(alb_error_rate),
    )
}

MAX_WORKERS = 8

ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
    }
)
# The codes botocore's standard retry mode treats as throttling: seeing one here means the
# client's own retries (functions/aws.py CLIENT_CONFIG) were already spent. A copy of botocore's
# private ThrottledRetryableChecker._THROTTLED_ERROR_CODES, not a read of it: a botocore release that
# renames it must not break every cold start (tests/unit/diagnostics/test_runner.py compares them).
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)


def applicable(names: Sequence[str], service: ServiceConfig) -> list[str]:
    """The scenario's checks that read only resources the service has (a service without a database
    gets no database check); a name not in the registry stays, to be reported unknown."""
    return [name for name in names if name not in CHECKS or CHECKS[name].applies_to(service)]


def run_checks(
    names: Sequence[str],
    ctx: CheckContext,
    clients: AwsClients,
    budget_seconds: float,
    *,
    params: Mapping[str, Params] | None = None,
) -> list[Finding]:
    """Run the named checks concurrently; return one Finding per name (duplicates once), in order.

    Never raises. Returns after at most about `budget_seconds`: checks still running then are
    reported UNKNOWN and abandoned (their threads are not waited for; botocore's own timeouts
    end them). `params` overrides a check's default Params, by check name.
    """
    started = time.monotonic()
    deadline = started + max(0.0, budget_seconds)
    ordered = list(dict.fromkeys(names))
    overrides = params or {}
    findings: dict[str, Finding] = {}
    runnable: list[tuple[CheckSpec, Params]] = []
    for name in ordered:
        spec = CHECKS.get(name)
        if spec is None:
            findings[name] = Finding(
                check=name, status=Status.UNKNOWN, summary=f"no diagnostic check named {name!r} is registered"
            )
            continue
        try:
            check_params = overrides.get(name) or spec.params_for(ctx.service)
            if not isinstance(check_params, spec.params):
                raise TypeError(f"params for {name} must be {spec.params.__module__}.Params")
            # boto3 sessions are not thread-safe: create the clients here, before the threads use them.
            for client in spec.clients:
                getattr(clients, client)
        except Exception as error:  # a bad override or an unusable client: that check alone is unknown
            findings[name] = _failed(spec, ctx, error, 0)
            continue
        runnable.append((spec, check_params))

    futures: dict[str, Future[Finding]] = {}
    if runnable:
        executor = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(runnable)), thread_name_prefix="diagnostic")
        try:
            for spec, check_params in runnable:
                futures[spec.name] = executor.submit(_run_one, spec, ctx, clients, check_params)
            wait(futures.values(), timeout=max(0.0, deadline - time.monotonic()))
        finally:
            # Never wait for a hung check: the budget is the promise to the responder.
            executor.shutdown(wait=False, cancel_futures=True)

    elapsed_ms = round((time.monotonic() - started) * 1000)
    for spec, _ in runnable:
        future = futures.get(spec.name)
        if future is not None and future.done() and not future.cancelled():
            findings[spec.name] = future.result()
        else:
            findings[spec.name] = _timed_out(
                spec, ctx, budget_seconds, elapsed_ms, started=future is not None and future.running()
            )
    return [findings[name] for name in ordered]


def _run_one(spec: CheckSpec, ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    """Runs in a worker thread; turns every failure into an UNKNOWN finding, never raises."""
    started = time.monotonic()
    try:
        finding = spec.run(ctx, clients, params)
        if not isinstance(finding, Finding):
            raise TypeError(f"check {spec.name} returned {type(finding).__name__}, not a Finding")
    except Exception as error:
        return _failed(spec, ctx, error, round((time.monotonic() - started) * 1000))
    return finding.model_copy(update={"check": spec.name, "duration_ms": round((time.monotonic() - started) * 1000)})


def _failed(spec: CheckSpec, ctx: CheckContext, error: Exception, duration_ms: int) -> Finding:
    summary, evidence = describe_error(error)
    logger.warning(
        "diagnostic check failed",
        extra={"check": spec.name, "reason": summary, "incident_id": ctx.incident_id},
        exc_info=not isinstance(error, ClientError | BotoCoreError),
    )
    return Finding(
        check=spec.name,
        status=Status.UNKNOWN,
        summary=summary,
        evidence=evidence,
        command=_command(spec, ctx),
        duration_ms=duration_ms,
    )


def _timed_out(spec: CheckSpec, ctx: CheckContext, budget: float, elapsed_ms: int, started: bool) -> Finding:
    what = "did not finish" if started else "did not start"
    summary = f"{what} within the {budget:g} s diagnostics budget: run the command by hand"
    logger.warning("diagnostic check timed out", extra={"check": spec.name, "incident_id": ctx.incident_id})
    return Finding(
        check=spec.name,
        status=Status.UNKNOWN,
        summary=summary,
        evidence={"error": "timeout", "budget_seconds": budget},
        command=_command(spec, ctx),
        duration_ms=elapsed_ms,
    )


def describe_error(error: Exception) -> tuple[str, dict[str, Any]]:
    """One line a responder can act on, and the error's details, for a failed check."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "Unknown")
        message = str(error.response.get("Error", {}).get("Message", ""))[:200]
        operation = error.operation_name
        evidence = {"error": "ClientError", "code": code, "operation": operation, "message": message}
        if code in ACCESS_DENIED:
            return (
                f"access denied calling {operation} ({code}): the responder's role needs this read permission",
                evidence,
            )
        if code in THROTTLED:
            return f"throttled by AWS on {operation} ({code}) after the client's retries", evidence
        return f"AWS error {code} on {operation}: {message}", evidence
    if isinstance(error, ReadTimeoutError | ConnectTimeoutError):
        return f"AWS did not answer in time: {error}", {"error": type(error).__name__}
    if isinstance(error, BotoCoreError):
        return f"AWS call failed: {error}", {"error": type(error).__name__}
    return f"check failed: {type(error).__name__}: {error}"[:300], {"error": type(error).__name__}


def _command(spec: CheckSpec, ctx: CheckContext) -> str:
    try:
        return spec.command(ctx)
    except Exception:
        return ""
