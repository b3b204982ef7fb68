from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from functions.diagnostics import Status
from tests.integration.diagnostics.conftest import run
from tests.samples import SAMPLE_SERVICE


def test_no_health_url_configured_is_unknown(seeded, clients):
    # Given a service without a health URL
    ctx = seeded(None)
    ctx = ctx.model_copy(update={"service": SAMPLE_SERVICE.model_copy(update={"health_url": None})})
    # When the responder checks the endpoint
    finding = run("health_endpoint", ctx, clients)
    # Then it says so instead of guessing
    assert finding.status is Status.UNKNOWN
    assert finding.summary == "no health URL configured for this service (ServiceConfig.health_url)"


def test_healthy_endpoint_answers_200(seeded, clients):
    # Given the local health endpoint answering 200
    ctx = seeded(None)
    # When the responder checks it
    finding = run("health_endpoint", ctx, clients)
    # Then it is OK and the command is the runbook's curl
    assert finding.status is Status.OK
    assert finding.evidence["status_code"] == 200
    assert finding.summary.startswith(f"GET {ctx.service.health_url} → 200 in ")
    assert finding.command == f"curl -f -sS -m 5 {ctx.service.health_url}"


def test_503_is_critical_with_the_body(seeded, clients):
    # Given the service down: the endpoint answers 503
    ctx = seeded("service-down")
    # When the responder checks it
    finding = run("health_endpoint", ctx, clients)
    # Then it is critical and quotes the body
    assert finding.status is Status.CRITICAL
    assert finding.evidence["status_code"] == 503
    assert finding.summary.endswith('{"message": "Service Unavailable"}')


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield server.getsockname()[1]
    server.close()


def test_no_answer_within_the_timeout_is_critical(seeded, clients, silent_port):
    # Given an endpoint that accepts but never answers
    ctx = seeded(None)
    service = SAMPLE_SERVICE.model_copy(update={"health_url": f"http://127.0.0.1:{silent_port}/health"})
    ctx = ctx.model_copy(update={"service": service})
    # When checked with a short timeout
    finding = run("health_endpoint", ctx, clients, timeout_seconds=0.3)
    # Then it is critical: users would wait too
    assert finding.status is Status.CRITICAL
    assert finding.summary == f"GET http://127.0.0.1:{silent_port}/health: no response within 0.3 s"


def test_refused_connection_is_critical(seeded, clients):
    # Given nothing listening on the port
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    ctx = seeded(None).model_copy(
        update={"service": SAMPLE_SERVICE.model_copy(update={"health_url": f"http://127.0.0.1:{port}/health"})}
    )
    # When checked
    finding = run("health_endpoint", ctx, clients)
    # Then it is critical with the connection error
    assert finding.status is Status.CRITICAL
    assert "connection failed" in finding.summary
