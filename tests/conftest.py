"""Shared fixtures: sample events by name, and the embedded AWS world the handlers run against."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from functions import clock as runtime_clock
from functions.policy import RUNBOOK, EventRule

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The suite's own configs: the runbook's sample service, and a team's two services. The user's
# responder.config.json is never read by a test (RESPONDER_CONFIG points every default read here).
SAMPLE_CONFIG = FIXTURES / "configs" / "sample.json"
TWO_SERVICES_CONFIG = ROOT / "examples" / "two-services.json"


def pytest_configure(config: pytest.Config) -> None:
    os.environ["RESPONDER_CONFIG"] = str(SAMPLE_CONFIG)
    _share_botocore_models()


def _share_botocore_models() -> None:
    """Every botocore session of the run reads its service models through one loader.

    Each world, replay and handler container builds a new Session, and a new Session parses the
    models' JSON again (~0.1 s a client, most of a world's set-up). The parsed models are read-only,
    as they are for the many clients of one Session; credentials, region and clients stay per Session.
    """
    import botocore.loaders
    import botocore.session

    @functools.cache
    def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        loader = botocore.loaders.create_loader(search_path_string)
        loader._search_paths = _PathsOnce(loader.search_paths)  # each boto3 Session appends its data path
        return loader

    botocore.session.create_loader = shared_loader  # type: ignore[attr-defined]


class _PathsOnce(list[str]):
    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


def load_event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def event_at(name: str, moment: datetime) -> Any:
    """A sample SNS alarm event moved to another StateChangeTime (same alarm, same state)."""
    event = load_event(name)
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["StateChangeTime"] = moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def event_files() -> list[Path]:
    return sorted(EVENTS.glob("*.json"))


PUBLIC = FIXTURES / "public"
# What `responder classify` must print for each public payload (tests/fixtures/public/SOURCES.md).
PUBLIC_EXPECTED: dict[str, list[dict[str, Any]]] = json.loads((PUBLIC / "expected.json").read_text(encoding="utf-8"))


def public_payloads() -> list[Path]:
    return sorted(path for path in PUBLIC.glob("*.json") if path.name != "expected.json")


def rows_of(detail_type: str) -> list[EventRule]:
    return [row for row in RUNBOOK.event_rules if row.detail_type == detail_type]


def own_fields(row: EventRule) -> dict[str, tuple[str, ...]]:
    """An event with this row's values and nothing any earlier row asks for."""
    fields = {field: ("UNLISTED",) for other in rows_of(row.detail_type) for field in other.when}
    return fields | {field: values[:1] for field, values in row.when.items()}


FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials for moto, and none of the developer's profile or endpoint leaking in."""
    for key, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)


def streamed_table(db: Any, name: str, range_key: bool = True) -> None:
    """A pk (and sk) table with a NEW_AND_OLD_IMAGES stream, as the incident table is."""
    keys = ["pk", "sk"] if range_key else ["pk"]
    db.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in zip(keys, ("HASH", "RANGE"), strict=False)],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in keys],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


@pytest.fixture
def world() -> Iterator[Any]:
    """moto with the responder's table, topics, Slack capture and secrets; handlers' env pointed at it."""
    from functions.observability import metrics
    from local.world import local_world

    with local_world() as created:
        metrics.clear_metrics()  # a new container's buffer: nothing an earlier test left unflushed
        yield created


@pytest.fixture
def frozen_clock() -> Iterator[Any]:
    """Runtime `now()` under the test's control (the same seam the replay's virtual clock uses)."""
    from datetime import UTC, datetime

    from local.virtual_clock import VirtualClock

    clock = VirtualClock(datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
    previous = runtime_clock._source
    runtime_clock._source = clock.now
    try:
        yield clock
    finally:
        runtime_clock._source = previous


def roster_document() -> dict[str, Any]:
    """A valid roster (tests/fixtures/roster/team.json): 7 fictional people, L1 rotating ana, ben, cam
    from Monday 2026-01-05 09:00 UTC, L2 dee, eli from 2026-01-12; no overrides. A fresh copy each call."""
    document: dict[str, Any] = json.loads((FIXTURES / "roster" / "team.json").read_text(encoding="utf-8"))
    return document
