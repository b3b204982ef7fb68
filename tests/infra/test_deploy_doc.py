"""docs/deploy.md says what `cdk synth` makes: its outputs table and its list of what `cdk destroy` keeps."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

DEPLOY_DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def section(heading: str) -> str:
    """The text under a `###` heading, up to the next heading."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    start = text.index(f"### {heading}\n")
    following = re.search(r"^#{2,3} ", text[start + 4 :], flags=re.MULTILINE)
    return text[start : start + 4 + following.start()] if following else text[start:]


def first_cells(text: str) -> list[str]:
    """The first column of a Markdown table's body rows."""
    return [row.split("|")[1].strip() for row in text.splitlines() if row.startswith("| ") and "---" not in row][1:]


def test_the_outputs_table_names_every_output_of_the_template_once(template: dict[str, Any]):
    # Given the doc's table of stack outputs
    documented = [cell.strip("`") for cell in first_cells(section("Stack outputs"))]
    # Then it is exactly the synthesized template's Outputs, none twice
    assert sorted(documented) == sorted(template["Outputs"]), "update docs/deploy.md's Stack outputs table"


def test_what_destroy_keeps_is_what_the_template_retains(template: dict[str, Any]):
    # Given the resource types the doc says `cdk destroy` keeps (one row per resource)
    rows = first_cells(section("Remove"))
    documented = Counter(match for row in rows for match in re.findall(r"`(AWS::[A-Za-z0-9:]+)`", row))
    # Then they are the template's resources with DeletionPolicy Retain (the default config)
    retained = Counter(r["Type"] for r in template["Resources"].values() if r.get("DeletionPolicy") == "Retain")
    assert documented == retained


def test_the_post_deploy_check_finds_the_schedules_and_metrics_it_names(template: dict[str, Any]):
    # Given the doc's by-hand synthetic test: the schedules it looks up and the metrics it reads
    check = section("Run it now: the post-deploy check that pages nobody")
    prefix = re.search(r"starts_with\(LogicalResourceId, '(\w+)\$1'\)", check)
    states = re.findall(r"^synthetic (\w+)", check, flags=re.MULTILINE) + re.findall(r"`synthetic (\w+)`", check)
    assert prefix is not None and set(states) == {"Alarm", "Ok"}
    resources = template["Resources"]
    intake_topic = template["Outputs"]["IntakeTopicArn"]["Value"]
    for state in states:
        # Then each names exactly one schedule, which publishes to the intake topic with the placeholder it fills in
        [schedule] = [r for key, r in resources.items() if r["Type"] == "AWS::Scheduler::Schedule"
                      and key.startswith(prefix.group(1) + state)]  # fmt: skip
        target = schedule["Properties"]["Target"]
        assert target["Arn"] == intake_topic
        assert "<aws.scheduler.scheduled-time>" in json.dumps(target["Input"])
    # And the metrics it reads are the ones the synthetic-test alarms watch
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = {
        (p["Namespace"], p["MetricName"], json.dumps(p["Dimensions"]))
        for p in alarms
        if "synthetic-test-no-" in str(p.get("AlarmName"))
    }
    namespace = re.search(r"--namespace (\S+)", check)
    dimension = re.search(r"--dimensions Name=(\w+),Value=(\S+)", check)
    metrics = re.search(r"for metric in ([\w ]+); do", check)
    assert namespace and dimension and metrics
    documented = {
        (namespace.group(1), metric, json.dumps([{"Name": dimension.group(1), "Value": dimension.group(2)}]))
        for metric in metrics.group(1).split()
    }
    assert documented == watched
