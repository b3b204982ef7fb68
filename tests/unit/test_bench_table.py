"""benchmarks/bench.py: the one table `make bench` prints, read from each benchmark's --json.

No benchmark runs here: the table is built from saved JSON (`--from DIR`), as a person re-tabling
an earlier run would. Timing is never asserted; what is asserted is that each figure sits beside
its reference with the ratio of the two, and that missing or broken input says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import bench

COLD_START = {"boto3_ms": 125.0, "intake_ms": 250.0, "first_event_ms": 260.0, "floor_ms": 180.0}
FIRST_RESPONSE = {"aws_calls": 25, "http_calls": 8, "calls": 33, "chain": 13, "first_response_s": 1.5, "serial_s": 3.3,
                  "latency_ms": 100.0, "first_page_s": 0.7, "page_chain": ["a", "b", "c", "d"]}  # fmt: skip
STORM = {
    "deliveries_per_s": 50.0, "goal_deliveries_per_s": 16.7, "reference_deliveries_per_s": 200.0,
    "duplicate_p99_ms": 12.0, "lost": 0, "duplicate_initial_notifications": 0, "incidents_per_service_max": 1,
    "one_incident_per_service": True,
    "by_kind": {"duplicate": {"count": 333, "p50_ms": 4.0, "p99_ms": 12.0},
                "opened": {"count": 20, "p50_ms": 90.0, "p99_ms": 800.0}},
}  # fmt: skip


def saved(tmp_path: Path, **benchmarks: object) -> Path:
    for name, data in benchmarks.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


def rows(capsys: pytest.CaptureFixture[str], directory: Path, only: str) -> tuple[int, list[dict[str, object]]]:
    code = bench.main(["--from", str(directory), "--only", only, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_each_figure_sits_beside_its_reference_and_their_ratio(tmp_path, capsys):
    # Given a cold start and a first response measured in one run
    directory = saved(tmp_path, cold_start=COLD_START, first_response=FIRST_RESPONSE)
    # When the table is built
    code, table = rows(capsys, directory, "cold_start,first_response")
    # Then the intake's import is set against bare boto3, the first response against its serial sum
    assert code == 0
    intake, first_event, floor, over_floor = [row for row in table if row["benchmark"] == "cold start"]
    assert (intake["value"], intake["reference_value"], intake["ratio"]) == (250.0, 125.0, 2.0)
    assert first_event["ratio"] == pytest.approx(260 / 125) and floor["ratio"] == pytest.approx(180 / 125)
    # and the intake against the floor of the same run (issue 19's goal: within 1.15x)
    assert (over_floor["value"], over_floor["reference_value"]) == (250.0, 180.0)
    assert over_floor["ratio"] == pytest.approx(250 / 180) and "1.15" in over_floor["figure"]
    # and the first response against its serial sum, its chain (13 calls x 100 ms), the page against its own
    first, chain, page = [row for row in table if row["benchmark"] == "first response"]
    assert first["reference"] == "serial sum of 33 calls" and first["ratio"] == pytest.approx(1.5 / 3.3)
    assert chain["reference"] == "its chain of 13 dependent calls" and chain["ratio"] == pytest.approx(1.5 / 1.3)
    assert page["reference"] == "its chain of 4 calls" and page["ratio"] == pytest.approx(0.7 / 0.4)


def test_the_storm_is_set_against_the_goal_the_stores_floor_and_its_invariants(tmp_path, capsys):
    code, table = rows(capsys, saved(tmp_path, storm=STORM), "storm")
    assert code == 0
    ratios = {(row["figure"], row["reference"]): row["ratio"] for row in table}
    assert ratios[("deliveries/s through the intake", "goal: 1,000 a minute")] == pytest.approx(50 / 16.7)
    assert ratios[("  same rate", "store floor: bare DynamoDB calls")] == 0.25
    assert ratios[("duplicate p99", "goal")] == pytest.approx(12 / 500)
    # each kind's p50 against the floor's time per delivery (1 / 200 per second = 5 ms)
    assert ratios[("duplicate p50 (p99 12 ms)", "floor per delivery")] == pytest.approx(0.8)
    assert table[-1]["figure"].startswith("held: 0 lost, 0 duplicate pages, 1 incident per service")


def test_a_broken_storm_invariant_fails_the_run_but_the_table_is_still_printed(tmp_path, capsys):
    broken = STORM | {"lost": 2, "one_incident_per_service": False, "incidents_per_service_max": 2}
    code = bench.main(["--from", str(saved(tmp_path, storm=broken)), "--only", "storm"])
    out = capsys.readouterr().out
    assert code == 1
    assert "BROKEN: 2 lost, 0 duplicate pages, 2 incident per service" in out
    assert "deliveries/s through the intake" in out


def test_a_missing_key_prints_a_question_mark_and_no_ratio(tmp_path, capsys):
    # Given a cold start whose JSON lost the intake's figure, and has no optional variants
    partial = {"boto3_ms": 125.0, "intake_time": 250.0}
    code = bench.main(["--from", str(saved(tmp_path, cold_start=partial)), "--only", "cold_start"])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("cold start")]
    # Then its one row says ? beside the reference, with no ratio, and no variant row is made up
    assert code == 0 and len(lines) == 1
    assert " ? " in lines[0] and lines[0].rstrip().endswith("125 ms")


def test_renamed_keys_are_read_from_their_known_alternatives(tmp_path, capsys):
    renamed = {"boto3_median_ms": 100.0, "intake_median_ms": 180.0}
    _, table = rows(capsys, saved(tmp_path, cold_start=renamed), "cold_start")
    assert table[0]["ratio"] == pytest.approx(1.8)


def test_a_benchmark_without_json_gets_one_row_saying_so_and_fails_the_run(tmp_path, capsys):
    code = bench.main(["--from", str(tmp_path), "--only", "replay"])
    out = capsys.readouterr().out
    assert code == 1 and "replay" in out and "failed: no " in out


def test_json_of_an_unknown_shape_is_reported_not_raised(tmp_path, capsys):
    code = bench.main(["--from", str(saved(tmp_path, metric_graph={"unexpected": True})), "--only", "metric_graph"])
    out = capsys.readouterr().out
    assert code == 0 and "metric graph" in out and " ? " in out


def test_dynamodb_local_that_cannot_run_here_is_skipped_not_failed():
    benchmark = next(b for b in bench.BENCHMARKS if b.name == "storm_dynamodb_local")
    [row] = bench.rows_of(benchmark, bench.Run(exit_code=2, problem="java is not on PATH"))
    assert row.problem == "skipped: java is not on PATH"
    assert not bench.failed([row])


def test_the_last_json_line_of_a_noisy_stdout_is_the_answer():
    stdout = 'alarm storm: 1000 deliveries\n{"_aws": 1}\nnot json {\n{"deliveries_per_s": 12.5}\n'
    assert bench.last_json(stdout) == {"deliveries_per_s": 12.5}
    assert bench.last_json("no json at all\n") is None


def test_an_unknown_benchmark_name_is_refused_in_one_line(capsys):
    assert bench.main(["--only", "stormy"]) == 2
    assert capsys.readouterr().err.strip() == "bench.py: --only: unknown benchmark(s) stormy"
