"""The alarm's graph end to end on the embedded AWS: GraphMaker → GetMetricWidgetImage (moto + the
local bridge) → PutObject; the PNG read back pixel by pixel with a reader independent of the writer."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.aws import AwsClients
from functions.incident import Incident
from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.lifecycle import decide
from functions.notifications.graph import (
    ALARM_COLOUR,
    SERIES_COLOUR,
    THRESHOLD_COLOUR,
    GraphMaker,
    graphed_alarm,
    metric_widget,
)
from functions.scenarios import classify
from local.metric_image import metric_widget_images
from local.world import FAKE_CREDENTIALS, environment
from tests.conftest import event_at
from tests.samples import SAMPLE_SERVICE, SAMPLE_SERVICES

BUCKET = "responder-postmortems"
LB = [{"Name": "LoadBalancer", "Value": "app/flask-sre-challenge-alb/50dc6c495c0c9188"}]
Pixels = list[list[tuple[int, int, int]]]


def read_png(data: bytes) -> tuple[int, int, Pixels]:
    """8-bit RGB or RGBA PNG, any of the five row filters: width, height and rows of (r, g, b)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    at, idat, header = 8, b"", b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body), kind
        header, idat = (body, idat) if kind == b"IHDR" else (header, idat + body if kind == b"IDAT" else idat)
        at += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6)
    channels = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    rows: Pixels = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            line[i] = (line[i] + _predict(kind, left, up, corner)) & 0xFF
        rows.append([tuple(line[x * channels : x * channels + 3]) for x in range(width)])  # type: ignore[misc]
        previous = line
    return width, height, rows


def _predict(kind: int, left: int, up: int, corner: int) -> int:
    if kind == 4:  # Paeth
        p = left + up - corner
        return min((abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner))[2]
    return (0, left, up, (left + up) // 2)[kind] if kind < 4 else 0


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def where(rows: Pixels, colour: str) -> list[tuple[int, int]]:
    wanted = rgb(colour)
    return [(x, y) for y, row in enumerate(rows) for x, pixel in enumerate(row) if pixel == wanted]


def busiest(points: list[tuple[int, int]], axis: int) -> int:
    """The row (axis 1) or column (axis 0) holding most of the points."""
    counts: dict[int, int] = {}
    for point in points:
        counts[point[axis]] = counts.get(point[axis], 0) + 1
    return max(counts, key=lambda k: counts[k])


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with environment(FAKE_CREDENTIALS), mock_aws(), metric_widget_images():
        clients = AwsClients()  # the functions' own clients: the S3 one signs with SigV4
        clients.s3.create_bucket(Bucket=BUCKET)
        yield {"cloudwatch": clients.cloudwatch, "s3": clients.s3}


def latency_incident(alarm_at: datetime) -> Incident:
    signal = parse_event(event_at("performance-degradation.sns.alarm.json", alarm_at))[0]
    assert isinstance(signal, Signal)
    decision = decide(None, signal, classify(signal, SAMPLE_SERVICES), SAMPLE_SERVICE, alarm_at)
    assert decision.incident is not None
    return decision.incident


def seed_latency(cloudwatch: Any, start: datetime, end: datetime, slow_from: datetime) -> None:
    """p99 TargetResponseTime: 0.8 s a minute, 3.5 s from `slow_from` (the alarm's threshold is 2 s)."""
    data, at = [], start
    while at < end:
        value = 3.5 if at >= slow_from else 0.8
        samples = [value * 0.3] * 8 + [value, value]  # ten requests; the slowest set the p99
        data += [{"MetricName": "TargetResponseTime", "Dimensions": LB, "Timestamp": at, "Value": v} for v in samples]
        at += timedelta(minutes=1)
    for first in range(0, len(data), 1000):
        cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data[first : first + 1000])


def stored_png(s3: Any, key: str) -> tuple[bytes, str]:
    stored = s3.get_object(Bucket=BUCKET, Key=key)
    return stored["Body"].read(), stored["ContentType"]


def test_a_series_crossing_the_threshold_is_drawn_above_the_threshold_line_after_the_crossing(aws):
    # Given p99 latency that rose from 0.8 s to 3.5 s ten minutes before its alarm fired at 2 s
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    alarm_at = now - timedelta(minutes=20)
    seed_latency(aws["cloudwatch"], now - timedelta(hours=4), now, slow_from=alarm_at - timedelta(minutes=10))
    incident = latency_incident(alarm_at)
    # When the incident's graph is rendered
    graph = GraphMaker(aws["cloudwatch"], aws["s3"], BUCKET).render(incident)
    # Then a PNG of the requested size is in the bucket under the incident's key
    assert graph is not None
    png, content_type = stored_png(aws["s3"], graph.key)
    alarm = graphed_alarm(incident)
    assert alarm is not None
    widget = metric_widget(alarm, alarm.since)
    width, height, rows = read_png(png)
    assert content_type == "image/png" and graph.png == png
    assert (width, height) == (widget["width"], widget["height"])
    # And the threshold is a row drawn in the threshold colour across most of the plot (dashed)
    threshold_pixels = where(rows, THRESHOLD_COLOUR)
    threshold_row = busiest(threshold_pixels, axis=1)
    assert sum(1 for _, y in threshold_pixels if y == threshold_row) > width * 0.4
    # And after the alarm marker every series pixel lies above that row; well before it, below
    marker = busiest(where(rows, ALARM_COLOUR), axis=0)
    series = where(rows, SERIES_COLOUR)
    after = [y for x, y in series if x > marker + 3]
    before = [y for x, y in series if x < width // 2 and y < height - 40]  # above the legend's swatch
    assert after and all(y < threshold_row for y in after)
    assert len(before) > 200 and all(y > threshold_row for y in before)


def test_the_presigned_url_names_the_stored_key(aws):
    # Given a rendered graph
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    seed_latency(aws["cloudwatch"], now - timedelta(hours=1), now, slow_from=now - timedelta(minutes=30))
    incident = latency_incident(now - timedelta(minutes=20))
    maker = GraphMaker(aws["cloudwatch"], aws["s3"], BUCKET, expires_seconds=600)
    graph = maker.render(incident)
    assert graph is not None
    # Then its URL is a GET of exactly that object, expiring after the lifetime asked
    url = urlparse(graph.url)
    assert url.path.endswith("/" + graph.key) and graph.key == maker.key_for(incident)
    assert parse_qs(url.query)["X-Amz-Expires"] == ["600"]
    assert stored_png(aws["s3"], graph.key)[0].startswith(b"\x89PNG")


def test_no_data_renders_a_valid_no_data_png_with_the_threshold_still_drawn(aws):
    # Given an alarm whose metric has no datapoints in the window
    incident = latency_incident(datetime.now(UTC) - timedelta(minutes=20))
    # When the graph is rendered
    graph = GraphMaker(aws["cloudwatch"], aws["s3"], BUCKET).render(incident)
    # Then a valid PNG of the requested size holds no series line, and still the threshold
    assert graph is not None
    width, height, rows = read_png(stored_png(aws["s3"], graph.key)[0])
    assert (width, height) == (800, 400)
    line = [(x, y) for x, y in where(rows, SERIES_COLOUR) if y < height - 40]
    assert line == []
    assert len(where(rows, THRESHOLD_COLOUR)) > width * 0.4


def test_the_bridge_draws_the_math_expression_from_its_inputs(aws):
    # Given requests and 5xx counts: 1 % errors, then 10 % from 40 minutes ago
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    data, at = [], now - timedelta(hours=3)
    while at < now:
        errors = 10.0 if at >= now - timedelta(minutes=40) else 1.0
        data += [
            {"MetricName": "RequestCount", "Dimensions": LB, "Timestamp": at, "Value": 100.0},
            {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": LB, "Timestamp": at, "Value": errors},
        ]
        at += timedelta(minutes=1)
    aws["cloudwatch"].put_metric_data(Namespace="AWS/ApplicationELB", MetricData=data)
    widget = {
        "width": 400,
        "height": 200,
        "start": "-PT3H",
        "stat": "Sum",
        "legend": {"position": "hidden"},
        "metrics": [
            [{"expression": "100*m2/m1", "id": "e1", "color": "#1f77b4"}],
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB[0]["Value"], {"id": "m1", "visible": False}],
            [".", "HTTPCode_Target_5XX_Count", ".", ".", {"id": "m2", "visible": False}],
        ],
        "annotations": {"horizontal": [{"value": 5, "color": "#d62728"}]},
    }  # fmt: skip
    # When CloudWatch (the bridge) renders it
    png = aws["cloudwatch"].get_metric_widget_image(MetricWidget=json.dumps(widget))["MetricWidgetImage"]
    # Then the error rate is a line that starts below the 5 % line and ends above it
    width, _, rows = read_png(png)
    threshold_row = busiest(where(rows, "#d62728"), axis=1)
    line = where(rows, "#1f77b4")
    assert width == 400
    assert all(y > threshold_row for x, y in line if x < width // 2)
    assert any(y < threshold_row for x, y in line if x > width * 0.9)


@pytest.mark.parametrize(
    ("widget", "path"),
    [
        ("{not json", ""),
        (json.dumps({"metrics": []}), "/metrics"),
        (json.dumps({"metrics": [["AWS/ApplicationELB"]]}), "/metrics/0"),
        (json.dumps({"metrics": [["A", "B"]], "width": 2001}), "/width"),
        (json.dumps({"metrics": [["A", "B", {"stat": "Mean"}]]}), "/metrics/0/2/stat"),
        (json.dumps({"metrics": [["A", "B"]], "period": 45}), "/period"),
        (json.dumps({"metrics": [["A", "B"]], "start": "yesterday"}), "/start"),
        (json.dumps({"metrics": [["A", "B"]], "annotations": {"horizontal": [{"label": "x"}]}}), "/annotations"),
    ],
)
def test_a_malformed_widget_gets_cloudwatchs_invalid_parameter_input(aws, widget: str, path: str):
    # When a malformed MetricWidget is sent
    with pytest.raises(ClientError) as raised:
        aws["cloudwatch"].get_metric_widget_image(MetricWidget=widget)
    # Then it is refused as CloudWatch refuses one: InvalidParameterInput, 400, naming where the problem is
    error = raised.value.response
    assert error["Error"]["Code"] == "InvalidParameterInput"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    problems = json.loads(error["Error"]["Message"].split(":", 1)[1])
    assert any(problem["dataPath"].startswith(path) for problem in problems)


def test_graphmaker_turns_a_refused_widget_into_no_graph(aws):
    # Given an alarm whose period CloudWatch does not accept in a widget
    incident = latency_incident(datetime.now(UTC) - timedelta(minutes=20))
    alarm = next(iter(incident.alarms.values()))
    assert alarm.metric is not None
    incident.alarms[alarm.name] = alarm.model_copy(update={"metric": alarm.metric.model_copy(update={"period": 45})})
    # When it is rendered
    graph = GraphMaker(aws["cloudwatch"], aws["s3"], BUCKET).render(incident)
    # Then there is no graph and nothing stored
    assert graph is None
    assert aws["s3"].list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_the_bridge_is_gone_once_closed_even_when_opened_twice():
    widget = json.dumps({"metrics": [["A", "B"]]})
    with environment(FAKE_CREDENTIALS), mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        # Given the bridge opened, and opened again inside (a test's inside the local world)
        with metric_widget_images():
            with metric_widget_images():
                pass
            # Then closing the inner one leaves the outer answering
            assert cloudwatch.get_metric_widget_image(MetricWidget=widget)["MetricWidgetImage"].startswith(b"\x89PNG")
        # And once the outer is closed, moto answers as it does without the bridge
        with pytest.raises(NotImplementedError, match="get_metric_widget_image action has not been implemented"):
            cloudwatch.get_metric_widget_image(MetricWidget=widget)


def test_the_bridge_refuses_a_moto_it_was_not_written_for(monkeypatch):
    # Given another moto version than the one whose internals the bridge patches
    import moto

    monkeypatch.setattr(moto, "__version__", "9.9.9")
    # Then opening it fails loudly, naming both versions, instead of patching blind
    with pytest.raises(RuntimeError, match=r"moto 5\.2\.5, found 9\.9\.9"), metric_widget_images():
        pass


def test_the_local_world_answers_get_metric_widget_image(world):
    # Given the embedded AWS the replay and the handlers' tests run against
    cloudwatch = AwsClients().cloudwatch
    # When the graph API is called there
    png = cloudwatch.get_metric_widget_image(MetricWidget=json.dumps({"metrics": [["MyApp", "QueueDepth"]]}))
    # Then it answers with a PNG (a graph in a replay never fails on a missing API)
    assert read_png(png["MetricWidgetImage"])[:2] == (600, 400)
