"""`responder classify` as a user runs it: one JSON line per alarm, or one stderr line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from local.cli import main
from tests.conftest import EVENTS, FIXTURES, PUBLIC_EXPECTED, public_payloads

BAD = sorted(p for p in (FIXTURES / "bad").iterdir() if p.suffix == ".json" and p.name != "sns-message-array.json")


def test_classify_prints_one_json_line_per_event_with_the_documented_fields(capsys):
    assert (
        main(["classify", str(EVENTS / "service-down.sns.alarm.json"), str(EVENTS / "deployment.ecs.failed.json")]) == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(x["source"], x["severity"], x["action"]) for x in lines] == [
        ("cloudwatch-alarm", "P0", "open"),
        ("ecs", "P1", "open"),  # a failed deployment (D16)
    ]
    for line in lines:
        assert {"source", "name", "state", "scenario", "severity", "service", "action"} <= set(line)


FIELDS = ("source", "name", "state", "action")


@pytest.mark.parametrize("path", public_payloads(), ids=lambda p: p.name)
def test_classify_of_real_world_payloads_prints_what_the_table_expects(path: Path, capsys):
    # Given a payload another project wrote (tests/fixtures/public/SOURCES.md), When a user classifies it
    code = main(["classify", str(path)])
    out, err = capsys.readouterr()
    expected = PUBLIC_EXPECTED[path.name]
    errors = [e["error"] for e in expected if "error" in e]
    if errors:
        # Then what is not an event is refused in one line naming the file and the problem
        assert (code, out) == (2, "")
        assert err.strip() == f"responder: {path}: {errors[0]}"
        return
    # Then each record comes out as source, name, state and action the table expects
    assert (code, err) == (0, "")
    printed = [json.loads(line) for line in out.splitlines()]
    assert [{k: line[k] for k in FIELDS} for line in printed] == expected


def test_the_expectations_name_every_public_payload_and_nothing_else():
    assert sorted(PUBLIC_EXPECTED) == [path.name for path in public_payloads()]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_classify_rejects_a_non_event_with_one_line_naming_the_file(path: Path, capsys):
    assert main(["classify", str(path)]) == 2
    out, err = capsys.readouterr()
    assert not out
    assert len(err.strip().splitlines()) == 1 and str(path) in err and "Traceback" not in err


def test_classify_of_a_missing_file_says_so(capsys):
    assert main(["classify", "no/such/file.json"]) == 2
    assert capsys.readouterr().err.strip() == "responder: no/such/file.json: no such file"


def test_plain_text_sns_is_unknown_and_ignored_with_exit_0(capsys):
    assert main(["classify", str(EVENTS / "unknown.sns.plain-text.json")]) == 0
    line = json.loads(capsys.readouterr().out)
    assert (line["source"], line["action"]) == ("unknown", "ignore")


def test_replay_refuses_bad_input_before_writing_anything(capsys):
    bad = FIXTURES / "bad" / "sns-wrong-type.json"
    assert main(["replay", str(EVENTS / "service-down.sns.alarm.json"), str(bad)]) == 2
    out, err = capsys.readouterr()
    assert not out and "sns-wrong-type.json" in err and len(err.strip().splitlines()) == 1


def test_replay_rejects_a_bad_duration(capsys):
    assert main(["replay", str(EVENTS / "service-down.sns.alarm.json"), "--ack-at", "soon"]) == 2
    assert "--ack-at 'soon'" in capsys.readouterr().err


def test_installed_command_never_shows_a_traceback():
    command = [str(Path(sys.executable).parent / "responder"), "classify", str(FIXTURES / "bad" / "truncated.json")]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert completed.stderr.startswith("responder: ") and "not JSON" in completed.stderr
