"""run_checks: concurrency, one budget, and every failure turned into an UNKNOWN finding."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from functions.aws import AwsClients, new_session
from functions.diagnostics import CHECKS, THROTTLED, CheckContext, Finding, Status, alb_target_health, run_checks
from functions.diagnostics.base import CheckSpec, Params
from functions.policy import Severity
from tests.samples import SAMPLE_SERVICE

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
CTX = CheckContext(
    incident_id="i-1",
    scenario="service-down",
    severity=Severity.P0,
    service=SAMPLE_SERVICE,
    now=NOW,
    opened_at=NOW - timedelta(minutes=1),
)


def spec(name: str, run: Any) -> CheckSpec:
    return CheckSpec(name=name, run=run, params=Params, command=lambda ctx: f"aws {name}", clients=(), doc="test")


def ok(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    return Finding(check="fast", status=Status.OK, summary="fine")


def boom(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
    raise RuntimeError("kaboom")


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # let the abandoned thread finish after the test


@pytest.fixture
def fake_checks(monkeypatch: pytest.MonkeyPatch, release: threading.Event) -> None:
    def hang(ctx: CheckContext, clients: AwsClients, params: Params) -> Finding:
        release.wait(30)
        return Finding(check="hang", status=Status.OK, summary="too late")

    for name, run in (("fast", ok), ("boom", boom), ("hang", hang)):
        monkeypatch.setitem(CHECKS, name, spec(name, run))


def test_a_raising_check_is_unknown_with_its_reason(fake_checks):
    # Given a check that raises next to one that works
    # When both run
    findings = run_checks(["boom", "fast"], CTX, AwsClients(), budget_seconds=2)
    # Then the failure is reported, not raised, and the other result is kept, in order
    assert [(f.check, f.status) for f in findings] == [("boom", Status.UNKNOWN), ("fast", Status.OK)]
    assert findings[0].summary == "check failed: RuntimeError: kaboom"
    assert findings[0].command == "aws boom"


def test_a_hung_check_is_abandoned_at_the_budget(fake_checks):
    # Given a check that hangs, with a 0.5 s budget
    started = time.monotonic()
    # When the checks run
    findings = run_checks(["hang", "fast"], CTX, AwsClients(), budget_seconds=0.5)
    elapsed = time.monotonic() - started
    # Then the run returns about on budget, with the partial result and the hung check unknown
    assert elapsed < 1.5
    assert [(f.check, f.status) for f in findings] == [("hang", Status.UNKNOWN), ("fast", Status.OK)]
    assert findings[0].summary == "did not finish within the 0.5 s diagnostics budget: run the command by hand"
    assert findings[0].command == "aws hang"


def test_checks_run_concurrently(monkeypatch):
    # Given four checks that each take 0.3 s
    def slow(ctx, clients, params):
        time.sleep(0.3)
        return Finding(check="x", status=Status.OK, summary="slow but fine")

    names = [f"slow{i}" for i in range(4)]
    for name in names:
        monkeypatch.setitem(CHECKS, name, spec(name, slow))
    started = time.monotonic()
    findings = run_checks(names, CTX, AwsClients(), budget_seconds=5)
    # Then together they take about as long as one, each named and timed
    assert time.monotonic() - started < 1.0
    assert [f.check for f in findings] == names
    assert all(f.status is Status.OK and f.duration_ms >= 290 for f in findings)


def test_unknown_names_and_duplicates(fake_checks):
    findings = run_checks(["fast", "nope", "fast"], CTX, AwsClients(), budget_seconds=1)
    assert [(f.check, f.status) for f in findings] == [("fast", Status.OK), ("nope", Status.UNKNOWN)]
    assert findings[1].summary == "no diagnostic check named 'nope' is registered"


def test_no_checks_returns_nothing_at_once():
    assert run_checks([], CTX, AwsClients(), budget_seconds=1) == []


class StubbedClients(AwsClients):
    """AwsClients whose elbv2 client answers from a botocore Stubber."""

    def __init__(self, error_code: str, status: int) -> None:
        session = new_session("us-east-1")
        session.set_credentials("x", "x")
        super().__init__(session)
        self.stub_client = super().client("elbv2")
        self.stubber = Stubber(self.stub_client)
        self.stubber.add_client_error(
            "describe_target_groups",
            service_error_code=error_code,
            service_message=f"{error_code} for this test",
            http_status_code=status,
        )
        self.stubber.activate()

    def client(self, service: str) -> Any:
        assert service == "elbv2"
        return self.stub_client


@pytest.mark.parametrize(
    ("code", "status", "summary"),
    [
        (
            "AccessDenied",
            403,
            "access denied calling DescribeTargetGroups (AccessDenied): "
            "the responder's role needs this read permission",
        ),
        ("Throttling", 400, "throttled by AWS on DescribeTargetGroups (Throttling) after the client's retries"),
        (
            "PriorRequestNotComplete",
            400,
            "throttled by AWS on DescribeTargetGroups (PriorRequestNotComplete) after the client's retries",
        ),
        ("ValidationError", 400, "AWS error ValidationError on DescribeTargetGroups: ValidationError for this test"),
    ],
)
def test_aws_errors_become_unknown_with_an_actionable_reason(code, status, summary):
    # Given the ELBv2 API answering with an error
    clients = StubbedClients(code, status)
    # When the target health check runs
    [finding] = run_checks(["alb_target_health"], CTX, clients, budget_seconds=2)
    # Then it is unknown, says why, and still gives the command to run by hand
    assert finding.status is Status.UNKNOWN
    assert finding.summary == summary
    assert finding.evidence["code"] == code
    assert finding.command == alb_target_health.command(CTX)


def test_param_overrides_reach_the_check(monkeypatch):
    seen = []

    def record(ctx, clients, params):
        seen.append(params)
        return Finding(check="rec", status=Status.OK, summary="ok")

    monkeypatch.setitem(CHECKS, "rec", spec("rec", record))
    custom = Params()
    run_checks(["rec"], CTX, AwsClients(), budget_seconds=1, params={"rec": custom})
    assert seen == [custom]


def test_wrong_param_type_is_unknown_not_a_crash():
    [finding] = run_checks(
        ["alb_target_health"], CTX, AwsClients(), budget_seconds=1, params={"alb_target_health": Params()}
    )
    assert finding.status is Status.UNKNOWN
    assert "params for alb_target_health" in finding.summary


def test_the_throttling_codes_are_botocores():
    # Given the error codes botocore's standard retry mode treats as throttling (a private list)
    from botocore.retries.standard import ThrottledRetryableChecker

    botocores = set(ThrottledRetryableChecker._THROTTLED_ERROR_CODES)
    # Then a check calls exactly those "throttled": a botocore upgrade that changes them fails here
    assert len(botocores) > 5
    assert set(THROTTLED) == botocores
