"""docs/deploy.md says what `cdk synth` makes: its outputs table and its list of what `cdk destroy` keeps."""

from __future__ import annotations

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
