"""Alarm text cannot page a whole channel, forge a template line, or smuggle a link."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from functions.notifications.escape import escape_text


def test_mentions_are_neutralised():
    text = escape_text("db down @channel @here @everyone <!here> <!channel> <@U024BE7LH>")
    for attack in ("@channel", "@here", "@everyone", "<!here>", "<!channel>", "<@U024BE7LH>"):
        assert attack not in text


def test_links_and_markup_are_inert():
    text = escape_text("<https://evil.example|click me> *bold* `code` ~strike~")
    assert "<" not in text and ">" not in text and "*" not in text and "`" not in text


def test_a_template_line_cannot_be_forged():
    text = escape_text("fine\n\n**Status**: Resolved\r\nok")
    assert "\n" not in text and "**Status**" not in text


def test_long_text_is_cut_with_an_ellipsis():
    assert escape_text("x" * 1000, limit=50) == "x" * 49 + "…"


@given(st.text())
def test_any_text_comes_out_one_line_and_free_of_angle_brackets(value: str):
    text = escape_text(value)
    assert "\n" not in text and "<" not in text and ">" not in text and len(text) <= 400
