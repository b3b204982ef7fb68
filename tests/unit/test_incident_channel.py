"""The incident channel's pure parts: reading the bot token, wording the topic and purpose within
Slack's limits, recognising this incident's channel, naming suffixes, and refusing bad input
before any call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.channel.incident_channel import (
    PURPOSE_LIMIT,
    TOPIC_LIMIT,
    IncidentChannels,
    channel_purpose,
    channel_topic,
    mention,
    names_incident,
    suffixed,
)
from functions.channel.slack_api import SlackApiError, SlackWebApi, bot_token_from, retry_after_seconds
from functions.incident import Incident, IncidentStatus, incident_id
from functions.policy import Severity

OPENED = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"


def an_incident(title: str = "Service down", service: str = "flask-sre-challenge") -> Incident:
    return Incident(
        id=incident_id(service, OPENED, "delivery-1"),
        service=service,
        scenario="service_down",
        severity=Severity.P1,
        status=IncidentStatus.IDENTIFIED,
        title=title,
        impact="-",
        opened_at=OPENED,
        updated_at=OPENED,
        next_update_at=OPENED,
    )


@pytest.mark.parametrize(
    ("secret", "token"),
    [
        (TOKEN, TOKEN),
        (f"  {TOKEN}\n", TOKEN),
        (f'{{"bot_token": "{TOKEN}"}}', TOKEN),
        ("", None),
        (None, None),
        ("REPLACE_ME: put the Slack bot token here (xoxb-...)", None),
        ("xoxb-...", None),
        ("xoxp-1234-user-token", None),  # a user token is not the bot's
        ("https://hooks.slack.com/services/T/B/x", None),
        ('{"bot_token": ""}', None),
        ('{"bot_token": ', None),
        ("[1, 2]", None),
    ],
)
def test_the_bot_token_is_read_from_the_secret_and_anything_else_turns_the_channel_off(secret, token):
    assert bot_token_from(secret) == token


@pytest.mark.parametrize(("header", "seconds"), [("30", 30.0), (" 7 ", 7.0), (None, 1.0), ("soon", 1.0), ("-3", 0.0)])
def test_retry_after_is_read_as_seconds(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_the_topic_reads_severity_status_and_title():
    assert channel_topic(an_incident()) == "P1 · Identified · Service down"


def test_the_purpose_names_the_incident_id_where_a_retry_finds_it():
    incident = an_incident()
    assert names_incident(channel_purpose(incident), incident.id)


@given(st.text(max_size=2000))
def test_any_title_fits_slacks_limits_and_never_pushes_the_id_out(title: str):
    incident = an_incident(title)
    topic, purpose = channel_topic(incident), channel_purpose(incident)
    assert len(topic) <= TOPIC_LIMIT and len(purpose) <= PURPOSE_LIMIT
    assert names_incident(purpose, incident.id)
    assert "<" not in topic + purpose and "\n" not in topic + purpose


def test_another_incidents_id_is_not_mistaken_for_this_one():
    # Given two ids where one is the start of the other
    short, longer = "svc-20261126T140000Z-abc123", "svc-20261126T140000Z-abc1234"
    # Then each purpose names only its own incident
    assert names_incident(f"Incident {short}: down", short)
    assert not names_incident(f"Incident {longer}: down", short)
    assert not names_incident(f"Incident x{short}: down", short)
    assert not names_incident("", short)


def test_a_suffix_keeps_the_name_within_80_characters():
    assert suffixed("incident-x", 2) == "incident-x-2"
    long = "n" * 80
    assert suffixed(long, 3) == "n" * 78 + "-3" and len(suffixed(long, 3)) == 80


def test_a_mention_is_slacks_user_syntax_and_only_for_user_ids():
    assert mention("U024BE7LH") == "<@U024BE7LH>"
    with pytest.raises(ValueError, match="'here' is not a Slack user id"):
        mention("here")


def offline_channels() -> IncidentChannels:
    def no_network(*_: object) -> tuple[int, dict[str, str], bytes]:
        raise AssertionError("bad input reached Slack")

    return IncidentChannels(SlackWebApi(lambda: TOKEN, transport=no_network))


def test_open_refuses_a_purpose_that_does_not_name_the_incident_before_calling_slack():
    incident = an_incident()
    with pytest.raises(ValueError, match=r"the purpose must name the incident id"):
        offline_channels().open(incident.id, "incident-x", "topic", "a purpose without the id", [])


def test_open_refuses_a_malformed_incident_id_or_invitee():
    with pytest.raises(ValueError, match=r"incident id 'no spaces' is not a valid id"):
        offline_channels().open("no spaces", "incident-x", "t", "Incident no spaces", [])
    incident = an_incident()
    with pytest.raises(ValueError, match=r"'@alice' is not a Slack user id"):
        offline_channels().open(incident.id, "incident-x", "t", channel_purpose(incident), ["@alice"])


def test_a_non_png_upload_is_refused_before_calling_slack():
    with pytest.raises(ValueError, match=r"upload_png 'graph.png': the bytes are not a PNG image"):
        offline_channels().upload_png("C1", b"GIF89a", "graph.png", "graph")


def test_the_error_is_one_line_naming_the_method_and_slacks_error():
    error = SlackApiError("chat.postMessage", "unavailable", "URLError: refused\nsecond line, 3 attempts")
    assert str(error) == "Slack chat.postMessage: unavailable (URLError: refused second line, 3 attempts)"
    assert (error.method, error.error) == ("chat.postMessage", "unavailable")
