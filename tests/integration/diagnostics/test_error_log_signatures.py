from __future__ import annotations

from functions.diagnostics import Status
from tests.integration.diagnostics.conftest import run


def test_background_errors_stay_ok(seeded, clients):
    # Given a healthy service with two stray ERROR lines in the hour
    ctx = seeded(None)
    # When the responder reads the error log
    finding = run("error_log_signatures", ctx, clients)
    # Then it is OK, still showing what it found
    assert finding.status is Status.OK
    assert finding.evidence["total"] == 2
    assert finding.summary == (
        "2 ERROR lines in 60 min, 1 signature: 2× ERROR app: favicon.ico requested by <ip> not found"
    )
    assert finding.command.startswith(
        "aws logs filter-log-events --log-group-name /ecs/flask-sre-challenge --filter-pattern 'ERROR' --start-time "
    )


def test_high_error_rate_groups_lines_into_signatures_with_counts(seeded, clients):
    # Given three kinds of errors with varying ids, numbers and quoted values
    ctx = seeded("high-error-rate")
    # When the responder reads the error log
    finding = run("error_log_signatures", ctx, clients)
    # Then 94 lines fold into 3 signatures, most frequent first
    assert finding.status is Status.WARNING
    assert finding.evidence["total"] == 94
    assert [(s["count"], s["signature"]) for s in finding.evidence["signatures"]] == [
        (
            64,
            "ERROR api.users: unhandled exception on GET /api/users/<n>: AttributeError: <str> object has no "
            "attribute <str>",
        ),
        (21, "ERROR api.orders: upstream payments returned <n> for order <n> (request <hex>)"),
        (9, "ERROR sqlalchemy.pool: timeout after <n> ms waiting for a connection"),
    ]
    assert finding.summary.startswith("94 ERROR lines in 60 min, 3 signatures: 64× ERROR api.users")
    top = finding.evidence["signatures"][0]
    assert top["example"].endswith("AttributeError: 'NoneType' object has no attribute 'email'")
    assert top["first_seen"] < top["last_seen"]


def test_many_errors_are_critical(seeded, clients):
    # Given the error-budget world (115 ERROR lines in the hour)
    ctx = seeded("error-budget")
    # When the responder reads the error log
    finding = run("error_log_signatures", ctx, clients)
    # Then it is critical (≥ 100 lines)
    assert finding.status is Status.CRITICAL
    assert finding.evidence["total"] == 115


def test_reading_stops_at_the_page_limit_and_says_so(seeded, clients):
    # Given 94 error lines
    ctx = seeded("high-error-rate")
    # When read one page of 50 at most
    finding = run("error_log_signatures", ctx, clients, page_size=50, max_pages=1)
    # Then the count is a floor, marked with '+'
    assert finding.evidence["truncated"] is True
    assert finding.evidence["total"] == 50
    assert finding.summary.startswith("50+ ERROR lines")
