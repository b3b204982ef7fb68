"""`responder roster` as a user runs it: who holds L1..L4 at a moment, or one stderr line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.cli import main
from tests.conftest import roster_document
from tests.samples import SAMPLE_CONFIG


def write(tmp_path: Path, document: Any, name: str = "roster.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["roster", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_each_level_with_role_person_and_until(tmp_path, capsys):
    # Given the team's roster document, asked about Wednesday of ana's first week
    path = write(tmp_path, roster_document())

    # When printed as text
    code, out, err = run(capsys, "--config", str(path), "--at", "2026-01-07T12:00Z")

    # Then a heading names the moment and the source, and each level has its row
    assert (code, err) == (0, "")
    heading, columns, *rows = out.splitlines()
    assert heading == f"On call at Wed 2026-01-07 12:00 UTC (weekly hand-over Monday 09:00 UTC; roster from {path})"
    assert columns.split() == ["LEVEL", "ROLE", "NAME", "PHONE", "SLACK", "BY", "UNTIL"]
    assert [row.split()[0] for row in rows] == ["L1", "L2", "L3", "L4"]
    assert "On-Call Engineer" in rows[0] and "Ana Example" in rows[0] and "+12025550101" in rows[0]
    assert "U0TEST0001" in rows[0] and rows[0].rstrip().endswith("rotation  Mon 2026-01-12 09:00 UTC")
    assert "Director/VP Engineering" in rows[3] and "Gus Example" in rows[3]


def test_json_names_the_override_its_reason_and_when_it_ends(tmp_path, capsys):
    # Given cam covering L1 on 2026-01-07
    document = roster_document()
    document["overrides"] = [
        {"level": "L1", "person": "cam", "start": "2026-01-07T00:00Z", "end": "2026-01-08T00:00Z", "reason": "ana out"}
    ]
    path = write(tmp_path, document)

    # When asked in JSON, with a moment at +01:00
    code, out, _err = run(capsys, "--config", str(path), "--at", "2026-01-07T13:00:00+01:00", "--json")

    # Then L1 is cam by override until its end, in UTC
    report = json.loads(out)
    assert code == 0 and report["at"] == "2026-01-07T12:00:00Z" and report["handover"] == "Monday 09:00 UTC"
    first = report["on_call"][0]
    assert {k: first[k] for k in ("level", "person", "name", "slack", "by", "since", "until", "reason")} == {
        "level": "L1",
        "person": "cam",
        "name": "Cam Example",
        "slack": "U0TEST0003",
        "by": "override",
        "since": "2026-01-07T00:00:00Z",
        "until": "2026-01-08T00:00:00Z",
        "reason": "ana out",
    }
    assert [row["person"] for row in report["on_call"]] == ["cam", "eli", "fay", "gus"]


def test_reads_the_roster_of_a_responder_config(tmp_path, capsys):
    path = write(
        tmp_path, {"stage": "prod", "services": SERVICES, "roster": roster_document()}, "responder.config.json"
    )
    # A date alone is its midnight UTC: before that Monday's 09:00 hand-over
    code, out, _err = run(capsys, "--config", str(path), "--at", "2026-01-12", "--json")
    assert code == 0
    assert [row["person"] for row in json.loads(out)["on_call"]] == ["ana", "eli", "fay", "gus"]


def test_by_default_it_is_the_repositorys_config_now(capsys, frozen_clock):
    code, out, _err = run(capsys, "--json")
    report = json.loads(out)
    assert code == 0 and report["source"] == str(SAMPLE_CONFIG)  # the suite's, through $RESPONDER_CONFIG
    assert report["at"] == frozen_clock.now().isoformat().replace("+00:00", "Z")
    assert len(report["on_call"]) == 4


SERVICES = [{"name": "web", "cluster": "web", "ecs_service": "web"}]


def _roster_with_l5() -> dict[str, Any]:
    document = roster_document()
    document["levels"]["L5"] = document["levels"]["L1"]
    return document


@pytest.mark.parametrize(
    ("content", "argv", "expected"),
    [
        (_roster_with_l5(), [], "{path}: levels.L5: unknown level; the ladder is L1, L2, L3, L4"),
        (
            {"services": SERVICES, "roster": _roster_with_l5()},
            [],
            "{path}: roster.levels.L5: unknown level; the ladder is L1, L2, L3, L4",
        ),
        (
            {"stage": "prod", "services": SERVICES},
            [],
            "{path}: roster: missing: nobody would be on call at L1..L4; add roster",
        ),
        (
            {"services": SERVICES, "roster_parameter": "/team/roster"},
            [],
            "{path}: the roster is kept in SSM parameter /team/roster; run with --parameter /team/roster",
        ),
        (
            roster_document(),
            ["--at", "next friday"],
            "--at 'next friday': expected now or an ISO 8601 moment such as 2026-12-24T09:00Z",
        ),
        ("{not json", [], "{path}: not valid JSON"),
    ],
    ids=["bad-roster", "bad-config-roster", "no-roster", "roster-in-ssm", "bad-when", "not-json"],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(tmp_path, capsys, content: Any, argv: list[str], expected: str):
    # Given a file (or an option) with one thing wrong
    path = tmp_path / "input.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))

    # When the command runs
    code, out, err = run(capsys, "--config", str(path), *argv)

    # Then nothing is printed but one line naming the input
    assert (code, out) == (2, "")
    assert err.startswith("responder: " + expected.format(path=path)), err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_file_says_so(capsys):
    code, _out, err = run(capsys, "--config", "no/such/roster.json")
    assert code == 2
    assert err.strip() == (
        "responder: no/such/roster.json: no such file; name a config or roster with --config, or use --parameter"
    )


def test_installed_command_never_shows_a_traceback(tmp_path):
    path = write(tmp_path, _roster_with_l5())
    command = [str(Path(sys.executable).parent / "responder"), "roster", "--config", str(path)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert completed.stderr == f"responder: {path}: levels.L5: unknown level; the ladder is L1, L2, L3, L4\n"
