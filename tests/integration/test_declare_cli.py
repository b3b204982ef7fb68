"""`responder declare` and `responder maintenance` as a person runs them: locally, or signed to a stack."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from functions.escalation.links import REQUEST_SIGNATURE_HEADER, REQUEST_TIMESTAMP_HEADER, verify_request_signature
from local.cli import main


def test_declare_replays_the_declared_incident_through_the_real_handlers(capsys):
    # When a trainee declares a P0 security breach locally
    assert main(["declare", "P0", "security", "Customer data exposed", "--by", "alice", "--until", "20m",
                 "--json"]) == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    # Then the signed request was accepted and the incident took the P0 first response
    [action] = report["actions"]
    assert action["action"] == "/incidents" and action["status"] == 202
    assert report["incident"]["severity"] == "P0" and report["incident"]["scenario"] == "security-breach"
    kinds = [(n["kind"], n["level"]) for n in report["notifications"] if n["channel"].startswith("sns")]
    assert kinds[:2] == [("initial", None), ("page", "L1")]


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        (["P0", "security"], "responder: declare: title: a declared incident needs a title"),
        (["P9", "security", "x"], "responder: declare: kind 'P9' is not one of"),
        (["P0", "security", "x", "--service", "shop"], "responder: declare: service 'shop' is not a configured"),
    ],
)
def test_a_bad_declaration_is_one_line_and_exit_2(words, problem, capsys):
    assert main(["declare", *words]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(problem) and captured.err.count("\n") == 1


def test_maintenance_add_prints_the_intake_event_a_replay_takes(capsys):
    args = ["maintenance", "add", "--service", "flask-sre-challenge", "--start", "2030-01-01T10:00:00Z",
            "--end", "2030-01-01T11:00:00Z", "--reason", "RDS upgrade", "--by", "dana"]  # fmt: skip
    assert main(args) == 0
    event = json.loads(capsys.readouterr().out)
    assert event["detail-type"] == "Maintenance Window Declared" and event["detail"]["reason"] == "RDS upgrade"


def test_maintenance_add_that_ends_before_it_starts_is_one_line(capsys):
    args = ["maintenance", "add", "--service", "flask-sre-challenge", "--start", "2030-01-01T10:00:00Z",
            "--end", "2030-01-01T09:00:00Z", "--reason", "RDS upgrade"]  # fmt: skip
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "responder: maintenance window: ends at 2030-01-01 09:00 UTC, before it starts\n"
    )


class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        type(self).received.append({"path": self.path, "body": body, "headers": dict(self.headers)})
        self.send_response(202)
        self.end_headers()
        self.wfile.write(json.dumps({"incident_id": "x", "channel": "#incident-x"}).encode())

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def deployed_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_declare_with_url_sends_a_request_the_stack_can_verify(deployed_api, monkeypatch, capsys):
    # Given the stack's API signing key in the environment
    monkeypatch.setenv("RESPONDER_API_KEY", "the-stacks-key")
    # When a person declares against the deployed stack
    assert main(["declare", "P1", "partial", "Checkout fails", "--by", "bob", "--url", deployed_api]) == 0
    # Then the stack received one POST /incidents whose signature holds with that key
    [request] = _Recorder.received
    headers = {k.lower(): v for k, v in request["headers"].items()}
    verify_request_signature("the-stacks-key", headers[REQUEST_TIMESTAMP_HEADER], request["body"],
                             headers[REQUEST_SIGNATURE_HEADER], datetime.now(UTC))  # fmt: skip
    body = json.loads(request["body"])
    assert request["path"] == "/incidents" and (body["kind"], body["severity"], body["by"]) == ("partial", "P1", "bob")
    assert json.loads(capsys.readouterr().out)["incident_id"] == "x"


def test_declare_with_url_but_no_key_says_what_is_missing(deployed_api, monkeypatch, capsys):
    monkeypatch.delenv("RESPONDER_API_KEY", raising=False)
    assert main(["declare", "P1", "partial", "Checkout fails", "--url", deployed_api]) == 2
    assert "--url needs --secret-id" in capsys.readouterr().err and _Recorder.received == []
