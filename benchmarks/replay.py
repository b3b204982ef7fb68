"""Wall time of `responder replay` for the unresolved P0 and P1 ladders (virtual time, real handlers).

`local.replay.replay` runs the sample alarm through the real intake handler on the embedded AWS
and plays the escalation state machine CDK synthesizes, on moto, in virtual time, until the
ladder is exhausted: the P0 `service-down` alarm for 24 virtual hours and the P1
`performance-degradation` alarm for 16. Nobody acknowledges or resolves. Each ladder is run
`--runs` times (interleaved) in this process; the median is reported. The first run also pays
the template synthesis (cached afterwards), so it is reported separately as `first_s`.

    .venv/bin/python benchmarks/replay.py [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
# These events name the runbook's sample service: the benchmark runs on the suite's own sample config,
# never on the user's responder.config.json (a team's own services would leave every sample unassigned).
SAMPLE_CONFIG = ROOT / "tests" / "fixtures" / "configs" / "sample.json"


@dataclass(frozen=True)
class Ladder:
    name: str
    event: Path
    until: timedelta


LADDERS = (
    Ladder("p0", EVENTS / "service-down.sns.alarm.json", timedelta(hours=24)),
    Ladder("p1", EVENTS / "performance-degradation.sns.alarm.json", timedelta(hours=16)),
)


def replay_once(ladder: Ladder) -> tuple[float, dict[str, Any]]:
    from local.replay import ReplayScript, replay

    event = json.loads(ladder.event.read_text(encoding="utf-8"))
    started = time.perf_counter()
    report = replay([(ladder.event, event)], ReplayScript(until=ladder.until), SAMPLE_CONFIG)
    elapsed = time.perf_counter() - started
    kinds = Counter(f"{n.kind}:{n.level}" if n.level else n.kind for n in report.notifications)
    incident = report.incident
    return elapsed, {
        "notifications": len(report.notifications),
        "by_kind": dict(sorted(kinds.items())),
        "severity": incident.severity.value if incident else None,
        "status": incident.status.value if incident else None,
        "last_at_s": max((report.at_s(n.at) or 0.0 for n in report.notifications), default=0.0),
    }


def replay_benchmark(runs: int = 3) -> dict[str, Any]:
    times: dict[str, list[float]] = {ladder.name: [] for ladder in LADDERS}
    details: dict[str, dict[str, Any]] = {}
    for _ in range(runs):
        for ladder in LADDERS:
            elapsed, detail = replay_once(ladder)
            times[ladder.name].append(elapsed)
            details[ladder.name] = detail
    figures: dict[str, Any] = {"runs": runs}
    for ladder in LADDERS:
        runs_s = times[ladder.name]
        figures[ladder.name] = {
            "event": ladder.event.name,
            "until_h": ladder.until.total_seconds() / 3600,
            "median_s": round(statistics.median(runs_s), 2),
            "first_s": round(runs_s[0], 2),
            "runs_s": [round(t, 2) for t in runs_s],
            **details[ladder.name],
        }
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="replays per ladder (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)

    from local.cli import _quiet_runtime_logs

    _quiet_runtime_logs(False)  # handler logs go to stderr at ERROR level
    with contextlib.redirect_stdout(sys.stderr):  # and any stray metrics line with them
        figures = replay_benchmark(args.runs)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"replay wall time, median of {args.runs} runs per ladder (unresolved, nobody acknowledges)")
    for ladder in LADDERS:
        f = figures[ladder.name]
        print(
            f"  {ladder.name.upper()} {f['event']:42} until {f['until_h']:g} h: median {f['median_s']:.2f} s "
            f"(runs {f['runs_s']}), {f['notifications']} notifications, last at +{f['last_at_s'] / 3600:.1f} h"
        )
        print(f"      {f['by_kind']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
