"""Hostile and broken input: the intake never raises, rejects with one line naming the place, parks
what it cannot read, still handles the good records of the same batch, and never lets alarm text
mention people or forge a line of a notification.

The tests at the bottom pin the inputs that broke earlier versions (each names the failure).
"""

from __future__ import annotations

import copy
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from string import Template
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from functions import container
from functions.declared.declaration import Declaration
from functions.handlers.alarm_intake import handler
from functions.intake.parse import Rejected, parse_event
from functions.intake.signal import (
    AlarmKind,
    AlarmState,
    Marker,
    MetricRef,
    Signal,
    SignalSource,
)
from functions.lifecycle import decide
from functions.maintenance.window import MaintenanceWindow, WindowEnd
from functions.notifications.escape import escape_text
from functions.notifications.render import TEMPLATES, initial_message
from functions.observability import metrics
from functions.scenarios import Action, classify
from functions.services import UNASSIGNED, ServiceConfig
from local.lambda_context import FakeLambdaContext
from tests.conftest import event_files, load_event
from tests.samples import SAMPLE_SERVICES

SAMPLES: list[tuple[str, Any]] = [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in event_files()]
SNS_ALARMS = [
    (name, event) for name, event in SAMPLES if ".sns" in name and name.endswith(".alarm.json") and "Records" in event
]
MAX_REASON = 500
TABLE = "runbook-responder-incidents"

# --- strategies ----------------------------------------------------------------------------------

HOSTILE_BITS = (
    "@channel",
    "@here",
    "@everyone",
    "<!here>",
    "<!channel>",
    "<!everyone>",
    "<@U123>",
    "<#C123|general>",
    "<http://evil.example|click me>",
    "**Status**: Resolved",
    "\n**Status**: Resolved\n",
    "\r\n**Impact**: none\r\n",
    "*bold* _it_ ~strike~ `code` ```block```",
    "> quoted",
    "\u202eesrever\u202c",  # right-to-left override
    "\u2067isolate\u2069",
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width
    "\u2028\u2029\x85\x0b\x0c",  # line/paragraph separators
    "\x00\x07\x1b[31m",
    "مرحبا بالعالم",
    "שלום",
    "🚨🔥👩‍💻🏳️‍🌈",
    "$severity ${service} $$",
    '{"AlarmName": 1}',
    "%s %d {0}",
)
# Pieces are joined with spaces: "@channel" glued to a following letter is a known gap of the
# escaping (test_mention_glued_to_a_letter_is_neutralised), pinned separately below.
hostile_text = st.lists(st.sampled_from(HOSTILE_BITS) | st.text(max_size=12), min_size=1, max_size=12).map(" ".join)


def huge(max_size: int = 100_000) -> st.SearchStrategy[str]:
    """Long strings made of one hostile piece repeated, up to `max_size` characters."""
    return st.builds(
        lambda unit, size: (unit * (size // max(1, len(unit)) + 1))[:size],
        st.sampled_from((*HOSTILE_BITS, "a", "é")),
        st.integers(min_value=min(5_000, max_size), max_value=max_size),
    )


huge_text = huge()
any_text = hostile_text | st.text(max_size=40) | huge_text

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**18), max_value=10**18)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | hostile_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)

# Keys that steer parse_event's dispatch, so random objects reach its branches.
SHAPE_KEYS = (
    *("Records", "Sns", "Message", "eventSource", "body", "Type", "Timestamp"),
    *("source", "detail-type", "detail", "alarmData", "time"),
    *("AlarmName", "NewStateValue", "StateChangeTime"),
)
shaped_objects = st.dictionaries(st.sampled_from(SHAPE_KEYS) | st.text(max_size=8), json_values, max_size=6)

# Garbage where JSON text is expected (an SNS Message, an SQS body), nested deeper than the
# interpreter's recursion limit too.
garbage_json_text = st.one_of(
    st.text(max_size=50),
    hostile_text,
    json_values.map(json.dumps),
    json_values.map(lambda v: json.dumps(json.dumps(v))),  # a JSON string holding JSON
    st.integers(min_value=1, max_value=200).map(lambda n: "[" * n),
    st.integers(min_value=1, max_value=200).map(lambda n: '{"a":' * n),
    st.just("[" * 100_000),
    st.sampled_from(("", "null", "[]", "{}", "NaN", "-Infinity", '{"AlarmName":', "\ufeff{}", '"\\ud800"', "1e99999")),
)


class Embedded:
    """A JSON document that travels inside a string (an SNS Message, an SQS body)."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc


EMBED = object()


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return Embedded(decode(json.loads(value)))
        except ValueError:
            return value
    return value


def encode(value: Any) -> Any:
    if isinstance(value, Embedded):
        return json.dumps(encode(value.doc))
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [encode(item) for item in value]
    return value


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, Embedded):
        found += paths(value.doc, (*prefix, EMBED))
    elif isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def _at(tree: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        tree = tree.doc if step is EMBED else tree[step]
    return tree


def _replace(tree: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = _at(tree, path[:-1])
    if path[-1] is EMBED:
        parent.doc = new
    else:
        parent[path[-1]] = new
    return tree


def _drop(tree: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return {}
    parent = _at(tree, path[:-1])
    if path[-1] is EMBED:
        parent.doc = None
    elif isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent.pop(path[-1])
    return tree


def _of_another_type(value: Any) -> st.SearchStrategy[Any]:
    kind = type(value)
    return json_values.filter(lambda other: type(other) is not kind)


TIME_STYLES = (
    "%Y-%m-%dT%H:%M:%S.%f+0000",
    "%Y-%m-%d %H:%M:%S",
    "%a, %d %b %Y %H:%M:%S GMT",
    "%Y-%m-%dT%H:%M:%S+05:30",
    "%d/%m/%Y",
    "%s",
)
OPERATIONS = ("drop", "retype", "hostile", "huge", "truncate", "garbage", "wrap", "timestamp")


@st.composite
def mutated(draw: st.DrawFn, event: Any, max_ops: int = 4, huge_max: int = 100_000) -> Any:
    """The event with a few random edits, anywhere, including inside embedded JSON strings."""
    tree = decode(copy.deepcopy(event))
    for _ in range(draw(st.integers(min_value=1, max_value=max_ops))):
        path = draw(st.sampled_from(paths(tree)))
        current = _at(tree, path)
        operation = draw(st.sampled_from(OPERATIONS))
        if operation == "drop":
            tree = _drop(tree, path)
        elif operation == "retype":
            tree = _replace(tree, path, draw(_of_another_type(current)))
        elif operation == "hostile":
            tree = _replace(tree, path, draw(hostile_text))
        elif operation == "huge":
            tree = _replace(tree, path, draw(huge(huge_max)))
        elif operation == "truncate":
            text = json.dumps(encode(current.doc)) if isinstance(current, Embedded) else current
            if isinstance(text, str):
                tree = _replace(tree, path, text[: draw(st.integers(min_value=0, max_value=len(text)))])
        elif operation == "garbage":
            tree = _replace(tree, path, draw(garbage_json_text))
        elif operation == "wrap":
            as_list = draw(st.booleans())
            tree = _replace(tree, path, [current] if as_list else json.dumps(encode(current)))
        else:  # a timestamp AWS never writes, within the years the code survives (see test_far_*)
            moment = draw(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)))
            style = draw(st.sampled_from(TIME_STYLES))
            tree = _replace(tree, path, moment.strftime(style))
    return encode(tree)


sample_events = st.sampled_from(SAMPLES).map(lambda item: item[1])
mutated_samples = sample_events.flatmap(mutated)


def _cut(text: str) -> st.SearchStrategy[str]:
    return st.integers(min_value=0, max_value=len(text)).map(lambda n: text[:n])


truncated_samples = st.sampled_from([json.dumps(event) for _, event in SAMPLES]).flatmap(_cut)


def _sns_record_of(event: Any) -> Any:
    """An SNS record carrying `event` as its Message (a mutated sample alarm, or anything)."""
    record = copy.deepcopy(SNS_ALARMS[0][1]["Records"][0])
    record["Sns"]["Message"] = event if isinstance(event, str) else json.dumps(event)
    return record


def _sqs_record_of(body: Any) -> Any:
    return {"messageId": "m-1", "eventSource": "aws:sqs", "body": body if isinstance(body, str) else json.dumps(body)}


batch_records = st.one_of(
    sample_events.flatmap(lambda e: st.sampled_from(e["Records"]) if "Records" in e else st.just(_sns_record_of(e))),
    mutated_samples.map(_sns_record_of),
    mutated_samples.map(_sqs_record_of),
    st.sampled_from([item for _, e in SNS_ALARMS for item in e["Records"]]).flatmap(mutated),
    garbage_json_text.map(_sns_record_of),
    garbage_json_text.map(_sqs_record_of),
    json_values,
    shaped_objects,
)
batches = st.lists(batch_records, min_size=1, max_size=6).map(lambda records: {"Records": records})


# --- parse_event: never raises; a rejection is one line that names the place ----------------------


def assert_parses_cleanly(event: Any) -> list[Any]:
    records = parse_event(event)  # must not raise
    assert isinstance(records, list) and records
    batch = isinstance(event, dict) and isinstance(event.get("Records"), list) and event["Records"]
    if batch:
        assert len(records) == len(event["Records"])
    for index, record in enumerate(records):
        assert isinstance(record, Signal | Rejected | Declaration | MaintenanceWindow | WindowEnd)
        if isinstance(record, Rejected):
            assert record.reason.strip(), "a rejection says why"
            assert len(record.reason.splitlines()) == 1, f"not one line: {record.reason[:200]!r}"
            assert len(record.reason) < MAX_REASON, f"{len(record.reason)} characters: {record.reason[:200]!r}"
            if batch:
                assert record.reason.startswith(f"Records[{index}]"), record.reason[:200]
    return records


@given(json_values | shaped_objects)
@settings(max_examples=300, deadline=None)
def test_parse_event_never_raises_on_random_json(event):
    assert_parses_cleanly(event)


@given(mutated_samples)
@settings(max_examples=400, deadline=None)
def test_parse_event_never_raises_on_mutated_samples(event):
    assert_parses_cleanly(event)


@given(truncated_samples)
@settings(max_examples=50, deadline=None)
def test_truncated_sample_text_is_rejected_not_raised(text):
    # The runtime hands over whatever JSON decoded; a cut-off document can only arrive as a string.
    (record,) = assert_parses_cleanly(text)
    assert isinstance(record, Rejected)


@given(batches)
@settings(max_examples=300, deadline=None)
def test_sns_and_sqs_batches_mixing_good_and_bad_records(event):
    records = assert_parses_cleanly(event)
    # a good record keeps its place in the batch whatever its neighbours are
    for record, raw in zip(records, event["Records"], strict=True):
        alone = parse_event({"Records": [raw]})[0]
        assert type(alone) is type(record)
        if isinstance(record, Signal) and isinstance(alone, Signal):
            # (an unrecognised SNS message without a Timestamp is stamped with the time of reading)
            assert alone.model_dump(exclude={"occurred_at"}) == record.model_dump(exclude={"occurred_at"})


def test_every_sample_parses_with_every_field_dropped():
    # Exhaustively: each sample with each single field (at any depth, embedded JSON included) removed
    for name, event in SAMPLES:
        tree = decode(copy.deepcopy(event))
        for path in paths(tree)[1:]:
            edited = _drop(decode(copy.deepcopy(event)), path)
            try:
                assert_parses_cleanly(encode(edited))
            except AssertionError as failure:
                raise AssertionError(f"{name} without {path}: {failure}") from None


# --- classify: any Signal ------------------------------------------------------------------------

# A resource a service has (a name) or has not (None); blank names and ARNs are refused at config time.
resource_names = st.none() | st.text(min_size=1, max_size=20).filter(lambda t: t.strip() and not t.startswith("arn:"))

services = st.lists(
    st.builds(
        ServiceConfig,
        name=st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
        target_group=resource_names,
        cluster=resource_names,
        namespace=resource_names,
        synthetic=st.booleans(),
    ),
    max_size=3,
).map(lambda extra: (*SAMPLE_SERVICES, *extra))

signals = st.builds(
    Signal,
    source=st.sampled_from(SignalSource),
    name=any_text,
    state=st.none() | st.sampled_from(AlarmState),
    previous_state=st.none() | st.sampled_from(AlarmState),
    occurred_at=st.datetimes(timezones=st.just(UTC)),
    reason=any_text,
    description=any_text,
    alarm_kind=st.none() | st.sampled_from(AlarmKind),
    metrics=st.lists(
        st.builds(
            MetricRef,
            namespace=st.none() | st.text(max_size=30),
            name=st.none() | st.text(max_size=30),
            dimensions=st.dictionaries(st.text(max_size=10), st.text(max_size=40), max_size=3),
        ),
        max_size=3,
    ).map(tuple),
    resources=st.lists(any_text, max_size=3).map(tuple),
    categories=st.lists(st.text(max_size=20), max_size=3).map(tuple),
    marker=st.none()
    | st.builds(Marker, rule=st.none() | st.text(max_size=30), service=st.none() | st.text(max_size=30)),
    transport=st.text(max_size=10),
)


@given(signals, services)
@settings(max_examples=300, deadline=None)
def test_classify_never_raises_on_any_signal(signal, configured):
    classification = classify(signal, configured)
    assert classification.action in Action
    if classification.action is not Action.IGNORE:
        assert classification.severity is not None and classification.scenario is not None


# --- through the real handler: bad records parked, good ones still handled ----------------------

_stamps = itertools.count()


def _good_record(template: Any) -> Any:
    """A sample alarm record with a transition no earlier example used (a fresh incident each time)."""
    record = copy.deepcopy(template)
    message = json.loads(record["Sns"]["Message"])
    moment = datetime(2026, 11, 26, 14, 0, tzinfo=UTC) + timedelta(seconds=next(_stamps))
    message["StateChangeTime"] = moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    record["Sns"]["Message"] = json.dumps(message)
    return record


def _rejected_alone(record: Any) -> bool:
    return isinstance(parse_event({"Records": [record]})[0], Rejected)


# Long strings: a parked event over SQS's size is parked as reasons plus an excerpt (pinned below).
HANDLER_HUGE = 10_000
bad_records = st.one_of(
    json_scalars,
    st.lists(json_values, max_size=3),
    shaped_objects.filter(lambda r: "Sns" not in r and r.get("eventSource") != "aws:sqs"),
    json_scalars.map(lambda v: {"EventSource": "aws:sns", "Sns": v}),
    json_values.filter(lambda v: not isinstance(v, str)).map(lambda v: {"Sns": {"Message": v}}),
    st.sampled_from([item for _, e in SNS_ALARMS for item in e["Records"]]).flatmap(
        lambda record: mutated(record, huge_max=HANDLER_HUGE)
    ),
    garbage_json_text.map(_sqs_record_of),
    sample_events.flatmap(lambda e: mutated(e, huge_max=HANDLER_HUGE)).map(_sns_record_of),
).filter(_rejected_alone)

good_templates = st.sampled_from([e["Records"][0] for _, e in SNS_ALARMS])


def _drain_dead_letters(world: Any) -> list[dict[str, Any]]:
    sqs, url = world.clients.sqs, world.queues["dlq"]
    bodies: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


@pytest.fixture
def quick_diagnostics(monkeypatch):
    # The world is unseeded: the checks find nothing and return unknown at once; 1 s caps any wait.
    monkeypatch.setenv("DIAGNOSTICS_BUDGET_SECONDS", "1")
    container.reset()


@pytest.fixture
def counted(monkeypatch) -> dict[str, float]:
    """The intake's metrics as the handler adds them (name → total), whatever powertools does with them."""
    totals: dict[str, float] = {}
    add_metric = metrics.add_metric

    def spy(name: str, unit: Any, value: float, *args: Any, **kwargs: Any) -> None:
        totals[name] = totals.get(name, 0) + value
        add_metric(name, unit, value, *args, **kwargs)

    monkeypatch.setattr(metrics, "add_metric", spy)
    return totals


@given(
    good=good_templates,
    bad=st.lists(bad_records, min_size=1, max_size=4),
    position=st.integers(min_value=0, max_value=4),
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much, HealthCheck.too_slow],
)
def test_handler_parks_bad_records_and_still_handles_the_good_one(
    world, quick_diagnostics, counted, good, bad, position
):
    # Given a batch with bad records around one good alarm (a new transition: a fresh incident)
    for owner in ("flask-sre-challenge", UNASSIGNED):  # an alarm naming no service opens unassigned (D8)
        world.clients.dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": f"SERVICE#{owner}"}, "sk": {"S": "OPEN"}})
    _drain_dead_letters(world)
    counted.clear()
    records = list(bad)
    at = min(position, len(records))
    records.insert(at, _good_record(good))
    event = {"Records": records}
    # When the intake handles it
    results = handler(event, FakeLambdaContext())["results"]  # must not raise
    # Then each bad record is counted as rejected, with its reason, and the good one opened an incident
    assert len(results) == len(records)
    assert [r["result"] for i, r in enumerate(results) if i != at] == ["rejected"] * len(bad), results
    assert results[at]["result"] == "opened", results[at]
    assert counted.get("Intake_rejected") == len(bad) and counted.get("Intake_opened") == 1, counted
    bad_positions = [i for i in range(len(records)) if i != at]
    reasons = [results[i]["reason"] for i in bad_positions]
    assert all(reason.startswith(f"Records[{i}]") for i, reason in zip(bad_positions, reasons, strict=True))
    # and the bad ones are parked together on the dead-letter queue, with the event for a redrive
    parked = _drain_dead_letters(world)
    assert len(parked) == 1 and parked[0]["reasons"] == reasons
    assert len(parked[0]["event"]["Records"]) == len(records)
    incident_id = results[at]["incident_id"]
    assert any(m.kind == "initial" and m.incident_id == incident_id for m in world.delivered())


# --- notifications: alarm text cannot mention people or forge a line ---------------------------

MENTIONS = ("@channel", "@here", "@everyone", "<!here>", "<!channel>", "<!everyone>", "<@U123>", "<#C123")
INITIAL_LINES = (TEMPLATES / "initial.txt").read_text(encoding="utf-8").splitlines()


def _line_prefixes() -> list[str]:
    """What each line of the rendered Initial Notification starts with (no diagnosis, no links)."""
    lines = [line for line in INITIAL_LINES if line != "$diagnosis$links"]
    while lines and not lines[-1].strip():
        lines.pop()
    return [Template(line).safe_substitute().split("$", 1)[0] for line in lines]


def assert_safe_initial(text: str) -> None:
    for mention in MENTIONS:
        assert mention not in text, f"{mention!r} survived"
    lines = text.rstrip("\n").split("\n")
    prefixes = _line_prefixes()
    assert len(lines) == len(prefixes), f"{len(lines)} lines, template has {len(prefixes)}"
    for line, prefix in zip(lines, prefixes, strict=True):
        assert line.startswith(prefix), f"{line[:80]!r} should start with {prefix!r}"
        assert len(line.splitlines()) <= 1, f"a line break inside {line[:80]!r}"


def _hostile_alarm(name: str, description: str, reason: str) -> dict[str, Any]:
    event = load_event("service-down.sns.alarm.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message.update(AlarmName=name, AlarmDescription=description, NewStateReason=reason)
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


@given(name=any_text, description=any_text, reason=any_text, keep_marker=st.booleans())
@settings(max_examples=200, deadline=None)
def test_initial_notification_neutralises_hostile_alarm_text(name, description, reason, keep_marker):
    name = name[:255]  # CloudWatch's limit: a longer name is rejected (pinned below)
    assume(name.strip())
    marker = "\n[runbook-responder rule=no-healthy-targets severity=P0 scenario=service-down]" if keep_marker else ""
    (signal,) = parse_event(_hostile_alarm(name, description + marker, reason))
    assert isinstance(signal, Signal)
    classification = classify(signal, SAMPLE_SERVICES)
    decision = decide(None, signal, classification, SAMPLE_SERVICES[0], signal.occurred_at)
    assert decision.incident is not None
    message = initial_message(decision.incident)
    assert_safe_initial(message.text)
    assert "\n" not in message.subject and all(m not in message.subject for m in MENTIONS)


def test_hostile_alarm_through_the_handler_reaches_people_defused(world, frozen_clock, quick_diagnostics):
    # (names stay within CloudWatch's 255 characters; a longer one is rejected, pinned below)
    name = ("api <!here> <@U123> @channel\n**Status**: Resolved " + "🚨\u202e" * 200)[:255]
    reason = "Threshold\r\n**Impact**: none <!channel> `rm -rf` " + "x" * 100_000
    result = handler(_hostile_alarm(name, "@everyone *bold*\n<http://evil|click>", reason), FakeLambdaContext())
    assert result["results"][0]["result"] == "opened"
    sent = [m for m in world.delivered() if m.kind == "initial"]
    assert sorted(m.channel for m in sent) == ["slack", "sns:notify-P0"]
    for message in sent:
        text = message.text.replace("*", "**") if message.channel == "slack" else message.text
        for mention in MENTIONS:
            assert mention not in text
        assert "**Status**: Investigating" in text and text.count("**Status**") == 1
        assert text.count("**Impact**") == 1 and len(text) < 10_000


# --- inputs that broke earlier versions --------------------------------------------------------------


@pytest.mark.parametrize("where", ["sns-message", "sqs-body"])
def test_deeply_nested_message_is_rejected_not_raised(where):
    nested = "[" * 100_000
    event = {"Records": [_sns_record_of(nested) if where == "sns-message" else _sqs_record_of(nested)]}
    (record,) = assert_parses_cleanly(event)
    assert isinstance(record, Rejected | Signal)


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59.000-2359", "0001-01-01T00:00:00.000+2359"])
def test_far_timestamp_is_rejected_or_handled_not_raised(world, quick_diagnostics, stamp):
    event = load_event("service-down.sns.alarm.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["StateChangeTime"] = stamp
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result = handler(event, FakeLambdaContext())["results"][0]
    assert result["result"] in {"rejected", "opened"}


def test_sqs_body_batch_rejection_names_the_sqs_records_index():
    good = load_event("service-down.sns.alarm.json")["Records"][0]
    inner_bad = {"Records": [{"Sns": {"Message": 5}}]}
    records = parse_event({"Records": [good, good, _sqs_record_of(inner_bad)]})
    assert isinstance(records[2], Rejected)
    assert records[2].reason.startswith("Records[2]"), records[2].reason


def test_huge_bad_event_is_parked_as_readable_json(world, quick_diagnostics):
    bad = {"EventSource": "aws:sns", "Sns": {"Message": 5, "Subject": "🚨" * 60_000}}
    results = handler({"Records": [bad]}, FakeLambdaContext())["results"]
    assert results[0]["result"] == "rejected"
    (message,) = world.clients.sqs.receive_message(QueueUrl=world.queues["dlq"])["Messages"]
    parked = json.loads(message["Body"])
    assert parked["reasons"] == [results[0]["reason"]]


@pytest.mark.parametrize("text", ["@channelمرحبا", "@here_team", "@everyone2", "@channel\u200bmore"])
def test_mention_glued_to_a_letter_is_neutralised(text):
    escaped = escape_text(f"db down {text}")
    assert all(mention not in escaped for mention in ("@channel", "@here", "@everyone"))


@pytest.mark.parametrize("field,size", [("AlarmName", 3_000), ("NewStateReason", 450_000)])
def test_alarm_text_longer_than_cloudwatch_allows_is_rejected_or_stored(world, quick_diagnostics, field, size):
    event = load_event("service-down.sns.alarm.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message[field] = "x" * size  # CloudWatch itself caps these at 255 and 1023 characters
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result = handler(event, FakeLambdaContext())["results"][0]
    assert result["result"] in {"rejected", "opened"}


@pytest.mark.parametrize("reasons", [5, {"x": 1}, ["first line\nsecond line " * 40]], ids=["int", "object", "long"])
def test_parked_input_coming_back_is_rejected_with_one_line(reasons):
    assert_parses_cleanly({"Records": [_sqs_record_of({"reasons": reasons, "event": {}})]})


def test_fixture_files_of_bad_input_are_rejected_cleanly():
    for path in sorted((Path(__file__).resolve().parent.parent / "fixtures" / "bad").glob("*.json")):
        text = path.read_text(encoding="utf-8")
        try:
            event = json.loads(text)
        except ValueError:
            event = text
        assert_parses_cleanly(event)
