"""A team's own services through the real CLI: `responder ... --config examples/two-services.json`.

The team has `checkout` (ECS, ALB, RDS; error-rate alarm at 2 %) and `search` (ECS, its own ALB, no
database; p99 at 1.5 s) and its own people. Its alarms are classified, replayed and declared against
its own names, thresholds and roster; the runbook's sample service appears nowhere.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from functions.roster.schedule import on_call_table
from infra.config import ResponderConfig, load_config
from local.cli import main
from tests.conftest import ROOT, SAMPLE_CONFIG, TWO_SERVICES_CONFIG

EVENTS = ROOT / "examples" / "events"
CHECKOUT_ALARM = EVENTS / "checkout.error-rate.sns.alarm.json"
SEARCH_ALARM = EVENTS / "search.latency.sns.alarm.json"
UNOWNED_ALARM = EVENTS / "unowned.sns.alarm.json"
CONFIG = ["--config", str(TWO_SERVICES_CONFIG)]
SAMPLE_NAME = "flask-sre-challenge"


def responder(*args: str | Path) -> tuple[int, str, str]:
    """`responder ARGS` as a person runs it: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return code, out.getvalue(), err.getvalue()


def replayed(alarm: Path) -> dict[str, Any]:
    code, out, err = responder("replay", *CONFIG, alarm, "--until", "30m", "--json")
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


def initial_alert(report: dict[str, Any]) -> str:
    """The Initial Notification as the severity topic's subscribers received it."""
    [text] = [
        n["text"] for n in report["notifications"] if n["kind"] == "initial" and n["channel"].startswith("sns:notify")
    ]
    return str(text)


def affected_systems(text: str) -> str:
    return next(line for line in text.splitlines() if "Affected Systems" in line)


@pytest.fixture(scope="module")
def team() -> ResponderConfig:
    return load_config({"config": str(TWO_SERVICES_CONFIG)})


@pytest.fixture(scope="module")
def checkout_report() -> dict[str, Any]:
    return replayed(CHECKOUT_ALARM)


@pytest.fixture(scope="module")
def search_report() -> dict[str, Any]:
    return replayed(SEARCH_ALARM)


@pytest.mark.parametrize(
    ("alarm", "service", "rule"),
    [(CHECKOUT_ALARM, "checkout", "error-rate-high"), (SEARCH_ALARM, "search", "latency-p99")],
)
def test_classify_names_the_teams_service_and_rule(alarm: Path, service: str, rule: str) -> None:
    # When the team classifies its own alarm with its config
    code, out, _ = responder("classify", *CONFIG, alarm)
    # Then the alarm is its service's, under the rule its marker names
    line = json.loads(out)
    assert code == 0 and (line["service"], line["rule"], line["action"]) == (service, rule, "open")


def test_without_the_teams_config_its_alarm_is_nobodys(capsys) -> None:
    # Given the suite's own sample config (RESPONDER_CONFIG), which does not know checkout
    # When the same alarm is classified without --config
    code, out, _ = responder("classify", CHECKOUT_ALARM)
    # Then it opens unassigned: --config is what made it checkout's
    assert code == 0 and json.loads(out)["service"] == "unassigned"


def test_checkout_replay_speaks_of_checkout_its_database_its_threshold_and_its_people(
    checkout_report: dict[str, Any], team: ResponderConfig
) -> None:
    # Given checkout's error-rate alarm replayed with the team's config
    checkout = team.services[0]
    alert = initial_alert(checkout_report)

    # Then the Initial Notification is checkout's, with its own RDS instance and its 2 % threshold
    assert re.search(r"INCIDENT ALERT - P[0-3] - checkout\n", alert)
    assert f"RDS instance {checkout.db_instance}" in affected_systems(alert)
    impact = next(line for line in alert.splitlines() if "Impact" in line)
    assert "above 2%" in impact
    # And the L1 page names the team's own L1 person at the time of the alarm
    opened = datetime.fromisoformat(checkout_report["incident"]["opened_at"])
    assert team.roster is not None
    l1 = next(row.person for row in on_call_table(team.roster, opened) if row.level.value == "L1")
    [page] = [
        n["text"] for n in checkout_report["notifications"] if n["channel"] == "sns:page-L1" and n["kind"] == "page"
    ]
    assert f"{l1.name}, {l1.phone}" in page
    # And nothing of the sample service or the sample's people is anywhere in what was sent or stored
    everything = json.dumps(checkout_report)
    assert SAMPLE_NAME not in everything
    sample_roster = load_config({"config": str(SAMPLE_CONFIG)}).roster
    assert sample_roster is not None
    assert not [p.name for p in sample_roster.people.values() if p.name in everything]


def test_checkout_world_is_broken_and_its_database_checked(checkout_report: dict[str, Any]) -> None:
    # Then the diagnosis ran against checkout's seeded world: its error rate is the scenario's, its RDS is read
    findings = {f["check"]: f for f in checkout_report["findings"]}
    assert findings["alb_error_rate"]["status"] == "critical"
    assert "checkout-db" in findings["rds_instance"]["summary"]


def test_search_without_a_database_has_no_database_check_or_line(search_report: dict[str, Any]) -> None:
    # Given search's p99 alarm; search has no RDS instance
    alert = initial_alert(search_report)
    # Then it is search's incident, its latency judged against its own 1.5 s
    assert re.search(r"INCIDENT ALERT - P[0-3] - search\n", alert)
    findings = {f["check"]: f for f in search_report["findings"]}
    assert "1.5 s" in findings["alb_latency"]["summary"]
    # And no database check ran and no RDS line is under Affected Systems
    assert not [check for check in findings if check.startswith("rds_")]
    assert "RDS" not in affected_systems(alert)
    assert SAMPLE_NAME not in json.dumps(search_report)


def test_an_alarm_naming_neither_service_opens_unassigned_with_its_dimensions() -> None:
    # Given an alarm on another team's load balancer
    report = replayed(UNOWNED_ALARM)
    # Then it opens unassigned, says what it carried, and the ops topic hears of it too
    assert report["incident"]["service"] == "unassigned"
    alert = initial_alert(report)
    assert "LoadBalancer=app/payments-alb/9c2e4b7a10d35f68" in affected_systems(alert)
    assert [n for n in report["notifications"] if n["channel"] == "sns:ops" and n["kind"] == "initial"]
    assert report["findings"] == []  # no service's checks ran on it


def test_declare_for_the_teams_service(capsys) -> None:
    # When the team declares an incident on checkout with its config
    args = ["declare", "P1", "partial", "Card payments fail for some", "--service", "checkout", *CONFIG]
    code, out, err = responder(*args, "--until", "20m", "--json")
    # Then the declaration is accepted and the incident is checkout's
    report = json.loads(out)
    assert code == 0, err
    assert report["actions"][0]["status"] == 202 and report["incident"]["service"] == "checkout"
    # And without the config the same service is unknown: one line, exit 2
    code, out, err = responder(*args[:-2])
    assert code == 2 and out == "" and "service 'checkout' is not a configured service" in err


def test_maintenance_and_roster_read_the_same_config(team: ResponderConfig) -> None:
    # When the team declares a window on search and asks who is on call
    code, out, _ = responder("maintenance", "add", "--service", "search", "--start", "2030-01-01T10:00:00Z",
                             "--end", "2030-01-01T11:00:00Z", "--reason", "reindex", *CONFIG)  # fmt: skip
    assert code == 0 and json.loads(out)["detail"]["service"] == "search"
    code, out, _ = responder("roster", "--at", "2026-11-26T14:00Z", "--json", *CONFIG)
    # Then the roster is the team's own people
    names = {row["name"] for row in json.loads(out)["on_call"]}
    assert team.roster is not None and code == 0
    assert names <= {person.name for person in team.roster.people.values()} and len(names) == 4


def test_a_missing_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # When --config names a file that is not there
    missing = tmp_path / "mine.json"
    code, out, err = responder("classify", "--config", missing, CHECKOUT_ALARM)
    # Then one line names the file, no traceback
    assert code == 2 and out == ""
    assert err == f"responder: {missing}: no such config file; name one with --config PATH (or $RESPONDER_CONFIG)\n"
