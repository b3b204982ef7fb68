"""docs/slack-app-manifest.json: a Slack app made from it can do everything the code asks Slack for, and no more.

A new Web API call in functions/ fails here until METHOD_SCOPES names the scope that allows it
(docs.slack.dev/reference/methods/<method>, "Required scopes", bot token) and the manifest has it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from infra.constructs.actions_api import ROUTES

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "docs" / "slack-app-manifest.json").read_text(encoding="utf-8"))
SLACK_CODE = [ROOT / "functions" / "channel", ROOT / "functions" / "notifications"]

# Web API method -> the bot scopes any one of which allows it on a public channel.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "conversations.create": {"channels:manage"},
    "conversations.list": {"channels:read"},
    "conversations.invite": {"channels:write.invites", "channels:manage"},
    "conversations.setTopic": {"channels:manage"},
    "conversations.setPurpose": {"channels:manage"},
    "conversations.archive": {"channels:manage"},
    "chat.postMessage": {"chat:write"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
}
# Scopes a feature needs rather than a method: the slash command, and the incoming webhook URL
# (Slack makes one when the app is installed; it goes in the <stack>/slack-webhook secret).
FEATURE_SCOPES = {"commands": "the /incident slash command", "incoming-webhook": "the Slack webhook notifications"}
_CALL = re.compile(r"""\.call\(\s*["']([a-z]+\.[A-Za-z.]+)["']""")


def methods_called() -> set[str]:
    sources = (path.read_text(encoding="utf-8") for folder in SLACK_CODE for path in folder.rglob("*.py"))
    return {method for source in sources for method in _CALL.findall(source)}


def bot_scopes() -> set[str]:
    return set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_every_method_the_code_calls_has_a_known_scope_in_the_manifest():
    # Given the Web API methods functions/ calls
    called = methods_called()
    assert {"chat.postMessage", "conversations.create"} <= called  # the scan sees the client
    # Then each is in the table, and the manifest grants one of the scopes that allow it
    assert called - METHOD_SCOPES.keys() == set(), "a new Slack method: add it and its scope to METHOD_SCOPES"
    missing = {method: scopes for method in called if (scopes := METHOD_SCOPES[method]) and not scopes & bot_scopes()}
    assert missing == {}


def test_the_manifest_asks_for_no_scope_the_code_does_not_use():
    needed = {scope for method in methods_called() for scope in METHOD_SCOPES[method]} | FEATURE_SCOPES.keys()
    assert bot_scopes() - needed == set()


def test_its_urls_are_routes_of_the_actions_api():
    # Given the routes the stack's HTTP API has (the ActionsUrl output is its base)
    posts = {path for path, method in ROUTES if method.value == "POST"}
    # Then the slash command and the interactivity request URL point at two of them, on the placeholder host
    [command] = MANIFEST["features"]["slash_commands"]
    urls = {"/incident": command["url"], "interactivity": MANIFEST["settings"]["interactivity"]["request_url"]}
    for url in urls.values():
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("https", "ACTIONS_URL") and parts.path in posts, url
    assert urlsplit(urls["/incident"]).path == "/slack/commands"
    assert urlsplit(urls["interactivity"]).path == "/slack/interactions"
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_it_subscribes_to_no_events_the_api_could_not_receive():
    # The API has no Events API route, so a manifest asking for events would fail Slack's URL check
    assert "event_subscriptions" not in MANIFEST["settings"]
    assert not any(path.startswith("/slack/events") for path, _ in ROUTES)
