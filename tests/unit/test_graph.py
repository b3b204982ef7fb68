"""The MetricWidget asked of CloudWatch for each alarm sample: the alarm's metric, statistic and period,
its threshold as a labelled line shaded on the breaching side, the alarm time marked; and a
graph that fails for any reason never stops the message."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from functions.incident import Incident
from functions.intake.parse import parse_event
from functions.intake.signal import Signal
from functions.lifecycle import decide
from functions.notifications.graph import AFTER, BEFORE, GraphMaker, graphed_alarm, metric_widget
from functions.scenarios import classify
from tests.conftest import load_event
from tests.samples import SAMPLE_SERVICE, SAMPLE_SERVICES

NOW = datetime(2026, 11, 26, 14, 5, tzinfo=UTC)
ALB = "AWS/ApplicationELB"
LB = ["LoadBalancer", "app/flask-sre-challenge-alb/50dc6c495c0c9188"]
DB = ["DBInstanceIdentifier", "flask-sre-challenge-db"]
ECS = ["ClusterName", "flask-sre-challenge-cluster", "ServiceName", "flask-sre-challenge-service"]
TG = ["TargetGroup", "targetgroup/flask-sre-challenge-tg/73e2d6bc24d8a067"]
APP = "FlaskSREChallenge"
MEMORY = [["AWS/ECS", "MemoryUtilization", *ECS]]


def opened(name: str) -> Incident:
    signal = parse_event(load_event(name))[0]
    assert isinstance(signal, Signal)
    decision = decide(None, signal, classify(signal, SAMPLE_SERVICES), SAMPLE_SERVICE, NOW)
    assert decision.incident is not None
    return decision.incident


def widget_of(name: str) -> dict[str, Any]:
    alarm = graphed_alarm(opened(name))
    assert alarm is not None
    return metric_widget(alarm, alarm.since)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def shown(widget: dict[str, Any]) -> list[Any]:
    """The metric rows (namespace, name, dimensions...) without their options."""
    return [row[:-1] for row in widget["metrics"] if isinstance(row[0], str)]


def options(widget: dict[str, Any]) -> list[dict[str, Any]]:
    return [row[-1] for row in widget["metrics"]]


# sample, metric rows, statistic (widget or per query), period, threshold, fill
SINGLE = [
    ("service-down.sns.alarm.json", [[ALB, "HealthyHostCount", *TG, *LB]], "Minimum", 60, 1, "below"),
    ("performance-degradation.sns.alarm.json", [[ALB, "TargetResponseTime", *LB]], "p99", 60, 2, "above"),
    ("high-error-rate.sns-legacy.alarm.json", [[ALB, "HTTPCode_Target_5XX_Count", *LB]], "Sum", 60, 10, "above"),
    ("database.sns.alarm.json", [[APP, "DatabaseConnectionErrors"]], "Sum", 60, 0, "above"),
    ("database.sns-legacy.alarm.json", [[APP, "SlowQueryCount"]], "Sum", 300, 5, "above"),
    ("database.eventbridge.alarm.json", [["AWS/RDS", "DatabaseConnections", *DB]], "Average", 300, 80, "above"),
    ("circuit-breaker.sns.alarm.json", [[APP, "CircuitBreakerOpen"]], "Maximum", 60, 1, "above"),
    ("circuit-breaker.lambda-action.alarm.json", [[APP, "CircuitBreakerOpen"]], "Maximum", 60, 1, "above"),
    ("resource-pressure.sns.alarm.json", [["AWS/ECS", "CPUUtilization", *ECS]], "Average", 300, 80, "above"),
    ("resource-pressure.sns-legacy.alarm.json", MEMORY, "Average", 300, 85, "above"),
    ("resource-pressure.lambda-action.alarm.json", MEMORY, "Average", 300, 85, "above"),
    ("unknown.sns.alarm.json", [["MyApp", "QueueDepth", "QueueName", "orders"]], "Average", 300, 1000, "above"),
]  # fmt: skip
MATH = [
    ("high-error-rate.sns.alarm.json", "100*m2/m1", 300, 5, "above"),
    ("high-error-rate.eventbridge.alarm.json", "100*m2/m1", 300, 5, "above"),
    ("service-down.eventbridge.alarm.json", "100*(1-(m2/m1))", 300, 99, "below"),
    ("error-budget.sns.alarm.json", "(m2/m1)/(1-0.999)", 3600, 14.4, "above"),
    ("error-budget.lambda-action.alarm.json", "(m2/m1)/(1-0.999)", 3600, 14.4, "above"),
]
ANOMALY = ["performance-degradation.eventbridge.alarm.json", "performance-degradation.lambda-action.alarm.json"]


@pytest.mark.parametrize(("name", "rows", "stat", "period", "threshold", "fill"), SINGLE, ids=lambda v: str(v)[:40])
def test_a_single_metric_alarm_graphs_its_metric_with_its_threshold(
    name: str, rows: list[list[str]], stat: str, period: int, threshold: float, fill: str
):
    # When the widget for the alarm that opened the incident is built
    widget = widget_of(name)
    # Then it graphs that metric, aggregated as the alarm aggregates it
    assert shown(widget) == rows
    assert (widget["stat"], widget["period"], widget["view"]) == (stat, period, "timeSeries")
    # And the threshold is one labelled line, shaded where the alarm breaches
    (line,) = widget["annotations"]["horizontal"]
    assert (line["value"], line["fill"]) == (threshold, fill)
    assert f"{threshold:g}" in line["label"]


@pytest.mark.parametrize(("name", "expression", "period", "threshold", "fill"), MATH, ids=lambda v: str(v)[:40])
def test_a_math_alarm_graphs_its_expression_over_hidden_inputs(
    name: str, expression: str, period: int, threshold: float, fill: str
):
    # When the widget for a metric-math alarm is built
    widget = widget_of(name)
    # Then the expression is the one visible series, over RequestCount and 5xx summed per period
    expressions = [row[0] for row in widget["metrics"] if isinstance(row[0], dict)]
    assert [(e["expression"], e["id"], e["visible"]) for e in expressions] == [(expression, "e1", True)]
    assert shown(widget) == [
        [ALB, "RequestCount", *LB],
        [ALB, "HTTPCode_Target_5XX_Count", *LB],
    ]
    inputs = [o for o in options(widget) if "expression" not in o]
    assert [(o["id"], o["stat"], o["period"], o["visible"]) for o in inputs] == [
        ("m1", "Sum", period, False),
        ("m2", "Sum", period, False),
    ]
    (line,) = widget["annotations"]["horizontal"]
    assert (line["value"], line["fill"]) == (threshold, fill)


@pytest.mark.parametrize("name", ANOMALY)
def test_an_anomaly_alarm_graphs_its_metric_and_band_and_no_threshold_line(name: str):
    # When the widget for an anomaly-detection alarm is built
    widget = widget_of(name)
    # Then the p99 latency and its expected band are drawn, and the band's width is no line
    metric, band = widget["metrics"]
    assert metric[:-1] == [ALB, "TargetResponseTime", *LB]
    assert (metric[-1]["id"], metric[-1]["stat"], metric[-1]["period"]) == ("m1", "p99", 300)
    assert band[0]["expression"].startswith("ANOMALY_DETECTION_BAND(m1")
    assert widget["annotations"]["horizontal"] == []
    assert "p99" in widget["title"]


@pytest.mark.parametrize("name", [row[0] for row in SINGLE] + [row[0] for row in MATH] + ANOMALY)
def test_the_window_is_around_the_alarm_time_which_is_marked(name: str):
    # When a widget is built
    alarm = graphed_alarm(opened(name))
    assert alarm is not None
    widget = metric_widget(alarm, alarm.since)
    # Then the window runs from at least three hours before the alarm to a quarter hour after it
    assert at(widget["start"]) <= alarm.since - BEFORE
    assert at(widget["end"]) == alarm.since.replace(microsecond=0) + AFTER
    # And the alarm time is the vertical marker, its label saying it is the ALARM
    (marker,) = widget["annotations"]["vertical"]
    assert at(marker["value"]) == alarm.since.replace(microsecond=0)
    assert "ALARM" in marker["label"]
    # And it is one JSON document well under the API's 100 KB
    assert len(json.dumps(widget)) < 100_000


def test_an_hourly_alarm_shows_a_day_rather_than_three_points():
    # Given the error-budget alarm evaluated over one-hour periods
    widget = widget_of("error-budget.sns.alarm.json")
    # Then the graph starts at least 24 periods before the alarm
    assert at(widget["end"]) - at(widget["start"]) >= timedelta(hours=24)


def test_runbook_thresholds_are_labelled_as_the_runbooks():
    # Given an EventBridge alarm (no configured threshold in the payload) and an SNS one
    from_policy = widget_of("database.eventbridge.alarm.json")["annotations"]["horizontal"][0]["label"]
    from_alarm = widget_of("resource-pressure.sns.alarm.json")["annotations"]["horizontal"][0]["label"]
    # Then, numbers aside, a reader can tell the line drawn from the runbook from the alarm's own
    assert re.sub(r"[\d.]+", "", from_policy) != re.sub(r"[\d.]+", "", from_alarm)


def test_alarm_text_in_the_title_is_escaped():
    # Given an alarm whose name carries a Slack mention and markup
    event = load_event("unknown.sns.alarm.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["AlarmName"] = "<!here> *queue* depth"
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    # When its widget is built
    widget = widget_of_event(event)
    # Then the title carries look-alikes, never the markup
    assert "<" not in widget["title"] and "*" not in widget["title"] and "queue" in widget["title"]


def widget_of_event(event: Any) -> dict[str, Any]:
    signal = parse_event(event)[0]
    assert isinstance(signal, Signal)
    incident = decide(None, signal, classify(signal, SAMPLE_SERVICES), SAMPLE_SERVICE, NOW).incident
    assert incident is not None
    alarm = graphed_alarm(incident)
    assert alarm is not None
    return metric_widget(alarm, alarm.since)


@pytest.mark.parametrize("name", ["service-down.composite-sns.alarm.json", "database.composite-eventbridge.alarm.json"])
def test_a_composite_alarm_has_nothing_to_graph(name: str):
    # Given an incident opened by a composite alarm
    incident = opened(name)
    # Then no member is graphed, and asking for its widget is a clear error
    assert graphed_alarm(incident) is None
    (member,) = incident.alarms.values()
    with pytest.raises(ValueError, match="has no metric to graph"):
        metric_widget(member, member.since)


def test_the_most_severe_member_is_graphed():
    # Given a P1 latency incident joined by the P0 no-healthy-targets alarm
    signal = parse_event(load_event("service-down.sns.alarm.json"))[0]
    assert isinstance(signal, Signal)
    incident = decide(
        opened("performance-degradation.sns.alarm.json"),
        signal,
        classify(signal, SAMPLE_SERVICES),
        SAMPLE_SERVICE,
        NOW,
    ).incident
    assert incident is not None and len(incident.alarms) == 2
    # Then the graph shows the P0 alarm
    alarm = graphed_alarm(incident)
    assert alarm is not None and alarm.name == "flask-sre-challenge-no-healthy-targets"


# --- GraphMaker without AWS: what reaches the clients, and failures that must not escape ----------


class FakeCloudWatch:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.widgets: list[dict[str, Any]] = []

    def get_metric_widget_image(self, *, MetricWidget: str, OutputFormat: str) -> dict[str, Any]:
        self.widgets.append(json.loads(MetricWidget))
        if self.error:
            raise self.error
        return {"MetricWidgetImage": b"\x89PNG\r\n\x1a\n-image-"}


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.signed: list[tuple[str, dict[str, Any], int]] = []

    def put_object(self, **kwargs: Any) -> None:
        self.objects[kwargs["Key"]] = kwargs

    def generate_presigned_url(self, method: str, Params: dict[str, Any], ExpiresIn: int) -> str:
        self.signed.append((method, Params, ExpiresIn))
        return f"https://{Params['Bucket']}.s3.example/{Params['Key']}?sig"


def test_render_stores_the_png_and_signs_a_short_lived_get_for_that_key():
    # Given a graph maker over the post-mortem bucket
    cloudwatch, s3 = FakeCloudWatch(), FakeS3()
    maker = GraphMaker(cloudwatch, s3, "postmortems-bucket", expires_seconds=900)
    incident = opened("performance-degradation.sns.alarm.json")
    # When it renders the incident's graph
    graph = maker.render(incident)
    # Then the widget of its alarm was asked for, and the PNG stored under graphs/<service>/<id>.png
    assert graph is not None and graph.alarm == "flask-sre-challenge-latency-p99"
    key = f"graphs/{incident.service}/{incident.id}.png"
    assert graph.key == key == maker.key_for(incident)
    assert s3.objects[key]["ContentType"] == "image/png" and s3.objects[key]["Bucket"] == "postmortems-bucket"
    assert graph.png == s3.objects[key]["Body"]
    assert cloudwatch.widgets[0]["metrics"][0][1] == "TargetResponseTime"
    # And the URL is a presigned GET of that key for the lifetime asked
    assert s3.signed == [("get_object", {"Bucket": "postmortems-bucket", "Key": key}, 900)]
    assert graph.url.startswith("https://postmortems-bucket.") and key in graph.url


@pytest.mark.parametrize(
    "error",
    [
        ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetMetricWidgetImage"),
        ClientError({"Error": {"Code": "InvalidParameterInput", "Message": "bad"}}, "GetMetricWidgetImage"),
        EndpointConnectionError(endpoint_url="https://monitoring.us-east-1.amazonaws.com"),
        KeyError("MetricWidgetImage"),  # anything unexpected, too
    ],
)
def test_an_api_error_gives_no_graph_and_stores_nothing(error: Exception):
    # Given CloudWatch failing, or the call failing in a way nobody planned for
    s3 = FakeS3()
    maker = GraphMaker(FakeCloudWatch(error), s3, "postmortems-bucket")
    # When the graph is rendered
    graph = maker.render(opened("service-down.sns.alarm.json"))
    # Then there is no graph and nothing half-written, and no exception reaches the caller
    assert graph is None and s3.objects == {}


def test_no_metric_or_no_bucket_gives_no_graph_without_calling_cloudwatch():
    # Given a composite-alarm incident, and a maker without a bucket
    cloudwatch = FakeCloudWatch()
    composite = GraphMaker(cloudwatch, FakeS3(), "postmortems-bucket").render(
        opened("service-down.composite-sns.alarm.json")
    )
    unconfigured = GraphMaker(cloudwatch, FakeS3(), "").render(opened("service-down.sns.alarm.json"))
    # Then neither renders, and CloudWatch was never asked
    assert composite is None and unconfigured is None
    assert cloudwatch.widgets == []


def test_the_url_can_be_signed_before_the_object_exists(monkeypatch):
    # Given a maker with the functions' real S3 client and an incident whose graph was never rendered
    from urllib.parse import urlparse

    from functions.aws import AwsClients

    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIA",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    maker = GraphMaker(FakeCloudWatch(), AwsClients().s3, "postmortems-bucket")
    incident = opened("service-down.sns.alarm.json")
    # When the URL is asked for first (the page goes out while the graph renders; no endpoint is reachable here)
    url = maker.url_for(maker.key_for(incident))
    # Then it is signed without asking S3 anything, for the very key the render will write
    assert urlparse(url).path.endswith("/" + maker.key_for(incident)) and "X-Amz-Signature=" in url


def test_the_lambdas_s3_client_signs_urls_with_sigv4(monkeypatch):
    # Given the functions' S3 client (the post-mortem bucket is SSE-KMS, which refuses SigV2)
    from functions.aws import AwsClients

    for name, value in {"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3 = AwsClients().s3
    # When it signs the graph's GET (signing is local, no request is made)
    url = GraphMaker(FakeCloudWatch(), s3, "postmortems-bucket").url_for("graphs/svc/id.png")
    # Then the URL is SigV4, for one hour, and carries the session token the Lambda role's credentials need
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "X-Amz-Expires=3600" in url
    assert "X-Amz-Security-Token=t" in url
