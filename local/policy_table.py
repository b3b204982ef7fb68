"""The event policy as the Markdown table `functions/policy.md` shows (a unit test keeps them equal).

python -m local.policy_table    # print the table, to paste between the markers in policy.md
"""

from __future__ import annotations

from functions.policy import RUNBOOK, EventRule

START = "<!-- event-policy:start (python -m local.policy_table) -->"
END = "<!-- event-policy:end -->"


def _when(row: EventRule) -> str:
    if not row.when:
        return "any other"
    return "; ".join(f"{field} = {', '.join(f'`{v}`' for v in values)}" for field, values in row.when.items())


def render() -> str:
    lines = [
        "| Detail type | When | Action | Severity | Scenario | Why |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in RUNBOOK.event_rules:
        severity = row.severity.value if row.severity else ""
        lines.append(
            f"| {row.detail_type} | {_when(row)} | {row.action.value} | {severity} | {row.scenario} | {row.reason} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
