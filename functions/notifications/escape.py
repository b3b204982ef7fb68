"""Make text taken from alarms safe to show: no mentions, no links, no markup, one line."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064]")
# No word boundary: `@channel` glued to a letter of any script still notifies in some clients.
_MENTION = re.compile(r"@(?=(channel|here|everyone|all))", re.IGNORECASE)
# Look-alikes rather than entities: the same text is safe in Slack, chat-via-SNS, email and SMS.
_MARKUP = str.maketrans({"<": "‹", ">": "›", "*": "∗", "`": "ˋ", "~": "∼", "|": "¦"})
WORD_JOINER = "\u2060"


def escape_text(value: str | None, limit: int = 400) -> str:
    """Slack/chat-safe, single-line rendering of untrusted alarm text.

    `<` and `>` become look-alikes (so `<!here>`, `<@U123>` and `<http://x|y>` stay inert),
    `@channel`-style words get a word joiner, markup characters become look-alikes, and line
    breaks collapse so alarm text cannot forge a template line such as `**Status**: Resolved`.
    """
    text = _CONTROL.sub("", value or "")
    text = " ".join(text.split())
    text = _MENTION.sub("@" + WORD_JOINER, text)
    text = text.translate(_MARKUP)
    return text if len(text) <= limit else text[: limit - 1] + "…"
