"""The incident channel against a local Slack Web API: opened once whatever retries happen, a name
held by someone else's channel gets a suffix, rate limits are waited out within a budget, and what
the channel shows (people, topic, messages, the graph, archived) is what Slack's state holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from functions.channel.incident_channel import (
    IncidentChannels,
    channel_purpose,
    channel_topic,
    graph_alt_text,
    graph_title,
    mention,
)
from functions.channel.slack_api import SlackApiError, SlackWebApi, bot_token_from
from functions.incident import Incident, IncidentChannel, IncidentStatus, incident_channel_name, incident_id
from functions.policy import Severity
from local.slack_api import LOCAL_BOT_TOKEN, LOCAL_BOT_USER, LocalSlackApi

OPENED = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
ALICE, BOB = "U0ALICE01", "U0BOB0002"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def an_incident(title: str = "Service down: no healthy targets") -> Incident:
    return Incident(
        id=incident_id("flask-sre-challenge", OPENED, "delivery-1"),
        service="flask-sre-challenge",
        scenario="service_down",
        severity=Severity.P0,
        title=title,
        impact="Users cannot reach the service",
        opened_at=OPENED,
        updated_at=OPENED,
        next_update_at=OPENED,
    )


INCIDENT = an_incident()
NAME = incident_channel_name(INCIDENT.service, INCIDENT.opened_at)


@pytest.fixture
def slack() -> Iterator[LocalSlackApi]:
    with LocalSlackApi(users={ALICE, BOB}) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


def api_for(slack: LocalSlackApi, sleeps: list[float], token: str | None = LOCAL_BOT_TOKEN) -> SlackWebApi:
    return SlackWebApi(lambda: token, slack.url, sleep=sleeps.append)


def channels_for(slack: LocalSlackApi, sleeps: list[float], token: str | None = LOCAL_BOT_TOKEN) -> IncidentChannels:
    return IncidentChannels(api_for(slack, sleeps, token))


def open_for(channels: IncidentChannels, incident: Incident = INCIDENT, invitees: tuple[str, ...] = (ALICE,)):
    return channels.open(incident.id, NAME, channel_topic(incident), channel_purpose(incident), list(invitees))


def test_open_creates_the_channel_the_notification_names_with_purpose_topic_and_people(slack, sleeps):
    # When the incident's channel is opened with the paged people
    ref = open_for(channels_for(slack, sleeps), invitees=(ALICE, BOB))
    # Then Slack holds one channel under the runbook's name, marked as this incident's, with them in it
    assert ref is not None and not ref.reused
    (channel,) = slack.channels.values()
    assert (channel.id, channel.name) == (ref.id, NAME) == (ref.id, "incident-20261126-1400-flask-sre-challenge")
    assert INCIDENT.id in channel.purpose
    assert channel.topic == "P0 · Investigating · Service down: no healthy targets"
    assert channel.members == [LOCAL_BOT_USER, ALICE, BOB]
    stored = IncidentChannel(id=ref.id, name=NAME, created_at=ref.created_at, invited=[ALICE, BOB], topic=channel.topic)
    assert ref.as_incident_channel() == stored


def test_a_retry_after_a_crash_right_after_create_takes_the_channel_back(slack, sleeps):
    # Given an earlier attempt that created the channel and crashed before anything else
    crashed = api_for(slack, sleeps).conversations_create(NAME)
    # When the retry opens it
    ref = open_for(channels_for(slack, sleeps))
    # Then it is the same channel, now finished, and there is still only one
    assert ref is not None and ref.reused and ref.id == crashed.id
    assert len(slack.channels) == 1
    assert INCIDENT.id in slack.channels[ref.id].purpose and ALICE in slack.channels[ref.id].members


def test_a_retry_after_a_finished_open_changes_nothing_and_makes_no_second_channel(slack, sleeps):
    # Given the channel opened once
    first = open_for(channels_for(slack, sleeps))
    # When a redelivered alarm opens it again, from a new container
    second = open_for(channels_for(slack, sleeps))
    # Then the second open reuses the first channel without re-setting what is already set
    assert first is not None and second is not None
    assert (second.id, second.reused) == (first.id, True)
    assert len(slack.channels) == 1
    assert len(slack.calls_to("conversations.create")) == 2  # the second one answered name_taken
    assert len(slack.calls_to("conversations.setPurpose")) == len(slack.calls_to("conversations.setTopic")) == 1


def test_the_channel_is_found_again_pages_deep_in_a_big_workspace(slack, sleeps):
    # Given a workspace with 450 channels and this incident's channel opened after them
    for n in range(450):
        slack.add_channel(f"general-{n}")
    first = open_for(channels_for(slack, sleeps))
    # When the open is retried, Then the lookup walks the pages and takes it back
    second = open_for(channels_for(slack, sleeps))
    assert first is not None and second is not None and second.id == first.id
    assert len(slack.calls_to("conversations.list")) == 3  # 200 + 200 + 51
    assert len(slack.channels) == 451


def test_a_lookup_cut_short_gives_up_rather_than_risk_a_second_channel(slack, sleeps):
    # Given the incident's channel beyond the first page, and a lookup allowed one page
    for n in range(250):
        slack.add_channel(f"general-{n}")
    assert open_for(channels_for(slack, sleeps)) is not None
    hurried = IncidentChannels(api_for(slack, sleeps), max_list_pages=1)
    # When the open is retried, Then it stops with one line and makes no channel
    with pytest.raises(SlackApiError, match=r"^Slack conversations\.list: incomplete \(looked through 1 pages"):
        open_for(hurried)
    assert len(slack.channels) == 251


def test_a_name_held_by_someone_elses_channel_gets_a_suffix_and_theirs_is_left_alone(slack, sleeps):
    # Given someone else's channel already has the name
    theirs = slack.add_channel(NAME, purpose="Retro of last week's outage")
    # When the incident's channel is opened
    ref = open_for(channels_for(slack, sleeps))
    # Then it gets `-2`, and the other channel is untouched
    assert ref is not None and ref.name == NAME + "-2" and not ref.reused
    assert theirs.purpose == "Retro of last week's outage" and theirs.topic == ""
    assert ALICE not in theirs.members


def test_the_suffixed_channel_is_found_again_on_retry(slack, sleeps):
    # Given the name taken by another channel and the incident's channel opened as `-2`
    slack.add_channel(NAME, purpose="someone else's")
    first = open_for(channels_for(slack, sleeps))
    # When the open is retried
    second = open_for(channels_for(slack, sleeps))
    # Then it is `-2` again, not `-3`
    assert first is not None and second is not None and second.id == first.id and second.reused
    assert sorted(channel.name for channel in slack.channels.values()) == [NAME, NAME + "-2"]


def test_an_archived_channel_of_another_incident_still_holds_its_name(slack, sleeps):
    # Given an archived channel with the name (Slack keeps archived names taken)
    slack.add_channel(NAME, purpose="Incident other-20261126T140000Z-aaaaaa: …", creator=LOCAL_BOT_USER, archived=True)
    # When this incident's channel is opened
    ref = open_for(channels_for(slack, sleeps))
    # Then it is a new, suffixed channel
    assert ref is not None and ref.name == NAME + "-2" and not ref.archived


def test_when_every_suffix_is_taken_open_gives_up_with_one_line_and_creates_nothing(slack, sleeps):
    # Given the name and its -2..-5 all held by other channels
    for name in [NAME] + [f"{NAME}-{n}" for n in range(2, 6)]:
        slack.add_channel(name, purpose="not an incident")
    # When the incident's channel is opened, Then Slack's refusal comes back as one line
    with pytest.raises(SlackApiError, match=r"^Slack conversations\.create: name_taken \(.*\)$") as raised:
        open_for(channels_for(slack, sleeps))
    assert "\n" not in str(raised.value)
    assert len(slack.channels) == 5


def test_a_rate_limit_is_waited_out_for_exactly_slacks_retry_after(slack, sleeps):
    # Given Slack rate limits the next create, asking for 7 s
    slack.rate_limit("conversations.create", retry_after=7)
    # When the channel is opened
    ref = open_for(channels_for(slack, sleeps))
    # Then the client waited what Slack asked, retried, and got one channel
    assert sleeps == [7.0]
    assert ref is not None and len(slack.channels) == 1
    assert [call.status for call in slack.calls_to("conversations.create")] == [429, 200]


def test_a_rate_limit_past_the_wait_budget_gives_up_at_once_with_one_line(slack, sleeps):
    # Given Slack asks for longer than the call may wait
    slack.rate_limit("conversations.create", retry_after=30)
    # When the channel is opened, Then the error names the method and Slack's error, and nothing waited
    with pytest.raises(SlackApiError, match=r"^Slack conversations\.create: ratelimited \(Retry-After 30 s .*\)$"):
        open_for(channels_for(slack, sleeps))
    assert sleeps == [] and slack.channels == {}


def test_a_rate_limit_that_keeps_coming_back_is_retried_a_bounded_number_of_times(slack, sleeps):
    # Given Slack rate limits every post for a while, 2 s each time
    slack.rate_limit("chat.postMessage", retry_after=2, times=50)
    channels = channels_for(slack, sleeps)
    ref = open_for(channels)
    assert ref is not None
    # When a message is posted, Then a few waits, then one line
    with pytest.raises(SlackApiError, match=r"^Slack chat\.postMessage: ratelimited"):
        channels.post(ref.id, "update")
    assert sleeps == [2.0, 2.0, 2.0]
    assert slack.channels[ref.id].messages == []


def test_a_dropped_connection_is_retried_and_the_message_posted_once(slack, sleeps):
    channels = channels_for(slack, sleeps)
    ref = open_for(channels)
    assert ref is not None
    # Given Slack drops the connection once
    slack.disconnect("chat.postMessage")
    # When a message is posted
    channels.post(ref.id, "**Status**: Investigating")
    # Then it was retried after a short backoff and is in the channel once
    assert sleeps == [0.5]
    assert [m.text for m in slack.channels[ref.id].messages] == ["*Status*: Investigating"]


def test_slack_unreachable_is_one_line_after_bounded_attempts(slack, sleeps):
    channels = channels_for(slack, sleeps)
    ref = open_for(channels)
    assert ref is not None
    slack.disconnect("chat.postMessage", times=10)
    with pytest.raises(SlackApiError, match=r"^Slack chat\.postMessage: unavailable \(.*3 attempts\)$"):
        channels.post(ref.id, "update")
    assert len(slack.calls_to("chat.postMessage")) == 3


def test_a_transient_slack_error_is_retried(slack, sleeps):
    # Given Slack answers service_unavailable once
    slack.fail("conversations.create", "service_unavailable")
    # When the channel is opened, Then the retry makes it
    ref = open_for(channels_for(slack, sleeps))
    assert ref is not None and len(slack.channels) == 1 and sleeps == [0.5]


def test_invite_topic_post_graph_and_archive_are_what_slack_shows(slack, sleeps):
    channels = channels_for(slack, sleeps)
    ref = open_for(channels)
    assert ref is not None
    # When the ladder reaches Bob, the status changes, an update and the graph are posted, and it resolves
    invited = channels.invite(ref.id, [ALICE, BOB])
    resolved = INCIDENT.model_copy(update={"status": IncidentStatus.RESOLVED})
    channels.set_topic(ref.id, channel_topic(resolved))
    channels.post(ref.id, f"**Status**: Resolved — thanks {mention(BOB)}")
    alarm = "svc-no-healthy-targets"
    file_id = channels.upload_png(ref.id, PNG, "graph.png", graph_title(alarm), graph_alt_text(alarm, OPENED))
    channels.archive(ref.id)
    channels.archive(ref.id)  # a retried archive is fine
    # Then Slack's state shows each of them
    channel = slack.channels[ref.id]
    assert invited.joined == [ALICE, BOB] and invited.refused == {}
    assert channel.members == [LOCAL_BOT_USER, ALICE, BOB]
    assert channel.topic == "P0 · Resolved · Service down: no healthy targets"
    assert channel.messages[0].text == f"*Status*: Resolved — thanks <@{BOB}>"
    (graph,) = channel.files
    assert graph.id == file_id and graph.data == PNG and graph.title == "Metric graph: svc-no-healthy-targets"
    assert channel.messages[1].files == [file_id]
    assert channel.is_archived
    # and the bot token never went to the upload URL
    assert [call.bearer for call in slack.calls_to("upload")] == [False]


def test_posting_to_an_archived_channel_is_refused_as_slack_does(slack, sleeps):
    channels = channels_for(slack, sleeps)
    ref = open_for(channels)
    assert ref is not None
    channels.archive(ref.id)
    with pytest.raises(SlackApiError, match=r"^Slack chat\.postMessage: is_archived$"):
        channels.post(ref.id, "too late")


def test_someone_slack_refuses_does_not_keep_the_others_out(slack, sleeps):
    channels = channels_for(slack, sleeps)
    ref = open_for(channels, invitees=())
    assert ref is not None
    # When Alice, an unknown user and Bob are invited (Slack refuses the whole list for one bad id)
    invited = channels.invite(ref.id, [ALICE, "U0NOBODY9", BOB])
    # Then Alice and Bob are in, and the unknown one is reported
    assert invited.joined == [ALICE, BOB] and invited.refused == {"U0NOBODY9": "user_not_found"}
    assert slack.channels[ref.id].members == [LOCAL_BOT_USER, ALICE, BOB]
    # and inviting someone already there is not an error
    assert channels.invite(ref.id, [ALICE]).joined == [ALICE]


def test_alarm_text_in_the_topic_and_purpose_cannot_ping_or_link(slack, sleeps):
    # Given a title carrying mentions and a link
    incident = an_incident("<!channel> @here db <https://evil.example|down>")
    # When its channel is opened
    ref = open_for(channels_for(slack, sleeps), incident)
    assert ref is not None
    channel = slack.channels[ref.id]
    # Then neither the topic nor the purpose carries anything Slack would act on
    for text in (channel.topic, channel.purpose):
        assert "<" not in text and "@here" not in text
    assert incident.id in channel.purpose


def test_an_invalid_token_is_a_one_line_error_that_does_not_show_the_token(slack, sleeps):
    wrong = "xoxb-1111-2222-wrongtoken"
    with pytest.raises(SlackApiError) as raised:
        open_for(channels_for(slack, sleeps, token=wrong))
    assert str(raised.value) == "Slack conversations.create: invalid_auth"
    assert wrong not in str(raised.value) and slack.channels == {}


def test_a_placeholder_token_turns_the_channel_off_without_calling_slack(slack, sleeps):
    # Given the bot-token secret still holds the stack's placeholder
    token = bot_token_from("REPLACE_ME: put the Slack bot token here (xoxb-...)")
    channels = channels_for(slack, sleeps, token=token)
    # When the pipeline opens, posts, uploads and archives
    opened = open_for(channels)
    posted = channels.post("C000000001", "hello")
    uploaded = channels.upload_png("C000000001", PNG, "graph.png", "graph")
    channels.archive("C000000001")
    # Then nothing happened and Slack was never called
    assert (channels.enabled, opened, posted, uploaded) == (False, None, None, None)
    assert slack.calls == []
