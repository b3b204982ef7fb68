from __future__ import annotations

from functions.diagnostics import Status
from tests.integration.diagnostics.conftest import run


def test_quiet_database_is_ok(seeded, clients):
    # Given a lightly loaded database
    ctx = seeded(None)
    # When the responder checks its metrics
    finding = run("rds_performance", ctx, clients)
    # Then everything is within thresholds
    assert finding.status is Status.OK
    assert finding.summary == (
        "RDS flask-sre-challenge-db: connections 18, CPU 22%, read latency 1.8 ms, write latency 2.6 ms, "
        "free storage 14 GiB"
    )
    assert "--metric-name DatabaseConnections" in finding.command


def test_full_disk_puts_the_critical_metrics_first(seeded, clients):
    # Given the database out of storage, writes stalling
    ctx = seeded("database")
    finding = run("rds_performance", ctx, clients)
    # Then it is critical and the breaching metrics lead the summary
    assert finding.status is Status.CRITICAL
    assert finding.summary.startswith(
        "RDS flask-sre-challenge-db: write latency 180 ms (critical), free storage 0 GiB (critical), "
        "connections 95 (warning)"
    )


def test_slow_queries_warn(seeded, clients):
    # Given high CPU and read latency
    ctx = seeded("performance-degradation")
    finding = run("rds_performance", ctx, clients)
    assert finding.status is Status.WARNING
    assert finding.evidence["cpu"] == 88.0
    assert finding.evidence["read_latency"] == 46.0
