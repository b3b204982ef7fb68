"""Shared powertools Logger and Metrics. No Tracer: the X-Ray SDK import costs ~0.5 s of every
cold start; the functions run with active tracing, which records a trace without it."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="runbook-responder")
metrics = Metrics(namespace="RunbookResponder", service="runbook-responder")

# Metric names other code alarms on (infra/constructs/self_monitoring.py reads these).
SYNTHETIC_OPENED_METRIC = "SyntheticTestOpened"
SYNTHETIC_PAGED_METRIC = "SyntheticTestPaged"
ROSTER_INVALID_METRIC = "RosterInvalid"
INCIDENT_CHANNEL_FAILED_METRIC = "IncidentChannelFailed"


def flush_metrics() -> None:
    """Print the buffered metrics as one EMF line, if any: for a handler whose invocations often record
    none (an HTTP request), where `log_metrics` would warn "No application metrics" on each of those."""
    if metrics.metric_set:
        metrics.flush_metrics()
