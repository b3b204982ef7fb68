"""The incident channel in Slack (policy D11): open it once, invite, keep its topic, post, archive.

Every operation may be retried. `open` never makes a second channel for an incident: the channel's
purpose names the incident id, so after a crash the retry finds the channel Slack refused to create
again (`name_taken`) and takes it back; a name held by someone else's channel gets `-2`, `-3`, ….
A channel our bot created whose purpose is still empty is an `open` that crashed between the two
calls, and is taken back too. With no bot token configured every operation is a no-op.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from functions.channel.slack_api import RawConversation, SlackApiError, SlackWebApi
from functions.incident import Incident, IncidentChannel
from functions.notifications.channels import slack_markdown
from functions.notifications.escape import escape_text
from functions.notifications.render import phrase, when

TOPIC_LIMIT = 250  # Slack: too_long past 250 characters (topic and purpose alike)
PURPOSE_LIMIT = 250
MESSAGE_LIMIT = 40_000  # Slack truncates text past 40,000 characters
NAME_LIMIT = 80
ALT_TEXT_LIMIT = 1000
INVITE_BATCH = 100  # users per conversations.invite call
MAX_SUFFIX = 5  # `<name>-2` … `<name>-5` before giving up
MAX_LIST_PAGES = 25  # 25 × 200 channels looked through for a taken name
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Failures that concern one invitee: they keep that person out, not the others.
INVITEE_ERRORS = frozenset({"already_in_channel", "user_not_found", "cant_invite", "cant_invite_self"})
_INCIDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


class Invited(BaseModel, defer_build=True):
    joined: list[str] = []  # in the channel now (invited, or already there)
    refused: dict[str, str] = {}  # user id → Slack's reason (user_not_found, cant_invite, ...)


class ChannelRef(BaseModel, defer_build=True):
    """The channel `open` created or took back, and who of the invitees is in it."""

    id: str
    name: str  # without '#'
    created_at: datetime
    reused: bool = False  # an existing channel of this incident (a retry), not a new one
    archived: bool = False
    invited: Invited = Field(default_factory=Invited)

    topic: str = ""

    def as_incident_channel(self) -> IncidentChannel:
        return IncidentChannel(
            id=self.id, name=self.name, created_at=self.created_at, invited=self.invited.joined, topic=self.topic
        )


def channel_topic(incident: Incident) -> str:
    """`P0 · Investigating · <title>`, fitted into Slack's 250 characters."""
    fields = {"severity": incident.severity.value, "status": incident.status.value}
    return _fitted("channel_topic", TOPIC_LIMIT, incident.title, fields)


def channel_purpose(incident: Incident) -> str:
    """Names the incident id, which is how a retried `open` recognises its own channel."""
    fields = {"incident_id": incident.id, "service": escape_text(incident.service), "opened": when(incident.opened_at)}
    return _fitted("channel_purpose", PURPOSE_LIMIT, incident.title, fields)


def graph_title(alarm: str) -> str:
    return phrase("channel_graph_title", alarm=escape_text(alarm, limit=200))


def graph_alt_text(alarm: str, at: datetime) -> str:
    return phrase("channel_graph_alt", alarm=escape_text(alarm, limit=200), at=when(at))


def mention(user_id: str) -> str:
    """`<@U…>`: the only way a message in the channel names a person."""
    return f"<@{_user_id(user_id)}>"


def names_incident(purpose: str, incident_id: str) -> bool:
    """The purpose carries exactly this id (not a longer id that starts with it)."""
    return re.search(rf"(?<![\w-]){re.escape(incident_id)}(?![\w-])", purpose) is not None


def suffixed(name: str, number: int) -> str:
    """`<name>-<n>`, the base cut so the whole stays within Slack's 80 characters."""
    suffix = f"-{number}"
    return name[: NAME_LIMIT - len(suffix)] + suffix


class IncidentChannels:
    """What the pipeline calls. Raises `SlackApiError` (one line) when Slack refuses."""

    def __init__(self, api: SlackWebApi, max_suffix: int = MAX_SUFFIX, max_list_pages: int = MAX_LIST_PAGES) -> None:
        self._api = api
        self._max_suffix = max_suffix
        self._max_list_pages = max_list_pages

    @property
    def enabled(self) -> bool:
        return self._api.enabled

    def open(
        self, incident_id: str, name: str, topic: str, purpose: str, invitees: Sequence[str] = ()
    ) -> ChannelRef | None:
        """Creates the channel (or takes back this incident's), sets purpose and topic, invites."""
        name = name.removeprefix("#")
        purpose = escape_text(purpose, limit=PURPOSE_LIMIT)
        _check_open(incident_id, purpose)
        users = _user_ids(invitees)
        if not self.enabled:
            return None
        channel, reused = self._create_or_take_back(incident_id, name)
        ref = ChannelRef(
            id=channel.id,
            name=channel.name,
            created_at=datetime.fromtimestamp(channel.created, UTC),
            reused=reused,
            archived=channel.is_archived,
        )
        if ref.archived:
            return ref  # this incident's channel, already closed: nothing more can be set on it
        topic = escape_text(topic, limit=TOPIC_LIMIT)
        ref.topic = topic
        # Purpose, topic and invitations side by side: none needs another's answer, and a crash
        # before the purpose lands is still recognised (our bot's channel with an empty purpose).
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="channel-setup") as pool:
            calls = []
            if channel.purpose.value != purpose:
                calls.append(pool.submit(self._api.conversations_set_purpose, channel.id, purpose))
            if channel.topic.value != topic:
                calls.append(pool.submit(self._api.conversations_set_topic, channel.id, topic))
            invited = pool.submit(self.invite, channel.id, users) if users else None
            for call in calls:
                call.result()
            if invited is not None:
                ref.invited = invited.result()
        return ref

    def invite(self, channel_id: str, users: Sequence[str]) -> Invited:
        """Invites them (already in is fine); someone Slack refuses is reported and the rest still join."""
        wanted = _user_ids(users)
        result = Invited()
        if not wanted or not self.enabled:
            return result
        for start in range(0, len(wanted), INVITE_BATCH):
            batch = wanted[start : start + INVITE_BATCH]
            try:
                self._api.conversations_invite(channel_id, batch)
                result.joined.extend(batch)
            except SlackApiError as error:
                if error.error not in INVITEE_ERRORS:
                    raise
                if len(batch) == 1:
                    _note_refusal(batch[0], error, result)
                    continue
                # Slack refuses the whole list for one invitee's problem: ask for each in turn.
                for user in batch:
                    self._invite_one(channel_id, user, result)
        return result

    def set_topic(self, channel_id: str, topic: str) -> None:
        if self.enabled:
            self._api.conversations_set_topic(channel_id, escape_text(topic, limit=TOPIC_LIMIT))

    def post(self, channel_id: str, text: str) -> str | None:
        """Posts a rendered message (fields already escaped); returns its `ts`. At least once."""
        if not self.enabled:
            return None
        return self._api.chat_post_message(channel_id, _clip(slack_markdown(text), MESSAGE_LIMIT))

    def upload_png(
        self, channel_id: str, png: bytes, filename: str, title: str, alt_text: str = "", comment: str = ""
    ) -> str | None:
        """Shares the metric graph in the channel; returns the Slack file id. At least once."""
        if not png.startswith(PNG_SIGNATURE):
            raise ValueError(f"upload_png {filename!r}: the bytes are not a PNG image (no PNG signature)")
        if not filename.lower().endswith(".png"):
            raise ValueError(f"upload_png {filename!r}: the file name must end in .png")
        if not self.enabled:
            return None
        return self._api.upload_file(
            channel_id,
            png,
            filename,
            title=escape_text(title, limit=250),
            alt_text=escape_text(alt_text, limit=ALT_TEXT_LIMIT),
            comment=_clip(slack_markdown(comment), MESSAGE_LIMIT),
        )

    def archive(self, channel_id: str) -> None:
        """Archives the channel; an already archived one is fine."""
        if self.enabled:
            self._api.conversations_archive(channel_id)

    # --- open's idempotency -----------------------------------------------------------------

    def _create_or_take_back(self, incident_id: str, name: str) -> tuple[RawConversation, bool]:
        candidates = [name] + [suffixed(name, number) for number in range(2, self._max_suffix + 1)]
        held: dict[str, RawConversation] = {}  # candidates other channels hold, as last looked up
        for candidate in candidates:
            if candidate in held:
                continue
            try:
                return self._api.conversations_create(candidate), False
            except SlackApiError as error:
                if error.error != "name_taken":
                    raise
            # Looked up again after every refusal: a concurrent open may have just made one.
            ours, held = self._look_up(candidates, incident_id)
            if ours is not None:
                return ours, True
        raise SlackApiError(
            "conversations.create",
            "name_taken",
            f"#{name} and -2..-{self._max_suffix} are taken by other channels",
        )

    def _look_up(
        self, candidates: list[str], incident_id: str
    ) -> tuple[RawConversation | None, dict[str, RawConversation]]:
        """This incident's channel among the candidate names (stops there), else who holds which."""
        names = set(candidates)
        held: dict[str, RawConversation] = {}
        cursor = ""
        for _ in range(self._max_list_pages):
            page, cursor = self._api.conversations_list(cursor)
            for channel in page:
                if channel.name not in names:
                    continue
                if self._is_this_incidents(channel, incident_id):
                    return channel, held
                held[channel.name] = channel
            if not cursor:
                return None, held
        # Giving up here rather than guessing: a guess could give this incident a second channel.
        raise SlackApiError(
            "conversations.list", "incomplete", f"looked through {self._max_list_pages} pages for a taken name"
        )

    def _is_this_incidents(self, channel: RawConversation, incident_id: str) -> bool:
        if names_incident(channel.purpose.value, incident_id):
            return True
        return not channel.purpose.value and channel.creator == self._api.bot_user_id()

    def _invite_one(self, channel_id: str, user: str, result: Invited) -> None:
        try:
            self._api.conversations_invite(channel_id, [user])
        except SlackApiError as error:
            if error.error not in INVITEE_ERRORS:
                raise
            _note_refusal(user, error, result)
        else:
            result.joined.append(user)


def _note_refusal(user: str, error: SlackApiError, result: Invited) -> None:
    if error.error == "already_in_channel":
        result.joined.append(user)
    else:
        result.refused[user] = error.error


def _check_open(incident_id: str, purpose: str) -> None:
    if not _INCIDENT_ID.fullmatch(incident_id):
        raise ValueError(f"incident channel: incident id {incident_id!r} is not a valid id")
    if not names_incident(purpose, incident_id):
        raise ValueError(f"incident channel {incident_id}: the purpose must name the incident id (use channel_purpose)")


def _user_ids(users: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(_user_id(user) for user in users))


def _user_id(user: str) -> str:
    if not _USER_ID.fullmatch(user):
        raise ValueError(f"incident channel: {user!r} is not a Slack user id (U… or W…)")
    return user


def _fitted(key: str, limit: int, title: str, fields: dict[str, str]) -> str:
    room = limit - len(phrase(key, title="", **fields))
    return _clip(phrase(key, title=escape_text(title, limit=max(room, 1)), **fields), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
