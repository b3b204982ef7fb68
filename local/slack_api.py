"""A local Slack Web API on 127.0.0.1: the methods the incident channel uses, with Slack's rules.

Local-only tooling (moto has no Slack). A real HTTP server with in-memory state — channels with
their topic, purpose, members, messages, files and archived flag — that tests and the replay read.
It answers the way Slack does: HTTP 200 `{"ok": false, "error": ...}` for refusals (`not_authed`,
`invalid_auth`, `invalid_name_specials`, `name_taken`, `channel_not_found`, `is_archived`, ...),
HTTP 429 with `Retry-After` when a rate limit is injected. The upload URL that
files.getUploadURLExternal hands out is served by the same server. Every call is recorded.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOCAL_BOT_TOKEN = "xoxb-000000000000-000000000000-localresponderbot"
LOCAL_BOT_USER = "U0LOCALBOT"
OTHER_USER = "U0SOMEONE"
NAME_LIMIT = 80
TEXT_LIMIT = 250  # topic and purpose
MESSAGE_LIMIT = 40_000
ALT_TEXT_LIMIT = 1000
FORM = "application/x-www-form-urlencoded"
# The methods that take a JSON body too; Slack ignores a JSON body sent to the others.
JSON_METHODS = frozenset(
    {
        "auth.test",
        "conversations.create",
        "conversations.invite",
        "conversations.setTopic",
        "conversations.setPurpose",
        "conversations.archive",
        "chat.postMessage",
        "files.completeUploadExternal",
    }
)
_WELL_FORMED_USER = re.compile(r"[UW][A-Z0-9]{2,}")


class SlackRefusal(Exception):
    def __init__(self, error: str, status: int = 200, retry_after: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.retry_after = retry_after


@dataclass
class LocalMessage:
    ts: str
    user: str
    text: str
    files: list[str] = field(default_factory=list)


@dataclass
class LocalFile:
    id: str
    filename: str
    length: int
    alt_txt: str = ""
    title: str = ""
    data: bytes | None = None  # None until the bytes reach the upload URL
    channels: list[str] = field(default_factory=list)


@dataclass
class LocalChannel:
    id: str
    name: str
    created: int
    creator: str
    topic: str = ""
    purpose: str = ""
    members: list[str] = field(default_factory=list)
    messages: list[LocalMessage] = field(default_factory=list)
    files: list[LocalFile] = field(default_factory=list)
    is_archived: bool = False

    def as_slack(self, viewer: str) -> dict[str, Any]:
        """Slack's conversation object (the fields a client reads)."""
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": True,
            "is_private": False,
            "created": self.created,
            "creator": self.creator,
            "is_archived": self.is_archived,
            "is_member": viewer in self.members,
            "num_members": len(self.members),
            "topic": {"value": self.topic, "creator": self.creator if self.topic else "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": self.creator if self.purpose else "", "last_set": 0},
        }


@dataclass
class Call:
    method: str  # a Web API method, or "upload" for bytes sent to an upload URL
    params: dict[str, str]  # without the token
    status: int  # 0: the connection was dropped
    error: str | None  # None when ok
    bearer: bool = False  # an Authorization header came with it


@dataclass
class _Fault:
    error: str
    status: int
    times: int
    retry_after: int | None = None
    disconnect: bool = False


class LocalSlackApi:
    """Context manager: `with LocalSlackApi() as slack:` then point the client at `slack.url`."""

    def __init__(
        self,
        token: str = LOCAL_BOT_TOKEN,
        bot_user: str = LOCAL_BOT_USER,
        users: Iterable[str] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.bot_user = bot_user
        self.users = set(users) if users is not None else None  # None: any well-formed user id exists
        self.now = now
        self.channels: dict[str, LocalChannel] = {}
        self.files: dict[str, LocalFile] = {}
        self.calls: list[Call] = []
        self._uploads: dict[str, str] = {}  # upload ticket → file id
        self._faults: dict[str, list[_Fault]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The Web API base URL (what the client's `base_url` is)."""
        return self.origin + "/api/"

    def __enter__(self) -> LocalSlackApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what tests arrange and read --------------------------------------------------------

    def add_channel(
        self, name: str, purpose: str = "", creator: str = OTHER_USER, archived: bool = False
    ) -> LocalChannel:
        """A channel someone else already has (or ours, left by an earlier run)."""
        with self._lock:
            channel = self._new_channel(name, creator)
            channel.purpose = purpose
            channel.is_archived = archived
            return channel

    def channel_named(self, name: str) -> LocalChannel | None:
        with self._lock:
            return next((channel for channel in self.channels.values() if channel.name == name), None)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def rate_limit(self, method: str, retry_after: int = 30, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 429 `ratelimited` with `Retry-After`."""
        self._inject(method, _Fault("ratelimited", 429, times, retry_after=retry_after))

    def fail(self, method: str, error: str = "internal_error", times: int = 1, status: int = 200) -> None:
        """The next `times` calls of `method` answer `{"ok": false, "error": error}`."""
        self._inject(method, _Fault(error, status, times))

    def disconnect(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` get the connection closed without an answer."""
        self._inject(method, _Fault("disconnected", 0, times, disconnect=True))

    def _inject(self, method: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method, [])
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    def record(self, method: str, params: dict[str, str], status: int, error: str | None, bearer: bool) -> None:
        with self._lock:
            self.calls.append(Call(method, {k: v for k, v in params.items() if k != "token"}, status, error, bearer))

    # --- the Web API ------------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, str], authorization: str) -> dict[str, Any]:
        handler = _METHODS.get(method)
        if handler is None:
            raise SlackRefusal("unknown_method")
        presented = authorization.removeprefix("Bearer ").strip() if authorization else params.get("token", "")
        if not presented:
            raise SlackRefusal("not_authed")
        if not secrets.compare_digest(presented, self.token):
            raise SlackRefusal("invalid_auth")
        with self._lock:
            return {"ok": True, **handler(self, params)}

    def receive_upload(self, ticket: str, data: bytes) -> bool:
        with self._lock:
            file_id = self._uploads.pop(ticket, None)
            if file_id is None:
                return False
            self.files[file_id].data = data
            return True

    def _auth_test(self, params: dict[str, str]) -> dict[str, Any]:
        return {
            "url": "https://local-workspace.slack.invalid/",
            "team": "Local",
            "user": "runbook-responder",
            "team_id": "T0LOCAL",
            "user_id": self.bot_user,
            "bot_id": "B0LOCALBOT",
        }

    def _create(self, params: dict[str, str]) -> dict[str, Any]:
        name = params.get("name", "")
        _check_name(name)
        if self.channel_named(name) is not None:  # archived channels keep their name
            raise SlackRefusal("name_taken")
        return {"channel": self._new_channel(name, self.bot_user).as_slack(self.bot_user)}

    def _list(self, params: dict[str, str]) -> dict[str, Any]:
        limit = _int(params.get("limit", "100"), "invalid_limit")
        if not 1 <= limit <= 1000:
            raise SlackRefusal("invalid_limit")
        types = set(params.get("types", "public_channel").split(","))
        if not types <= {"public_channel", "private_channel", "mpim", "im"}:
            raise SlackRefusal("invalid_types")
        start = _offset(params.get("cursor", ""))
        listed = [c for c in self.channels.values() if "public_channel" in types]
        if params.get("exclude_archived") in ("true", "1"):
            listed = [c for c in listed if not c.is_archived]
        page = listed[start : start + limit]
        more = start + limit < len(listed)
        next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
        return {
            "channels": [channel.as_slack(self.bot_user) for channel in page],
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _invite(self, params: dict[str, str]) -> dict[str, Any]:
        channel = self._writable(params.get("channel", ""))
        users = [user for user in params.get("users", "").split(",") if user]
        if not users:
            raise SlackRefusal("no_user")
        problems = {user: problem for user in users if (problem := self._invite_problem(channel, user))}
        if problems and params.get("force") not in ("true", "1"):
            raise SlackRefusal(next(iter(problems.values())))  # nobody is invited
        joining = [user for user in dict.fromkeys(users) if user not in problems]
        if not joining:
            raise SlackRefusal(next(iter(problems.values())))
        channel.members.extend(joining)
        answer: dict[str, Any] = {"channel": channel.as_slack(self.bot_user)}
        if problems:
            answer["errors"] = [{"user": user, "ok": False, "error": error} for user, error in problems.items()]
        return answer

    def _invite_problem(self, channel: LocalChannel, user: str) -> str | None:
        if user == self.bot_user:
            return "cant_invite_self"
        if not self._user_exists(user):
            return "user_not_found"
        if user in channel.members:
            return "already_in_channel"
        return None

    def _set_topic(self, params: dict[str, str]) -> dict[str, Any]:
        channel = self._writable(params.get("channel", ""))
        channel.topic = _text(params.get("topic", ""))
        return {"channel": channel.as_slack(self.bot_user)}

    def _set_purpose(self, params: dict[str, str]) -> dict[str, Any]:
        channel = self._writable(params.get("channel", ""))
        channel.purpose = _text(params.get("purpose", ""))
        return {"channel": channel.as_slack(self.bot_user)}

    def _post(self, params: dict[str, str]) -> dict[str, Any]:
        channel = self._writable(params.get("channel", ""))
        text = params.get("text", "")
        if not text and not params.get("blocks") and not params.get("attachments"):
            raise SlackRefusal("no_text")
        if len(text) > MESSAGE_LIMIT:
            raise SlackRefusal("msg_too_long")
        message = self._message(channel, text)
        return {"channel": channel.id, "ts": message.ts, "message": {"text": text, "user": self.bot_user}}

    def _archive(self, params: dict[str, str]) -> dict[str, Any]:
        channel = self._channel(params.get("channel", ""))
        if channel.is_archived:
            raise SlackRefusal("already_archived")
        if self.bot_user not in channel.members:
            raise SlackRefusal("not_in_channel")
        channel.is_archived = True
        return {}

    def _upload_url(self, params: dict[str, str]) -> dict[str, Any]:
        filename = params.get("filename", "")
        if not filename:
            raise SlackRefusal("invalid_arguments")
        length = _int(params.get("length", "0"), "invalid_arguments")
        if length < 1:
            raise SlackRefusal("missing_argument")  # Slack's answer to a zero length
        alt_txt = params.get("alt_txt", "")
        if len(alt_txt) > ALT_TEXT_LIMIT:
            raise SlackRefusal("alt_txt_too_large")
        file = LocalFile(id=f"F{next(self._ids):09d}", filename=filename, length=length, alt_txt=alt_txt)
        self.files[file.id] = file
        ticket = secrets.token_urlsafe(16)
        self._uploads[ticket] = file.id
        return {"upload_url": f"{self.origin}/upload/v1/{ticket}", "file_id": file.id}

    def _complete_upload(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            wanted = json.loads(params.get("files", ""))
            ids = [(str(item["id"]), str(item.get("title") or "")) for item in wanted]
        except (ValueError, TypeError, KeyError):
            raise SlackRefusal("invalid_arguments") from None
        if not ids:
            raise SlackRefusal("invalid_arguments")
        files = [self.files.get(file_id) for file_id, _ in ids]
        if any(file is None or file.data is None for file in files):
            raise SlackRefusal("file_not_found")  # never issued, or its bytes never arrived
        channel = None
        if params.get("channel_id"):
            channel = self._channel(params["channel_id"])
            if channel.is_archived:
                raise SlackRefusal("posting_to_channel_denied")  # the documented code; no is_archived here
            if self.bot_user not in channel.members:
                raise SlackRefusal("not_in_channel")
        shared: list[dict[str, Any]] = []
        for file, (_, title) in zip(files, ids, strict=True):
            assert file is not None
            file.title = title or file.filename
            if channel is not None:
                file.channels.append(channel.id)
                channel.files.append(file)
            shared.append({"id": file.id, "title": file.title, "name": file.filename, "size": len(file.data or b"")})
        if channel is not None:
            self._message(channel, params.get("initial_comment", ""), files=[str(file["id"]) for file in shared])
        return {"files": shared}

    # --- state helpers ------------------------------------------------------------------------

    def _new_channel(self, name: str, creator: str) -> LocalChannel:
        channel = LocalChannel(
            id=f"C{next(self._ids):09d}", name=name, created=int(self.now()), creator=creator, members=[creator]
        )
        self.channels[channel.id] = channel
        return channel

    def _channel(self, ref: str) -> LocalChannel:
        """By id, or by name as chat.postMessage also accepts."""
        channel = self.channels.get(ref) or self.channel_named(ref.removeprefix("#"))
        if channel is None:
            raise SlackRefusal("channel_not_found")
        return channel

    def _writable(self, ref: str) -> LocalChannel:
        channel = self._channel(ref)
        if channel.is_archived:
            raise SlackRefusal("is_archived")
        if self.bot_user not in channel.members:
            raise SlackRefusal("not_in_channel")
        return channel

    def _message(self, channel: LocalChannel, text: str, files: list[str] | None = None) -> LocalMessage:
        message = LocalMessage(ts=f"{int(self.now())}.{next(self._ids):06d}", user=self.bot_user, text=text)
        message.files = files or []
        channel.messages.append(message)
        return message

    def _user_exists(self, user: str) -> bool:
        if self.users is not None:
            return user in self.users
        return bool(_WELL_FORMED_USER.fullmatch(user))


_METHODS: dict[str, Callable[[LocalSlackApi, dict[str, str]], dict[str, Any]]] = {
    "auth.test": LocalSlackApi._auth_test,
    "conversations.create": LocalSlackApi._create,
    "conversations.list": LocalSlackApi._list,
    "conversations.invite": LocalSlackApi._invite,
    "conversations.setTopic": LocalSlackApi._set_topic,
    "conversations.setPurpose": LocalSlackApi._set_purpose,
    "chat.postMessage": LocalSlackApi._post,
    "conversations.archive": LocalSlackApi._archive,
    "files.getUploadURLExternal": LocalSlackApi._upload_url,
    "files.completeUploadExternal": LocalSlackApi._complete_upload,
}


def _check_name(name: str) -> None:
    """Slack's naming rule: lowercase letters, numbers, hyphens and underscores, at most 80."""
    if not name:
        raise SlackRefusal("invalid_name_required")
    if len(name) > NAME_LIMIT:
        raise SlackRefusal("invalid_name_maxlength")
    if any(not (c in "-_" or (c.isalnum() and not c.isupper())) for c in name):
        raise SlackRefusal("invalid_name_specials")
    if all(c in "-_" for c in name):
        raise SlackRefusal("invalid_name_punctuation")


def _text(value: str) -> str:
    if len(value) > TEXT_LIMIT:
        raise SlackRefusal("too_long")
    return value


def _int(value: str, error: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise SlackRefusal(error) from None


def _offset(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind != "offset":
            raise ValueError(cursor)
        return int(number)
    except ValueError:
        raise SlackRefusal("invalid_cursor") from None


def _params(method: str, content_type: str, query: str, body: bytes) -> dict[str, str]:
    params = dict(urllib.parse.parse_qsl(query))
    if not body:
        return params
    kind = content_type.split(";")[0].strip().lower()
    if not kind:
        raise SlackRefusal("missing_post_type")
    if kind == FORM:
        try:
            params.update(urllib.parse.parse_qsl(body.decode("utf-8"), strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise SlackRefusal("invalid_form_data") from None
    elif kind == "application/json":
        if method in JSON_METHODS:
            try:
                data = json.loads(body)
            except ValueError:
                raise SlackRefusal("invalid_json") from None
            if not isinstance(data, dict):
                raise SlackRefusal("json_not_object")
            params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()})
    else:
        raise SlackRefusal("invalid_post_type")
    return params


def _handler(api: LocalSlackApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _serve(self, body: bytes) -> None:
            path, _, query = self.path.partition("?")
            if path.startswith("/upload/v1/") and self.command == "POST":
                self._upload(path.removeprefix("/upload/v1/"), body)
            elif path.startswith("/api/"):
                self._web_api(path.removeprefix("/api/"), query, body)
            else:
                self._reply(404, b"not found", "text/plain")

        def _web_api(self, method: str, query: str, body: bytes) -> None:
            bearer = self.headers.get("Authorization", "").startswith("Bearer ")
            fault = api.take_fault(method) if method in _METHODS else None
            if fault is not None and fault.disconnect:
                api.record(method, {}, 0, fault.error, bearer)
                self.close_connection = True
                return
            params: dict[str, str] = {}
            headers: dict[str, str] = {}
            try:
                params = _params(method, self.headers.get("Content-Type", ""), query, body)
                if fault is not None:
                    raise SlackRefusal(fault.error, fault.status, fault.retry_after)
                answer = api.answer(method, params, self.headers.get("Authorization", ""))
                status, error = 200, None
            except SlackRefusal as refusal:
                answer, status, error = {"ok": False, "error": refusal.error}, refusal.status, refusal.error
                if refusal.retry_after is not None:
                    headers["Retry-After"] = str(refusal.retry_after)
            api.record(method, params, status, error, bearer)
            self._reply(status, json.dumps(answer).encode(), "application/json; charset=utf-8", headers)

        def _upload(self, ticket: str, body: bytes) -> None:
            received = api.receive_upload(ticket, body)
            status = 200 if received else 404
            bearer = self.headers.get("Authorization", "").startswith("Bearer ")
            api.record("upload", {"bytes": str(len(body))}, status, None if received else "unknown_ticket", bearer)
            self._reply(status, f"OK - {len(body)}".encode() if received else b"unknown upload ticket", "text/plain")

        def _reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
