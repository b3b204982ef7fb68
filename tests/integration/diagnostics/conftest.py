"""Shared fixtures: an in-process moto with fake credentials, and seeded local worlds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.session import Session
from moto import mock_aws

from functions.aws import AwsClients, new_session
from functions.diagnostics import CHECKS, CheckContext, Finding
from functions.policy import Severity
from local.seed import seed_world, with_overrides
from local.seed_health import stop_health_servers
from tests.samples import SAMPLE_SERVICE


@pytest.fixture(scope="session")
def session() -> Session:
    """One session for the run: its service models load once (EC2's alone takes ~1 s)."""
    session = new_session("us-east-1")
    session.set_credentials("testing", "testing")
    return session


@pytest.fixture
def clients(aws_env: None, session: Session) -> Iterator[AwsClients]:
    with mock_aws():
        yield AwsClients(session)


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


Seed = Callable[[str | None], CheckContext]


@pytest.fixture
def seeded(clients: AwsClients, now: datetime) -> Iterator[Seed]:
    """seed(scenario) → the CheckContext of an incident opened a minute ago in that world."""

    def seed(scenario: str | None) -> CheckContext:
        overrides = seed_world(clients, SAMPLE_SERVICE, scenario, now)
        return CheckContext(
            incident_id="flask-sre-challenge-test",
            scenario=scenario or "unclassified",
            severity=Severity.P1,
            service=with_overrides(SAMPLE_SERVICE, overrides),
            now=now,
            opened_at=now - timedelta(minutes=1),
            alarm_names=["flask-sre-challenge-test-alarm"],
        )

    yield seed
    stop_health_servers()


def run(name: str, ctx: CheckContext, clients: AwsClients, **params: Any) -> Finding:
    """Call one registered check directly (no runner): its params from the service's policy, with overrides."""
    spec = CHECKS[name]
    return spec.run(ctx, clients, spec.params.model_validate(spec.params_for(ctx.service).model_dump() | params))
