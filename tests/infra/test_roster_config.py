"""The roster in the deployment config: the same models as the functions, one line when it is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from functions.policy import Level
from functions.roster.load import parse_roster
from functions.roster.model import error_line
from functions.roster.schedule import on_call_table
from infra.config import ConfigError, ResponderConfig, load_config
from tests.conftest import roster_document

REPO = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, **fields: Any) -> Path:
    path = tmp_path / "responder.config.json"
    path.write_text(json.dumps({"services": [{"name": "web", "cluster": "web", "ecs_service": "web"}], **fields}))
    return path


def test_the_example_roster_has_everyone_on_call_and_is_flagged_as_fictional():
    # When the repository's own config is loaded
    config = load_config({})

    # Then every level has someone, and the 555-01xx people are called out at synth
    assert config.roster is not None
    table = on_call_table(config.roster, config.roster.overrides[0].start)
    assert [row.level for row in table] == list(Level) and table[0].source == "override"
    assert config.roster_warnings() == [
        "roster.people ana, ben, cam, dee, eli, fay, gus: fictional 555-01xx numbers (the example); put your team in"
    ]


def test_the_parameter_value_is_the_roster_as_the_functions_read_it(tmp_path: Path):
    config = load_config({"config": str(write_config(tmp_path, roster=roster_document()))})
    assert config.roster is not None
    assert parse_roster(config.roster_json(), "parameter") == config.roster


def test_no_roster_at_all_is_a_config_error_at_synth_not_a_silent_skip():
    services = [{"name": "web"}]
    with pytest.raises(ValidationError) as refused:
        ResponderConfig(services=services)
    assert "nobody would be on call at L1..L4" in error_line(refused.value)
    assert ResponderConfig(services=services, roster_parameter="/team/roster").roster_warnings() == []


def _with(edit: Any) -> dict[str, Any]:
    document = roster_document()
    edit(document)
    return document


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"roster": _with(lambda d: d["levels"].update(L5={"rotation": ["ana"], "anchor": "2026-01-05"}))},
            "roster.levels.L5: unknown level; the ladder is L1, L2, L3, L4",
        ),
        (
            {"roster": _with(lambda d: d["levels"].pop("L4"))},
            "roster.levels.L4: missing: nobody would be on call at L4 (Director/VP Engineering)",
        ),
        (
            {"roster": _with(lambda d: d["levels"]["L1"].update(rotation=[]))},
            "roster.levels.L1.rotation: nobody is on call",
        ),
        (
            {"roster": _with(lambda d: d["levels"]["L2"]["rotation"].append("zed"))},
            "roster.levels.L2.rotation[2]: 'zed' is not in people",
        ),
        (
            {
                "roster": _with(
                    lambda d: d["overrides"].extend(
                        {"level": "L1", "person": p, "start": s, "end": e, "reason": "swap"}
                        for p, s, e in (
                            ("cam", "2026-01-07T09:00Z", "2026-01-09T09:00Z"),
                            ("dee", "2026-01-08T09:00Z", "2026-01-10T09:00Z"),
                        )
                    )
                )
            },
            "roster.overrides[1]: overlaps overrides[0] at L1",
        ),
        (
            {"roster": _with(lambda d: d["people"]["ana"].update(phone="202-555-0101"))},
            "roster.people.ana.phone: '202-555-0101' is not an E.164 phone number",
        ),
        ({"roster": _with(lambda d: d.update(handover="weekly"))}, "roster.handover: 'weekly' is not a hand-over"),
        ({"roster": "roster.json"}, "roster 'roster.json': Input should be an object"),
        (
            {"roster": roster_document(), "roster_parameter": "/team/roster"},
            "roster_parameter: give either roster (the stack writes it to SSM) or roster_parameter",
        ),
        (
            {"roster_parameter": "team roster"},
            "roster_parameter 'team roster': an SSM parameter name: letters, digits, '_', '.' and '-', in parts "
            "separated by '/'",
        ),
    ],
    ids=[
        "unknown-level",
        "missing-level",
        "empty-rotation",
        "stranger",
        "overlap",
        "phone",
        "handover",
        "not-an-object",
        "both",
        "bad-parameter-name",
    ],
)
def test_a_bad_roster_is_one_line_naming_the_file_and_the_input(tmp_path: Path, fields: dict[str, Any], problem: str):
    # Given a config file whose roster has one thing wrong
    path = write_config(tmp_path, **fields)

    # When it is loaded, as synth does
    with pytest.raises(ConfigError) as error:
        load_config({"config": str(path)})

    # Then one line names the file, the input and the problem
    message = str(error.value)
    assert message.startswith(f"{path}: {problem}"), message
    assert "\n" not in message


def test_a_roster_too_big_for_a_parameter_is_refused_before_synth(tmp_path: Path):
    # Given a roster of 120 people: more than an SSM parameter's 8 KB
    document = roster_document()
    person = document["people"]["ana"]
    document["people"].update({f"p{n:03d}": person for n in range(120)})
    path = write_config(tmp_path, roster=document)

    with pytest.raises(ConfigError) as error:
        load_config({"config": str(path)})
    assert str(error.value).startswith(f"{path}: roster: ") and "an SSM parameter holds at most 8192" in str(
        error.value
    )


def test_synth_stops_with_one_line_for_a_bad_roster(tmp_path: Path):
    # Given a config file with a level L5 in its roster
    document = roster_document()
    document["levels"]["L5"] = document["levels"]["L1"]
    path = write_config(tmp_path, roster=document)
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"config": str(path)}), "CDK_OUTDIR": str(tmp_path / "out")}

    # When app.py runs as the CDK CLI would run it
    result = subprocess.run([sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    # Then it exits 2 with the one line and synthesizes nothing
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"error: {path}: roster.levels.L5: unknown level; the ladder is L1, L2, L3, L4"
    assert not list((tmp_path / "out").glob("*.template.json"))
