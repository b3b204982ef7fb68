"""`load_roster`: the roster from its SSM parameter, or one line saying why it cannot be used."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from functions.roster.load import RosterError, load_roster, parse_roster
from tests.conftest import roster_document

NAME = "/runbook-responder-dev/roster"


@pytest.fixture
def ssm(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ssm", region_name="eu-west-1")


@pytest.mark.parametrize("kind", ["String", "SecureString"])
def test_the_roster_in_a_parameter_is_read_whole(ssm, kind: str):
    # Given the roster's JSON in a String or SecureString parameter
    document = json.dumps(roster_document())
    ssm.put_parameter(Name=NAME, Value=document, Type=kind)

    # When the functions load it
    roster = load_roster(ssm, NAME)

    # Then it is the same roster as the document
    assert roster == parse_roster(document, "file")
    assert roster.people["ana"].phone == "+12025550101"


def test_a_missing_parameter_names_it_and_the_region(ssm):
    with pytest.raises(RosterError) as error:
        load_roster(ssm, NAME)
    assert str(error.value) == f"SSM parameter {NAME}: not found in eu-west-1"


def test_a_parameter_that_is_not_json_says_so(ssm):
    ssm.put_parameter(Name=NAME, Value="ana,ben,cam", Type="String")
    with pytest.raises(RosterError) as error:
        load_roster(ssm, NAME)
    assert str(error.value) == f"SSM parameter {NAME}: not JSON (Expecting value at line 1 column 1)"


def test_an_invalid_roster_names_the_parameter_and_the_input(ssm):
    # Given a roster with a level L5 in its parameter
    document = roster_document()
    document["levels"]["L5"] = {"rotation": ["ana"], "anchor": "2026-01-05"}
    ssm.put_parameter(Name=NAME, Value=json.dumps(document), Type="String")

    # Then the error is one line: parameter, input, problem
    with pytest.raises(RosterError) as error:
        load_roster(ssm, NAME)
    assert str(error.value) == f"SSM parameter {NAME}: levels.L5: unknown level; the ladder is L1, L2, L3, L4"


def test_a_refused_read_is_one_line_with_the_reason(ssm):
    # Given credentials that may not read the parameter
    with Stubber(ssm) as stub:
        stub.add_client_error(
            "get_parameter", service_error_code="AccessDeniedException", service_message="not authorized\nto read"
        )
        with pytest.raises(RosterError) as error:
            load_roster(ssm, NAME)
    assert str(error.value) == f"SSM parameter {NAME}: cannot read it (AccessDeniedException: not authorized to read)"


def test_responder_roster_reads_the_parameter_with_the_callers_credentials(ssm, monkeypatch, capsys):
    # Given the roster in the account's parameter, and the caller's region
    from local.cli import main

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    ssm.put_parameter(Name=NAME, Value=json.dumps(roster_document()), Type="SecureString")

    # When `responder roster --parameter` runs
    code = main(["roster", "--parameter", NAME, "--at", "2026-01-05T09:00Z", "--json"])

    # Then it prints who is on call, from that parameter
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["source"] == f"SSM parameter {NAME}"
    assert [row["person"] for row in report["on_call"]] == ["ana", "eli", "fay", "gus"]


def test_responder_roster_of_a_missing_parameter_is_one_line_and_exit_2(ssm, monkeypatch, capsys):
    from local.cli import main

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert main(["roster", "--parameter", NAME]) == 2
    out, err = capsys.readouterr()
    assert not out and err == f"responder: SSM parameter {NAME}: not found in eu-west-1\n"
