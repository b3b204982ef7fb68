from __future__ import annotations

import pytest

from functions.diagnostics.error_log_signatures import signature


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("ERROR timeout after 3021 ms for user 42", "ERROR timeout after 2990 ms for user 7"),
        ("[2026-11-26 20:01:02,123] ERROR KeyError: 'DATABASE_URL'", "[2026-11-26 21:11:00,001] ERROR KeyError: 'X'"),
        (
            "ERROR task 3f2c0c1e-1111-4222-8333-444455556666 failed",
            "ERROR task 00000000-aaaa-4bbb-8ccc-dddddddddddd failed",
        ),
        ("ERROR request 5f3a9c2e1b4d rejected", "ERROR request 0xdeadbeef rejected"),
        ("ERROR connect to 10.0.2.15:5432 refused", "ERROR connect to 10.0.2.16:5432 refused"),
        (
            '{"level":"ERROR","message":"order 12 failed","exception_name":"KeyError","ts":1}',
            '{"level":"ERROR","message":"order 99 failed","exception_name":"KeyError","ts":2}',
        ),
    ],
)
def test_lines_differing_only_in_values_share_a_signature(first, second):
    assert signature(first) == signature(second)


def test_different_failures_keep_different_signatures():
    assert signature("ERROR KeyError: 'x'") != signature("ERROR ValueError: 'x'")


def test_names_with_digits_are_kept():
    # psycopg2, base64, utf8 are part of the message, not values
    assert signature("ERROR psycopg2.OperationalError in base64 decode") == (
        "ERROR psycopg2.OperationalError in base64 decode"
    )


def test_json_lines_group_by_message_and_exception():
    assert signature('{"level":"ERROR","message":"order 12 failed","exception_name":"KeyError"}') == (
        "ERROR order <n> failed KeyError"
    )
