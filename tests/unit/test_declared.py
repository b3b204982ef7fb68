"""Declared incidents (D13): what people type becomes one validated declaration, or one line saying why not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.declared.declaration import DeclarationError, declaration, parse_slash_command
from functions.incident import IncidentOrigin
from functions.intake.parse import parse_event
from functions.lifecycle import Escalate, Notify, declare, resolve
from functions.policy import Severity
from tests.conftest import load_event
from tests.samples import SAMPLE_SERVICE

SERVICES = ["flask-sre-challenge"]
AT = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)


def fields(**changes):
    base = {"kind": "security", "title": "Customer data exposed", "by": "alice", "via": "api", "declared_at": AT,
            "request_id": "r-1"}  # fmt: skip
    return {**base, **changes}


def test_the_kind_a_person_types_resolves_to_the_runbook_scenario_and_its_severity():
    declared = declaration(fields(), SERVICES)
    assert (declared.kind, declared.severity, declared.service) == ("security-breach", Severity.P0, SERVICES[0])
    assert declaration(fields(kind="docs"), SERVICES).severity is Severity.P3
    assert declaration(fields(kind="partial", severity="P2"), SERVICES).severity is Severity.P2


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"title": "  "}, "title: a declared incident needs a title"),
        ({"kind": "securty"}, "kind 'securty' is not one of data-loss, security-breach, partial-outage"),
        ({"severity": "P5"}, "severity 'P5': Input should be 'P0', 'P1', 'P2' or 'P3'"),
        ({"service": "shop"}, "service 'shop' is not a configured service (flask-sre-challenge)"),
        ({"by": ""}, "by '': String should have at least 1 character"),
        ({"title": "x" * 201}, f"title '{'x' * 39}…': String should have at most 200 characters"),
    ],
)
def test_bad_declarations_are_refused_in_one_line_naming_the_field(changes, problem):
    with pytest.raises(DeclarationError) as refused:
        declaration(fields(**changes), SERVICES)
    assert problem in str(refused.value) and "\n" not in str(refused.value)


def test_with_several_services_the_declaration_must_name_one():
    with pytest.raises(DeclarationError, match="service: name one of a, b"):
        declaration(fields(), ["a", "b"])


def test_the_slash_command_reads_severity_kind_quoted_title_service_and_visibility():
    parsed = parse_slash_command('declare P0 security "Customer data exposed" service=shop public')
    assert parsed == {"severity": "P0", "kind": "security", "title": "Customer data exposed", "service": "shop",
                      "public": True}  # fmt: skip
    assert parse_slash_command("declare docs Runbook names the old cluster")["title"] == "Runbook names the old cluster"


@pytest.mark.parametrize("text", ["", "open P0 security x", 'declare P0 "unterminated', "declare P1"])
def test_a_slash_command_that_is_not_a_declaration_answers_with_its_usage(text):
    with pytest.raises(DeclarationError, match="usage: /incident declare"):
        parse_slash_command(text)


def test_a_declared_incident_opens_on_its_own_with_the_same_first_response():
    # Given a person's declaration as the intake receives it
    [declared] = parse_event(load_event("security-breach.declared.api.json"))
    # When it is decided
    decision = declare(declared, SAMPLE_SERVICE, AT)
    incident = decision.incident
    # Then it opens a P0 incident that notifies and escalates, without taking the service's alarm slot
    assert incident is not None and decision.created and decision.standalone
    assert (incident.severity, incident.scenario, incident.origin) == (Severity.P0, "security-breach",
                                                                       IncidentOrigin.DECLARED)  # fmt: skip
    assert decision.notify == [Notify.INITIAL] and decision.escalate is Escalate.START
    assert incident.declared_by == "alice" and incident.title.endswith("Customer records visible to other tenants")
    # And a security incident stays off the status page until a person sets it public (D12)
    assert incident.public is False


def test_a_person_can_set_a_declared_incident_public():
    declared = declaration(fields(public=True), SERVICES)
    assert declare(declared, SAMPLE_SERVICE, AT).incident.public is True  # type: ignore[union-attr]
    outage = declaration(fields(kind="partial-outage"), SERVICES)
    assert declare(outage, SAMPLE_SERVICE, AT).incident.public is True  # type: ignore[union-attr]


def test_the_same_request_twice_is_one_incident_and_resolving_it_leaves_the_alarm_slot_alone():
    first = declare(declaration(fields(), SERVICES), SAMPLE_SERVICE, AT).incident
    again = declare(declaration(fields(), SERVICES), SAMPLE_SERVICE, AT).incident
    assert first is not None and again is not None and first.id == again.id
    closed = resolve(first, AT, by="alice", channel="link", root_cause=None, resolution=None)
    assert closed.release_open_pointer is False
