"""A small Slack Web API client over urllib: the methods the incident channel needs, nothing more.

Slack answers most errors as HTTP 200 `{"ok": false, "error": "..."}` and rate limits as HTTP 429
with `Retry-After` (seconds). Every failure comes out as one `SlackApiError` whose message is one
line naming the method and Slack's error; the bot token is never part of it. Arguments go as
`application/x-www-form-urlencoded`, the one content type every method accepts (conversations.list
and files.getUploadURLExternal take no JSON body).
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from functions.observability import logger
from functions.validation import error_line

DEFAULT_BASE_URL = "https://slack.com/api/"
TIMEOUT_SECONDS = 3.0  # the caller is a Lambda on the alarm path
ATTEMPTS = 3  # network errors, HTTP 5xx and Slack's transient errors, per call
BACKOFF_SECONDS = 0.5
RATE_LIMIT_BUDGET_SECONDS = 10.0  # total Retry-After waited out per call before giving up
RATE_LIMIT_RETRIES = 3
LIST_PAGE_SIZE = 200  # Slack recommends no more than 200 per page
TRANSIENT_ERRORS = frozenset({"internal_error", "service_unavailable", "request_timeout"})
_BOT_TOKEN = re.compile(r"xoxb-[A-Za-z0-9-]+")


class SlackApiError(Exception):
    """A Slack Web API call that did not do what was asked; `error` is Slack's error code."""

    def __init__(self, method: str, error: str, detail: str = "") -> None:
        self.method = method
        self.error = error
        one_line = " ".join(detail.split())
        super().__init__(f"Slack {method}: {error}" + (f" ({one_line})" if one_line else ""))


def bot_token_from(value: str | None) -> str | None:
    """The bot token in a secret value (bare `xoxb-…` or `{"bot_token": "xoxb-…"}`).

    Anything else — empty, a `REPLACE_ME` placeholder, a webhook URL, malformed JSON — reads as
    None: the incident channel is off.
    """
    text = (value or "").strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        text = str(data.get("bot_token", "")).strip() if isinstance(data, dict) else ""
    return text if _BOT_TOKEN.fullmatch(text) else None


def bot_token(read: Callable[[], str | None]) -> Callable[[], str | None]:
    """Wraps a raw secret reader (`SecretReader(..., raw=True)`) into a bot-token source."""
    return lambda: bot_token_from(read())


def retry_after_seconds(value: str | None) -> float:
    """Slack sends whole seconds; a missing or garbled header waits one second."""
    try:
        return max(0.0, float((value or "").strip()))
    except ValueError:
        return 1.0


class SlackText(BaseModel, defer_build=True):
    """A channel's topic or purpose as Slack returns it."""

    value: str = ""


class RawConversation(BaseModel, defer_build=True):
    """The fields of Slack's conversation object we read (Slack's names)."""

    id: str
    name: str
    created: int = 0
    creator: str = ""
    is_archived: bool = False
    topic: SlackText = Field(default_factory=SlackText)
    purpose: SlackText = Field(default_factory=SlackText)


class RawUploadTicket(BaseModel, defer_build=True):
    upload_url: str
    file_id: str


# (request, timeout) -> (status, headers with lower-case names, body)
Transport = Callable[[urllib.request.Request, float], tuple[int, Mapping[str, str], bytes]]


def _urlopen(request: urllib.request.Request, timeout: float) -> tuple[int, Mapping[str, str], bytes]:
    """(status, headers with lower-case names, body); an HTTP error status is an answer, not a raise."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers.items()), error.read()


def _lower(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


class SlackWebApi:
    """Bearer-token calls to Slack's Web API with bounded retries and rate-limit waits."""

    def __init__(
        self,
        token: Callable[[], str | None],
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        rate_limit_budget: float = RATE_LIMIT_BUDGET_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        transport: Transport = _urlopen,
    ) -> None:
        self._token = token
        self._base_url = base_url.rstrip("/") + "/"
        self._timeout = timeout
        self._attempts = attempts
        self._rate_limit_budget = rate_limit_budget
        self._sleep = sleep
        self._transport = transport
        self._bot_user_id: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._token())

    def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, tolerate: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """Slack's answer when `ok`, or when its error is in `tolerate` (the intent is already met)."""
        token = self._token()
        if not token:
            raise SlackApiError(method, "not_configured", "no bot token in the secret")
        request = urllib.request.Request(
            self._base_url + method,
            data=_form(params or {}),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            },
            method="POST",
        )
        answer = self._send(method, request)
        if answer.get("ok") is True:
            return answer
        error = str(answer.get("error") or "unknown_error")
        if error in tolerate:
            logger.info("slack intent already met", extra={"method": method, "slack_error": error})
            return answer
        raise SlackApiError(method, error)

    def _send(self, method: str, request: urllib.request.Request) -> dict[str, Any]:
        waited = 0.0
        rate_limited = 0
        failures = 0
        while True:
            problem = ""
            try:
                status, headers, body = self._transport(request, self._timeout)
            except (OSError, http.client.HTTPException) as error:  # URLError and timeouts are OSErrors
                status, headers, body = 0, {}, b""
                problem = f"{type(error).__name__}: {error}"
            if status == 429:
                delay = retry_after_seconds(headers.get("retry-after"))
                rate_limited += 1
                if waited + delay > self._rate_limit_budget or rate_limited > RATE_LIMIT_RETRIES:
                    budget = f"Retry-After {delay:g} s is past the {self._rate_limit_budget:g} s wait budget"
                    raise SlackApiError(method, "ratelimited", budget)
                logger.warning("slack rate limited", extra={"method": method, "retry_after": delay})
                self._sleep(delay)
                waited += delay
                continue
            answer = _json_object(body) if status else None
            if status >= 500 or (answer is not None and answer.get("error") in TRANSIENT_ERRORS):
                problem = f"HTTP {status}" if answer is None else str(answer["error"])
            if not problem:
                if answer is None:
                    raise SlackApiError(method, f"HTTP {status}", "the answer is not a Slack API JSON object")
                return answer
            failures += 1
            logger.warning("slack call failed", extra={"method": method, "attempt": failures, "problem": problem})
            if failures >= self._attempts:
                raise SlackApiError(method, "unavailable", f"{problem}, {failures} attempts")
            self._sleep(BACKOFF_SECONDS * 2 ** (failures - 1))

    # --- the methods the incident channel uses ---------------------------------------------

    def bot_user_id(self) -> str:
        """Who this token is (auth.test), asked once."""
        if self._bot_user_id is None:
            self._bot_user_id = str(self.call("auth.test").get("user_id", ""))
        return self._bot_user_id

    def conversations_create(self, name: str) -> RawConversation:
        return _conversation("conversations.create", self.call("conversations.create", {"name": name}))

    def conversations_list(self, cursor: str = "", limit: int = LIST_PAGE_SIZE) -> tuple[list[RawConversation], str]:
        """One page of public channels, archived ones included (a name stays taken after archiving)."""
        answer = self.call(
            "conversations.list",
            {"types": "public_channel", "exclude_archived": False, "limit": limit, "cursor": cursor or None},
        )
        try:
            channels = [RawConversation.model_validate(item) for item in answer.get("channels", [])]
        except ValidationError as error:
            raise SlackApiError("conversations.list", "unexpected_answer", error_line(error, "answer")) from error
        next_cursor = str((answer.get("response_metadata") or {}).get("next_cursor") or "")
        return channels, next_cursor

    def conversations_invite(self, channel: str, users: Sequence[str]) -> None:
        self.call("conversations.invite", {"channel": channel, "users": ",".join(users)})

    def conversations_set_topic(self, channel: str, topic: str) -> None:
        self.call("conversations.setTopic", {"channel": channel, "topic": topic})

    def conversations_set_purpose(self, channel: str, purpose: str) -> None:
        self.call("conversations.setPurpose", {"channel": channel, "purpose": purpose})

    def chat_post_message(self, channel: str, text: str) -> str:
        """Posts `text` (mrkdwn) without link previews; returns the message's `ts`."""
        answer = self.call(
            "chat.postMessage", {"channel": channel, "text": text, "unfurl_links": False, "unfurl_media": False}
        )
        return str(answer.get("ts", ""))

    def conversations_archive(self, channel: str) -> None:
        self.call("conversations.archive", {"channel": channel}, tolerate=frozenset({"already_archived"}))

    def upload_file(
        self, channel: str, data: bytes, filename: str, title: str = "", alt_text: str = "", comment: str = ""
    ) -> str:
        """Slack's current upload flow: ask for an upload URL, send the bytes, complete into the channel."""
        ticket = self.files_get_upload_url_external(filename, len(data), alt_text)
        self.upload_bytes(ticket.upload_url, data)
        self.files_complete_upload_external(ticket.file_id, title or filename, channel, comment)
        return ticket.file_id

    def files_get_upload_url_external(self, filename: str, length: int, alt_text: str = "") -> RawUploadTicket:
        answer = self.call(
            "files.getUploadURLExternal", {"filename": filename, "length": length, "alt_txt": alt_text or None}
        )
        try:
            return RawUploadTicket.model_validate(answer)
        except ValidationError as error:
            problem = error_line(error, "answer")
            raise SlackApiError("files.getUploadURLExternal", "unexpected_answer", problem) from error

    def upload_bytes(self, upload_url: str, data: bytes) -> None:
        """The upload URL is pre-authorised: the bot token is not sent to it."""
        if not upload_url.startswith(("https://", "http://")):
            raise SlackApiError("file upload", "invalid_upload_url", "not an http(s) URL")
        request = urllib.request.Request(
            upload_url, data=data, headers={"Content-Type": "application/octet-stream"}, method="POST"
        )
        failures = 0
        while True:
            try:
                status, _, _ = self._transport(request, self._timeout)
            except (OSError, http.client.HTTPException) as error:
                status, problem = 0, f"{type(error).__name__}: {error}"
            else:
                if status == 200:
                    return
                problem = f"HTTP {status}"
                if status < 500:
                    raise SlackApiError("file upload", f"HTTP {status}", "the upload URL refused the bytes")
            failures += 1
            if failures >= self._attempts:
                raise SlackApiError("file upload", "unavailable", f"{problem}, {failures} attempts")
            self._sleep(BACKOFF_SECONDS * 2 ** (failures - 1))

    def files_complete_upload_external(self, file_id: str, title: str, channel: str, comment: str = "") -> None:
        self.call(
            "files.completeUploadExternal",
            {
                "files": json.dumps([{"id": file_id, "title": title}]),
                "channel_id": channel,
                "initial_comment": comment or None,
            },
        )


def _form(params: Mapping[str, Any]) -> bytes:
    fields = {
        key: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for key, value in params.items()
        if value is not None
    }
    return urllib.parse.urlencode(fields).encode()


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _conversation(method: str, answer: Mapping[str, Any]) -> RawConversation:
    try:
        return RawConversation.model_validate(answer.get("channel"))
    except ValidationError as error:
        raise SlackApiError(method, "unexpected_answer", error_line(error, "channel")) from error
