"""The local Slack Web API keeps Slack's rules, so a test that passes against it would not pass by
accident: authentication, channel naming, unknown and archived channels, pagination, limits."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator

import pytest

from functions.channel.slack_api import SlackApiError, SlackWebApi
from local.slack_api import LOCAL_BOT_TOKEN, LocalSlackApi


@pytest.fixture
def slack() -> Iterator[LocalSlackApi]:
    with LocalSlackApi() as server:
        yield server


@pytest.fixture
def api(slack) -> SlackWebApi:
    return SlackWebApi(lambda: LOCAL_BOT_TOKEN, slack.url, sleep=lambda _: None)


def slack_error(api: SlackWebApi, method: str, **params: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        api.call(method, params)
    return raised.value.error


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """Exactly these headers (urllib would add a form Content-Type of its own)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=3)
    try:
        connection.request("POST", parts.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_call_without_a_token_is_not_authed(slack):
    # When a method is called with no token at all, Then HTTP 200 with Slack's error shape
    status, answer = raw_post(slack.url + "auth.test", b"", {})
    assert (status, answer) == (200, {"ok": False, "error": "not_authed"})


def test_the_token_may_also_come_as_a_form_field(slack):
    body = f"token={LOCAL_BOT_TOKEN}".encode()
    status, answer = raw_post(slack.url + "auth.test", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and answer["ok"] is True and answer["user_id"] == slack.bot_user


def test_a_body_without_a_content_type_is_refused(slack):
    _, answer = raw_post(slack.url + "auth.test", b"x=1", {"Authorization": f"Bearer {LOCAL_BOT_TOKEN}"})
    assert answer == {"ok": False, "error": "missing_post_type"}


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Incident-Upper", "invalid_name_specials"),
        ("incident 2026", "invalid_name_specials"),
        ("incident.2026", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
    ],
)
def test_channel_names_follow_slacks_rules(api, slack, name, error):
    assert slack_error(api, "conversations.create", name=name) == error
    assert slack.channels == {}


def test_eighty_characters_of_lowercase_letters_digits_hyphens_and_underscores_is_a_valid_name(api):
    name = ("incident_2026-" * 6)[:80]
    assert api.conversations_create(name).name == name


def test_a_taken_name_is_refused(api):
    api.conversations_create("incident-x")
    assert slack_error(api, "conversations.create", name="incident-x") == "name_taken"


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("conversations.invite", {"users": "U0ALICE01"}),
        ("conversations.setTopic", {"topic": "t"}),
        ("conversations.setPurpose", {"purpose": "p"}),
        ("chat.postMessage", {"text": "hi"}),
        ("conversations.archive", {}),
    ],
)
def test_an_unknown_channel_is_channel_not_found(api, method, params):
    assert slack_error(api, method, channel="C0NOSUCH1", **params) == "channel_not_found"


def test_an_archived_channel_refuses_changes_with_is_archived(api):
    channel = api.conversations_create("incident-archived").id
    api.conversations_archive(channel)
    assert slack_error(api, "conversations.setTopic", channel=channel, topic="t") == "is_archived"
    assert slack_error(api, "conversations.invite", channel=channel, users="U0ALICE01") == "is_archived"
    assert slack_error(api, "conversations.archive", channel=channel) == "already_archived"


def test_topic_and_purpose_past_250_characters_are_too_long(api):
    channel = api.conversations_create("incident-long").id
    assert slack_error(api, "conversations.setTopic", channel=channel, topic="t" * 251) == "too_long"
    assert slack_error(api, "conversations.setPurpose", channel=channel, purpose="p" * 251) == "too_long"


def test_a_message_needs_text_and_the_bot_in_the_channel(api, slack):
    mine = api.conversations_create("incident-mine").id
    theirs = slack.add_channel("someone-elses").id
    assert slack_error(api, "chat.postMessage", channel=mine) == "no_text"
    assert slack_error(api, "chat.postMessage", channel=theirs, text="hi") == "not_in_channel"


def test_inviting_the_bot_itself_or_someone_already_in_is_refused_for_the_whole_list(api, slack):
    channel = api.conversations_create("incident-invites").id
    api.conversations_invite(channel, ["U0ALICE01"])
    assert slack_error(api, "conversations.invite", channel=channel, users=slack.bot_user) == "cant_invite_self"
    refused = slack_error(api, "conversations.invite", channel=channel, users="U0BOB0002,U0ALICE01")
    assert refused == "already_in_channel" and "U0BOB0002" not in slack.channels[channel].members


def test_the_channel_list_pages_with_a_cursor_until_it_is_empty(api):
    # Given five channels
    names = {api.conversations_create(f"incident-{n}").name for n in range(5)}
    # When they are listed two at a time
    seen, cursor, pages = [], "", 0
    while True:
        page, cursor = api.conversations_list(cursor, limit=2)
        seen += [channel.name for channel in page]
        pages += 1
        if not cursor:
            break
    # Then every channel comes once, over three pages
    assert sorted(seen) == sorted(names) and pages == 3
    assert slack_error(api, "conversations.list", cursor="bm90LWEtY3Vyc29y") == "invalid_cursor"
    assert slack_error(api, "conversations.list", limit=0) == "invalid_limit"


def test_an_upload_must_reach_the_upload_url_before_it_can_be_completed(api, slack):
    channel = api.conversations_create("incident-upload").id
    ticket = api.files_get_upload_url_external("graph.png", 10)
    files = json.dumps([{"id": ticket.file_id}])
    assert slack_error(api, "files.completeUploadExternal", files=files, channel_id=channel) == "file_not_found"
    assert slack_error(api, "files.getUploadURLExternal", filename="graph.png", length=0) == "missing_argument"
    with pytest.raises(SlackApiError, match=r"^Slack file upload: HTTP 404"):
        api.upload_bytes(slack.origin + "/upload/v1/not-a-ticket", b"x")


def test_an_unknown_method_is_unknown_method(api):
    assert slack_error(api, "conversations.destroyEverything") == "unknown_method"
