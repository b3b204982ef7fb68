from __future__ import annotations

from functions.diagnostics import Status
from tests.integration.diagnostics.conftest import run


def test_available_database_is_ok(seeded, clients):
    # Given the database up
    ctx = seeded(None)
    # When the responder checks it
    finding = run("rds_instance", ctx, clients)
    # Then it is OK, with the runbook's command
    assert finding.status is Status.OK
    assert finding.summary.startswith("RDS flask-sre-challenge-db is available")
    assert finding.command == "aws rds describe-db-instances --db-instance-identifier flask-sre-challenge-db"


def test_storage_full_database_is_critical_and_says_what_to_do(seeded, clients):
    # Given a database that ran out of storage
    ctx = seeded("database")
    # When the responder checks it
    finding = run("rds_instance", ctx, clients)
    # Then it is critical and points at the storage
    assert finding.status is Status.CRITICAL
    assert finding.evidence["db_status"] == "storage-full"
    assert "storage full at 20 GiB: increase allocated storage" in finding.summary


def test_stopped_database_is_critical(seeded, clients):
    # Given a database someone stopped (through the API)
    ctx = seeded(None)
    clients.rds.stop_db_instance(DBInstanceIdentifier="flask-sre-challenge-db")
    # When the responder checks it
    finding = run("rds_instance", ctx, clients)
    # Then it is critical
    assert finding.status is Status.CRITICAL
    assert finding.summary.startswith("RDS flask-sre-challenge-db is stopped")


def test_a_status_listed_as_warning_is_a_warning(seeded, clients):
    # Given a stopped database, and a team that treats 'stopped' as a warning
    ctx = seeded(None)
    clients.rds.stop_db_instance(DBInstanceIdentifier="flask-sre-challenge-db")
    # When checked with that parameter
    finding = run("rds_instance", ctx, clients, warning_statuses=frozenset({"stopped"}))
    # Then it is a warning
    assert finding.status is Status.WARNING
