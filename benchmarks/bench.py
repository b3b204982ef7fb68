"""Every benchmark in one run, printed as one table: each figure beside its reference and the ratio.

Each benchmark runs in its own fresh interpreter, one after another (the machine has 2 shared
cores), with `--json`; this script reads those objects and nothing else, so every benchmark
stays runnable alone. Every reference is measured in the same run as its figure, by the same
benchmark, except the issue's goals (1,000 deliveries a minute, a duplicate's p99 under 500 ms):

    cold start         the intake's import + settings      vs  a bare `import boto3`
    first response     its wall time, 100 ms per AWS call  vs  the serial sum of its calls, and
                                                                its longest chain of dependent calls
    diagnostics        the checks' wall time, same latency vs  the serial sum of their calls
    storm              deliveries per second               vs  the goal, and the store's floor:
                                                               the same deliveries as bare DynamoDB
                                                               calls (one join each) on the same
                                                               backend. Per kind, p50 vs the floor's
                                                               time per delivery
    replay             wall time of a 24 h P0 ladder       vs  the virtual time it played
    incident channel   opening a channel                   vs  one Web API round trip (a post)
    metric graph       the graph the first message waits   vs  the renderer alone (the moto bridge)
    status page        publishing on moto                  vs  rendering alone

Why the store's floor for the storm: on the embedded AWS each call costs a few milliseconds of
botocore and moto (benchmarks/storm_profile.py), most of a delivery; parse + classify alone is
under a millisecond and would only say the emulator is slow. The floor says how much the intake
adds to the DynamoDB work its table design needs; a storm also runs on DynamoDB Local when java
is there (benchmarks/dynamodb_local.py), else its row says why not.

Keys are read defensively (a benchmark's JSON may change): a figure that is missing prints `?`.
`--from DIR` tables JSON files saved by an earlier run (`DIR/<name>.json`) instead of running.
Exit status 1 when a benchmark failed or a storm invariant broke; the table is printed anyway.

    .venv/bin/python benchmarks/bench.py [--only storm,replay] [--save DIR] [--from DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 900
DUPLICATE_P99_GOAL_MS = 500.0


@dataclass(frozen=True)
class Row:
    benchmark: str
    figure: str
    value: float | None
    unit: str
    reference: str
    reference_value: float | None
    problem: str = ""  # why the row has no figure (a failed or skipped benchmark)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.reference_value:
            return None
        return self.value / self.reference_value


@dataclass
class Run:
    """One benchmark's outcome: its JSON, or why there is none."""

    data: Any = None
    exit_code: int = 0
    problem: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str  # the table's first column
    script: str
    args: tuple[str, ...]
    rows: Callable[[Any], list[Row]]
    skip_codes: frozenset[int] = field(default_factory=frozenset)  # exit codes meaning "cannot run here"


# --- reading the benchmarks' JSON defensively ----------------------------------------------------------


def number(data: Any, *paths: str) -> float | None:
    """The first of `paths` ("a.b.c") that holds a number in `data`."""
    for path in paths:
        value = data
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def median_of(items: Any, key: str) -> float | None:
    values = [number(item, key) for item in items] if isinstance(items, list) else []
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


# --- each benchmark's rows -----------------------------------------------------------------------------


def cold_start_rows(data: Any) -> list[Row]:
    boto3 = number(data, "boto3_ms", "boto3_median_ms")
    reference = "bare `import boto3`"
    rows = [
        Row("cold start", "intake as shipped: import + settings, median", number(data, "intake_ms", "intake_median_ms"),
            "ms", reference, boto3),
    ]  # fmt: skip
    optional = (
        ("  + the first alarm parsed and classified", ("first_event_ms",)),
        ("  floor: botocore + powertools + pydantic + 1 model", ("floor_ms",)),
    )
    for label, keys in optional:  # variants a version of the benchmark may or may not measure
        value = number(data, *keys)
        if value is not None:
            rows.append(Row("cold start", label, value, "ms", reference, boto3))
    floor = number(data, "floor_ms")
    if floor is not None:  # issue 19's goal: the intake within 1.15x of the floor of the same run
        intake = number(data, "intake_ms", "intake_median_ms")
        rows.append(Row("cold start", "intake vs the floor (goal <= 1.15x)", intake, "ms", "floor, same run", floor))
    return rows


def first_response_rows(data: Any) -> list[Row]:
    wall = number(data, "first_response_s")
    calls = number(data, "calls", "aws_calls")
    latency = number(data, "latency_ms")
    label = f"{calls:.0f} calls" if calls is not None else "its calls"
    figure = f"alarm in -> notified + escalating, {latency:.0f} ms/call" if latency else "alarm in -> notified"
    chain = number(data, "chain")
    floor = chain * latency / 1000 if chain is not None and latency else None
    chain_label = f"its chain of {chain:.0f} dependent calls" if chain is not None else "its longest dependent chain"
    rows = [
        Row("first response", figure, wall, "s", f"serial sum of {label}", number(data, "serial_s")),
        Row("first response", "  same wall", wall, "s", chain_label, floor),
    ]
    page = number(data, "first_page_s")
    page_chain = data.get("page_chain") if isinstance(data, Mapping) else None
    page_calls = len(page_chain) if isinstance(page_chain, list) else number(data, "page_calls")
    if page is not None:
        page_floor = page_calls * latency / 1000 if page_calls and latency else None
        page_label = f"its chain of {page_calls:.0f} calls" if page_calls else "its chain"
        rows.append(Row("first response", "first page (L1) out", page, "s", page_label, page_floor))
    return rows


def diagnostics_rows(data: Any) -> list[Row]:
    calls = number(data, "aws_calls", "calls")
    label = f"{calls:.0f} calls" if calls is not None else "its calls"
    return [
        Row("diagnostics", "service-down checks, 100 ms/call", number(data, "first_response_s"), "s",
            f"serial sum of {label}", number(data, "serial_s"))
    ]  # fmt: skip


def storm_rows(data: Any, backend: str) -> list[Row]:
    name = f"storm ({backend})"
    rate = number(data, "deliveries_per_s")
    floor = number(data, "reference_deliveries_per_s")
    floor_ms = 1000 / floor if floor else None
    rows = [
        Row(name, "deliveries/s through the intake", rate, "/s", "goal: 1,000 a minute",
            number(data, "goal_deliveries_per_s") or round(1000 / 60, 1)),
        Row(name, "  same rate", rate, "/s", "store floor: bare DynamoDB calls", floor),
        Row(name, "duplicate p99", number(data, "by_kind.duplicate.p99_ms", "duplicate_p99_ms"), "ms",
            "goal", DUPLICATE_P99_GOAL_MS),
    ]  # fmt: skip
    for kind in ("duplicate", "updated", "no-change", "opened"):
        p50 = number(data, f"by_kind.{kind}.p50_ms")
        if p50 is not None:
            p99 = number(data, f"by_kind.{kind}.p99_ms")
            rows.append(Row(name, f"{kind} p50 (p99 {p99:g} ms)", p50, "ms", "floor per delivery", floor_ms))
    invariants = _storm_invariants(data)
    if invariants:
        rows.append(Row(name, invariants, None, "", "", None))
    return rows


def _storm_invariants(data: Any) -> str:
    lost = number(data, "lost")
    duplicates = number(data, "duplicate_initial_notifications")
    per_service = number(data, "incidents_per_service_max")
    one_each = data.get("one_incident_per_service") if isinstance(data, Mapping) else None
    if lost is None and one_each is None:
        return ""
    held = lost == 0 and duplicates == 0 and one_each is True
    return (
        f"{'held' if held else 'BROKEN'}: {lost:.0f} lost, {duplicates:.0f} duplicate pages, "
        f"{per_service:.0f} incident per service (one each: {one_each})"
        if lost is not None and duplicates is not None and per_service is not None
        else f"one incident per service: {one_each}"
    )


def replay_rows(data: Any) -> list[Row]:
    rows = []
    for ladder, hours in (("p0", 24), ("p1", 16)):
        until = number(data, f"{ladder}.until_h") or hours
        rows.append(Row("replay", f"{ladder.upper()} ladder, {until:.0f} virtual h, median",
                        number(data, f"{ladder}.median_s"), "s", "virtual time played",
                        number(data, f"{ladder}.last_at_s")))  # fmt: skip
    return rows


def incident_channel_rows(data: Any) -> list[Row]:
    post = number(data, "results.post.median_ms")
    rows = []
    for operation in ("open (new)", "open (retry, crash)", "open (name taken)"):
        calls = number(data, f"results.{operation}.calls")
        label = f"{operation}, {calls:.0f} calls" if calls is not None else operation
        rows.append(Row("incident channel", label, number(data, f"results.{operation}.median_ms"), "ms",
                        "one Web API round trip (post)", post))  # fmt: skip
    return rows


def metric_graph_rows(data: Any) -> list[Row]:
    return [
        Row("metric graph", "graph + PutObject + URL, median of samples", median_of(data, "graph_ms"), "ms",
            "the renderer alone (moto bridge)", median_of(data, "bridge_ms"))
    ]  # fmt: skip


def status_page_rows(data: Any) -> list[Row]:
    return [
        Row("status page", "publish on moto (Query, render, 2 PutObject)", number(data, "publish_on_moto_ms"), "ms",
            "render alone (busy page)", number(data, "busy.render_ms")),
        Row("status page", "busy page, gzipped", number(data, "busy.html_gzip_bytes"), "B",
            "quiet page, gzipped", number(data, "quiet.html_gzip_bytes")),
    ]  # fmt: skip


BENCHMARKS = (
    Benchmark("cold_start", "cold start", "cold_start.py", (), cold_start_rows),
    Benchmark("first_response", "first response", "first_response.py", (), first_response_rows),
    Benchmark("diagnostics", "diagnostics", "diagnostics.py", (), diagnostics_rows),
    Benchmark("storm", "storm (moto)", "storm.py", ("--reference",), lambda d: storm_rows(d, "moto")),
    Benchmark("storm_dynamodb_local", "storm (DynamoDB Local)", "storm.py", ("--reference", "--dynamodb-local"),
              lambda d: storm_rows(d, "DynamoDB Local"), skip_codes=frozenset({2})),
    Benchmark("replay", "replay", "replay.py", (), replay_rows),
    Benchmark("incident_channel", "incident channel", "incident_channel.py", (), incident_channel_rows),
    Benchmark("metric_graph", "metric graph", "metric_graph.py", (), metric_graph_rows),
    Benchmark("status_page", "status page", "status_page.py", (), status_page_rows),
)  # fmt: skip


# --- running ---------------------------------------------------------------------------------------------


def run(benchmark: Benchmark) -> Run:
    command = [sys.executable, str(ROOT / "benchmarks" / benchmark.script), *benchmark.args, "--json"]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return Run(problem=f"timed out after {TIMEOUT_S} s", exit_code=-1, seconds=TIMEOUT_S)
    seconds = time.perf_counter() - started
    data = last_json(done.stdout)
    if data is None:
        return Run(exit_code=done.returncode, problem=last_line(done.stderr) or "no JSON on stdout", seconds=seconds)
    return Run(data, done.returncode, "", seconds)


def last_json(stdout: str) -> Any:
    """The last line of stdout that is a JSON object or list (a benchmark's `--json` answer)."""
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith(("{", "[")):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip() and not line.startswith("{")]
    return lines[-1][:160] if lines else ""


def rows_of(benchmark: Benchmark, outcome: Run) -> list[Row]:
    if outcome.data is None:
        verb = "skipped" if outcome.exit_code in benchmark.skip_codes else "failed"
        return [Row(benchmark.title, "", None, "", "", None, f"{verb}: {outcome.problem}")]
    try:
        return benchmark.rows(outcome.data)
    except Exception as error:  # a JSON shape this table does not know: say so, keep the others
        return [Row(benchmark.title, "", None, "", "", None, f"unreadable JSON: {type(error).__name__}: {error}")]


# --- printing --------------------------------------------------------------------------------------------


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "?"
    if unit == "B":
        return f"{value:,.0f} B"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return f"{text} {unit}".strip() if unit not in ("/s",) else f"{text}/s"


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return ""
    if ratio < 0.01:
        return f"1/{1 / ratio:,.0f}"
    return f"{ratio:.2f}x"


def table(rows: Sequence[Row]) -> str:
    header = ("benchmark", "figure", "value", "reference (same run)", "value", "ratio")
    lines = [header]
    for row in rows:
        if row.problem:
            lines.append((row.benchmark, row.problem, "", "", "", ""))
        elif row.value is None and not row.reference:
            lines.append((row.benchmark, row.figure, "", "", "", ""))
        else:
            ref_unit = "s" if row.unit == "s" and row.reference == "virtual time played" else row.unit
            lines.append((row.benchmark, row.figure, fmt(row.value, row.unit), row.reference,
                          fmt(row.reference_value, ref_unit), fmt_ratio(row.ratio)))  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        cells = [
            cell.rjust(widths[i]) if i in (2, 4, 5) and index else cell.ljust(widths[i]) for i, cell in enumerate(line)
        ]
        out.append("  ".join(cells).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def failed(rows: Sequence[Row]) -> bool:
    return any(row.problem.startswith(("failed", "unreadable")) or row.figure.startswith("BROKEN") for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--save", type=Path, help="keep each benchmark's JSON as DIR/<name>.json")
    parser.add_argument("--from", dest="source", type=Path, help="table the JSON files in DIR instead of running")
    parser.add_argument("--json", action="store_true", help="print the rows as one JSON list instead of the table")
    args = parser.parse_args(argv)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = wanted - {b.name for b in BENCHMARKS}
    if unknown:
        print(f"bench.py: --only: unknown benchmark(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    rows: list[Row] = []
    for benchmark in BENCHMARKS:
        if wanted and benchmark.name not in wanted:
            continue
        outcome = _load(benchmark, args.source) if args.source else _run_and_say(benchmark)
        if args.save and outcome.data is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{benchmark.name}.json").write_text(json.dumps(outcome.data), encoding="utf-8")
        rows.extend(rows_of(benchmark, outcome))
    if args.json:
        print(json.dumps([asdict(row) | {"ratio": row.ratio} for row in rows]))
    else:
        print(table(rows))
    return 1 if failed(rows) else 0


def _run_and_say(benchmark: Benchmark) -> Run:
    print(f"running {benchmark.name} ...", file=sys.stderr, flush=True)
    outcome = run(benchmark)
    print(f"  {benchmark.name}: {outcome.seconds:.0f} s{' ' + outcome.problem if outcome.problem else ''}",
          file=sys.stderr, flush=True)  # fmt: skip
    return outcome


def _load(benchmark: Benchmark, source: Path) -> Run:
    path = source / f"{benchmark.name}.json"
    if not path.exists():
        return Run(problem=f"no {path}", exit_code=1)
    return Run(json.loads(path.read_text(encoding="utf-8")))


if __name__ == "__main__":
    raise SystemExit(main())
