"""Each test gets a world as a fresh deploy would be: nothing one test leaves behind reaches the next.

The two tests run in this order (pytest keeps a module's order): the first leaves a mark everywhere a
test can, the second checks that it starts without any of them. Whatever the `world` fixture shares
between tests to save time (the botocore models today), it must keep this pair passing.
"""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from functions import clock, container
from functions.observability import metrics
from functions.roster.model import dump_roster
from infra.config import load_config
from local.world import POSTMORTEM_BUCKET, ROSTER_PARAMETER, STATUS_PAGE_BUCKET, TABLE

MARK = "left-by-an-earlier-test"


def test_a_test_leaves_its_marks_on_the_world(world, frozen_clock, monkeypatch):
    # Given a world; When a test writes an incident, notifies, posts to Slack, opens a channel,
    # rewrites the roster, stores objects, moves the clock, sets a variable, warms the container
    # and leaves a metric unflushed
    world.clients.dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": MARK}, "sk": {"S": "OPEN"}})
    at = {"DataType": "String", "StringValue": clock.now().isoformat()}
    world.clients.sns.publish(TopicArn=world.topics["notify-P1"], Message=MARK, MessageAttributes={"at": at})
    post = {"text": MARK, "metadata": {"at": clock.now().isoformat()}}
    request = urllib.request.Request(world.slack.url, data=json.dumps(post).encode(), method="POST")
    urllib.request.urlopen(request, timeout=5).close()
    world.slack_api.add_channel(MARK)
    world.clients.ssm.put_parameter(Name=ROSTER_PARAMETER, Value=MARK, Type="String", Overwrite=True)
    for bucket in (STATUS_PAGE_BUCKET, POSTMORTEM_BUCKET):
        world.clients.s3.put_object(Bucket=bucket, Key=MARK, Body=MARK.encode())
    frozen_clock.advance_to(clock.now() + timedelta(days=400))
    monkeypatch.setenv("RESPONDER_TEST_MARK", MARK)
    container.clients()
    metrics.add_metric(name=MARK, unit=MetricUnit.Count, value=1)
    # Then the world shows every mark (so the next test's clean start means something)
    assert world.clients.dynamodb.scan(TableName=TABLE)["Count"] == 1
    assert [m.text for m in world.delivered()] == [MARK, MARK]  # the SNS inbox and the Slack webhook
    assert world.slack_api.channel_named(MARK) is not None


def test_the_next_test_starts_from_a_clean_world(world):
    # Given a world, after a test that marked everything; Then the table holds no incident
    assert world.clients.dynamodb.scan(TableName=TABLE)["Items"] == []
    # and nobody has been notified, on SNS or Slack; no channel exists
    assert world.delivered() == []
    assert world.slack.posts == [] and world.slack_api.channels == {}
    # and the roster is the configured one; the buckets are empty
    roster = load_config({}).roster
    stored = world.clients.ssm.get_parameter(Name=ROSTER_PARAMETER)["Parameter"]["Value"]
    assert roster is not None and stored == dump_roster(roster)
    for bucket in (STATUS_PAGE_BUCKET, POSTMORTEM_BUCKET):
        assert world.clients.s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []
    # and the clock reads the wall clock; the environment and the containers' caches are fresh
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)
    assert "RESPONDER_TEST_MARK" not in os.environ
    assert os.environ["INCIDENT_TABLE"] == world.env["INCIDENT_TABLE"] == TABLE
    assert container.clients.cache_info().currsize == 0
    # and no metric of the earlier test waits in the buffer to be flushed with this one's
    assert metrics.metric_set == {}
