"""Cold start of the intake Lambda as it ships: its import-and-init against `import boto3` alone.

The asset is built by the project's own code (infra/asset.py: `functions/` and the runtime
dependencies, for this machine's architecture, byte-compiled by CPython 3.13) into a temporary
folder laid out as Lambda lays it out:

    task      /var/task: the asset, every file dated 1980-01-01 as the CDK CLI's zip dates them
    runtime   what the python3.13 runtime adds: boto3, botocore and their dependencies (the
              venv's versions), byte-compiled as the runtime ships them

Each run is a new CPython 3.13 process (infra/lambda_python.py), started isolated (`-I`) with
sys.path = task, runtime, the standard library: never the venv's site-packages nor the source
tree. Writing byte-code is off (Lambda's /var/task is read-only), so nothing is compiled for the
next run; the output counts the modules imported without usable byte-code, from anywhere else,
and the files the runs wrote (all must be 0). The two measurements are interleaved so that disk
cache and CPU frequency affect both alike; wall time with `time.perf_counter` around:

    boto3    `import boto3`
    intake   `import functions.handlers.alarm_intake` + `functions.settings.settings()` with the
             environment the stack gives the function (INCIDENT_TABLE, topics, SERVICES, ...):
             what the Lambda runtime does before the first event, validation at cold start included
    first    the same, then the pipeline's modules (functions.triage) and the first alarm
             (events/service-down.sns.alarm.json) parsed and classified: what an import or a
             validator deferred to first use costs the first event, before its first AWS call
    floor    botocore's session and config (what the functions build clients from; boto3 only
             wraps them), the powertools Logger and Metrics modules, pydantic and one model built:
             what any intake that logs with powertools and validates its settings with pydantic at
             init must import, whatever the rest of it does

CPU time (`time.process_time`) is reported beside wall time: on a shared machine it moves less.
It also reports which heavy modules the intake's init pulled in (moto, the X-Ray SDK, the Slack
client, the status page renderer must not be there, and no boto3 client is created yet), and the
top 15 of `-X importtime` for the intake's init, by self and by cumulative time. The goal set by
issue 10 was intake/boto3 under 1.5x; issue 19 set intake/floor within 1.15x (same run).

    .venv/bin/python benchmarks/cold_start.py [--runs 15] [--json] [--ref REF] [--without-bytecode]

`--ref main` measures another commit's functions/ with the same asset build and runtime;
`--without-bytecode` ships the sources only, as the asset did before issue 10.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from infra import asset
from infra.lambda_python import require
from infra.wheelhouse import PROVIDED_BY_RUNTIME, PYTHON_VERSION, REPO_ROOT

GOAL_RATIO = 1.5
FLOOR_GOAL_RATIO = 1.15  # issue 19: the intake's init within this of the floor measured in the same run
TOP = 15
PROFILE_RUNS = 5  # -X importtime runs; each module's figures are their median
ZIP_EPOCH = 315532800  # 1980-01-01 00:00 UTC: the date the CDK CLI gives every file of a zipped asset
RUNTIME_SITE_PACKAGES = f"/var/lang/lib/python{PYTHON_VERSION}/site-packages"
FIRST_EVENT = REPO_ROOT / "events" / "service-down.sns.alarm.json"

# The environment infra/constructs/functions.py gives the intake (values shaped like the real ones).
_ARN = "arn:aws:sns:us-east-1:123456789012:RunbookResponder"
_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:runbook-responder"
STACK_ENV: dict[str, str] = {
    "INCIDENT_TABLE": "RunbookResponder-IncidentTable-1ABCDEF",
    "NOTIFICATION_TOPICS": json.dumps({p: f"{_ARN}-Notify{p}" for p in ("P0", "P1", "P2", "P3")}),
    "PAGE_TOPICS": json.dumps({lv: f"{_ARN}-Page{lv}" for lv in ("L1", "L2", "L3", "L4")}),
    "SLACK_WEBHOOK_SECRET_ID": f"{_SECRET}/slack-AbCdEf",
    "SLACK_SEVERITIES": json.dumps(["P0", "P1", "P2", "P3"]),
    "SERVICES": json.dumps(
        [{"name": "flask-sre-challenge"}, {"name": "responder-synthetic", "synthetic": True}], separators=(",", ":")
    ),
    "DIAGNOSTICS_BUDGET_SECONDS": "10",
    "ACTION_SIGNING_SECRET_ID": f"{_SECRET}/sign-AbCdEf",
    "POSTMORTEM_BUCKET": "runbookresponder-postmortems-1abcdef",
    "OPS_TOPIC_ARN": f"{_ARN}-Ops",
    "SLACK_BOT_TOKEN_SECRET_ID": f"{_SECRET}/slack-bot-AbCdEf",
    "ROSTER_PARAMETER": "/RunbookResponder/roster",
    "POWERTOOLS_SERVICE_NAME": "runbook-responder",
    "LOG_LEVEL": "INFO",
    "ACTION_BASE_URL": "https://abcdef1234.execute-api.us-east-1.amazonaws.com",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/RunbookResponder-IntakeFailures",
    "ESCALATION_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:Escalation-AbCdEf",
    # what the Lambda runtime itself sets
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_NAME": "RunbookResponder-Intake",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_EXECUTION_ENV": f"AWS_Lambda_python{PYTHON_VERSION}",
    "LAMBDA_TASK_ROOT": "/var/task",
}

# Modules worth naming when present after init (prefix match on sys.modules keys).
HEAVY = (
    "moto",
    "aws_xray_sdk",
    "aws_lambda_powertools.tracing",
    "aws_lambda_powertools.utilities.parser",
    "functions.channel.slack_api",
    "functions.status_page.render",
    "functions.status_page.page",
    "functions.escalation.step",
    "functions.escalation.actions",
    "functions.notifications.graph",
    "functions.roster",
    "functions.diagnostics",
    "pydantic",
    "boto3",
    "botocore",
    "urllib3",
    "email",
    "http.client",
    "concurrent.futures",
)
MUST_NOT = ("moto", "aws_xray_sdk", "functions.channel.slack_api", "functions.status_page.render")

_PRELUDE = """
import json, os, sys, time
task, runtime = sys.argv[1], sys.argv[2]
sys.dont_write_bytecode = True  # /var/task is read-only on Lambda
sys.path[:0] = [task, runtime]
os.chdir(task)
started, started_cpu = time.perf_counter(), time.process_time()
"""
_STOP = """
elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
"""

_BOTO3 = _PRELUDE + "import boto3\n" + _STOP

_INTAKE_INIT = """
import functions.handlers.alarm_intake
import functions.settings
imported = time.perf_counter()
functions.settings.settings()
settings_ms = (time.perf_counter() - imported) * 1000
"""
_INTAKE = _PRELUDE + _INTAKE_INIT + _STOP

_FIRST = (
    _PRELUDE
    + _INTAKE_INIT
    + """
import functions.triage  # the pipeline the first event runs, whether the init imported it or not
from functions.intake.parse import parse_event
from functions.scenarios import classify
classify(parse_event(json.loads(sys.argv[4]))[0], functions.settings.settings().SERVICES)
"""
    + _STOP
)

_FLOOR = (
    _PRELUDE
    + """
import botocore.session, botocore.config
import aws_lambda_powertools.logging, aws_lambda_powertools.metrics
import pydantic
class Probe(pydantic.BaseModel):
    value: int
Probe(value=1)
"""
    + _STOP
)

# After the timed part: where each module came from and whether its byte-code was usable.
_AUDIT = """
import importlib.util, sysconfig
def _usable(spec):
    origin = getattr(spec, "origin", None) or ""
    if not origin.endswith(".py"):
        return True  # built-in, frozen or an extension module: nothing to compile
    try:
        with open(spec.cached, "rb") as pyc:
            header = pyc.read(16)
    except (OSError, TypeError):
        return False
    if header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    flags = int.from_bytes(header[4:8], "little")
    if flags & 1:  # hash-based: unchecked is used as is, checked only if the source still hashes alike
        return not flags & 2 or importlib.util.source_hash(open(origin, "rb").read()) == header[8:16]
    stat = os.stat(origin)
    return header[8:16] == ((int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
                            + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little"))
allowed = tuple(os.path.realpath(p) for p in (task, runtime, sysconfig.get_paths()["stdlib"],
                                            sysconfig.get_paths()["platstdlib"]))
files = {name: os.path.realpath(m.__file__) for name, m in list(sys.modules.items())
         if getattr(m, "__file__", None)}
outside = sorted(name for name, path in files.items() if not path.startswith(allowed))
uncompiled = sorted(name for name, m in list(sys.modules.items())
                    if getattr(m, "__spec__", None) is not None and not _usable(m.__spec__))
heavy = json.loads(sys.argv[3])
present = sorted(name for name in heavy if any(m == name or m.startswith(name + ".") for m in sys.modules))
report = {"ms": elapsed * 1000, "cpu_ms": elapsed_cpu * 1000, "modules": len(sys.modules), "heavy": present,
          "outside": outside,
          "uncompiled": uncompiled, "python": sys.version.split()[0]}
if "settings_ms" in globals():
    from functions import container
    report.update(settings_ms=settings_ms, clients_created=container.clients.cache_info().currsize)
print(json.dumps(report))
"""


def _env() -> dict[str, str]:
    """The stack's environment, and nothing of the build machine's AWS or Python settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_", "PYTHON"))}
    env.update(STACK_ENV)
    return env


class Lambda:
    """A task and a runtime folder, and the CPython 3.13 that runs them as the Lambda runtime would."""

    def __init__(self, folder: Path, interpreter: Path) -> None:
        self.task = folder / "task"
        self.runtime = folder / "runtime"
        self.interpreter = interpreter

    def run(self, code: str, *, importtime: bool = False) -> tuple[dict[str, Any], str]:
        flags = ["-I", *(["-X", "importtime"] if importtime else [])]
        command = [str(self.interpreter), *flags, "-c", code + _AUDIT, str(self.task), str(self.runtime),
                   json.dumps(HEAVY), FIRST_EVENT.read_text()]  # fmt: skip
        done = subprocess.run(command, env=_env(), capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"cold-start run failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr

    def files(self) -> int:
        return sum(1 for folder in (self.task, self.runtime) for _ in folder.rglob("*"))


def build(
    folder: Path, interpreter: Path, functions_dir: Path = asset.FUNCTIONS_DIR, bytecode: bool = True
) -> tuple[Lambda, list[str]]:
    """The asset as infra/asset.py builds it, and the runtime's boto3 beside it, both read-only."""
    lam = Lambda(folder, interpreter)
    asset.build(lam.task, f"manylinux2014_{platform.machine()}", functions_dir)  # this machine loads pydantic_core
    if not bytecode:  # as the asset shipped before issue 10: sources only
        for cache in list(lam.task.rglob("__pycache__")):
            shutil.rmtree(cache)
    provided = _copy_distributions(sorted(PROVIDED_BY_RUNTIME), lam.runtime)
    asset.compile_for_runtime(lam.runtime, interpreter, task_root=RUNTIME_SITE_PACKAGES)
    for path in _tree(lam.task):
        os.utime(path, (ZIP_EPOCH, ZIP_EPOCH), follow_symlinks=False)
    _set_writable(folder, False)
    return lam, provided


def _tree(folder: Path) -> Iterator[Path]:
    yield from folder.rglob("*")
    yield folder


def _set_writable(folder: Path, writable: bool) -> None:
    for path in _tree(folder):
        if not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(mode | 0o200 if writable else mode & ~0o222)


def _copy_distributions(roots: Sequence[str], target: Path) -> list[str]:
    """The venv's installed distributions `roots`, transitively, as sources (the runtime's copy of boto3)."""
    from importlib import metadata

    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop().lower().replace("_", "-")
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        stack.extend(re.split(r"[ <>=!~;\[(]", r, maxsplit=1)[0] for r in dist.requires or [] if "extra ==" not in r)
        for file in dist.files or []:
            text = str(file)
            if "__pycache__" in text or text.endswith(".pyc") or ".dist-info" in text or text.startswith(".."):
                continue
            destination = target / text
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(str(dist.locate_file(file))), destination)
    return sorted(seen)


def measure(lam: Lambda, runs: int) -> dict[str, Any]:
    kinds = {"boto3": _BOTO3, "intake": _INTAKE, "first": _FIRST, "floor": _FLOOR}
    wall: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
    settings_ms: list[float] = []
    files_before = lam.files()
    for code in kinds.values():  # one untimed run each: the page cache holds both trees, as on a warm host
        lam.run(code)
    runs_of: dict[str, dict[str, Any]] = {}
    for _ in range(runs):  # interleaved: boto3, intake, first, floor, boto3, ...
        for kind, code in kinds.items():
            runs_of[kind], _ = lam.run(code)
            wall[kind].append(runs_of[kind]["ms"])
            cpu[kind].append(runs_of[kind]["cpu_ms"])
        settings_ms.append(runs_of["intake"]["settings_ms"])
    boto3_run, intake_run = runs_of["boto3"], runs_of["intake"]
    median = {kind: statistics.median(values) for kind, values in wall.items()}
    median_cpu = {kind: statistics.median(values) for kind, values in cpu.items()}
    return {
        "boto3_ms": round(median["boto3"], 1),
        "intake_ms": round(median["intake"], 1),
        "ratio": round(median["intake"] / median["boto3"], 2),
        "goal_ratio": GOAL_RATIO,
        "runs": runs,
        "first_event_ms": round(median["first"], 1),
        "first_event_ratio": round(median["first"] / median["boto3"], 2),
        "floor_ms": round(median["floor"], 1),
        "floor_ratio": round(median["floor"] / median["boto3"], 2),
        # each round's intake over its own floor (run moments apart), then the median: load that comes
        # and goes on a shared machine moves both alike, where a ratio of two medians would not see it
        "intake_floor_ratio": round(statistics.median(paired := _paired(wall["intake"], wall["floor"])), 3),
        "intake_floor_ratio_iqr": [round(q, 3) for q in _quartiles(paired)],
        "floor_goal_ratio": FLOOR_GOAL_RATIO,
        "cpu_intake_floor_ratio": round(median_cpu["intake"] / median_cpu["floor"], 3),
        "cpu_ms": {kind: round(value, 1) for kind, value in median_cpu.items()},
        "cpu_ratio": round(median_cpu["intake"] / median_cpu["boto3"], 2),
        "cpu_floor_ratio": round(median_cpu["floor"] / median_cpu["boto3"], 2),
        "python": intake_run["python"],
        "settings_ms": round(statistics.median(settings_ms), 1),
        "heavy_modules": intake_run["heavy"],
        "forbidden_modules": [name for name in intake_run["heavy"] if name.startswith(MUST_NOT)],
        "clients_created_at_init": intake_run["clients_created"],
        "modules_loaded": {"boto3": boto3_run["modules"], "intake": intake_run["modules"]},
        "modules_without_bytecode": sorted({name for run in runs_of.values() for name in run["uncompiled"]}),
        "modules_from_elsewhere": sorted({name for run in runs_of.values() for name in run["outside"]}),
        "files_written": lam.files() - files_before,
        "boto3_ms_all": [round(v, 1) for v in wall["boto3"]],
        "intake_ms_all": [round(v, 1) for v in wall["intake"]],
        "floor_ms_all": [round(v, 1) for v in wall["floor"]],
    }


def _paired(values: list[float], references: list[float]) -> list[float]:
    return [value / reference for value, reference in zip(values, references, strict=True)]


def _quartiles(values: list[float]) -> tuple[float, float]:
    quartiles = statistics.quantiles(values, n=4)
    return quartiles[0], quartiles[2]


def import_profile(lam: Lambda, runs: int = PROFILE_RUNS) -> list[tuple[str, float, float]]:
    """The intake init's `-X importtime` lines: (module, self ms, cumulative ms), each the median of `runs`."""
    times: dict[str, tuple[list[int], list[int]]] = {}
    for _ in range(runs):
        _, stderr = lam.run(_INTAKE, importtime=True)
        for line in stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, cumulative_us, name = (part.strip() for part in line.removeprefix("import time:").split("|", 2))
            own, cumulative = times.setdefault(name, ([], []))
            own.append(int(self_us))
            cumulative.append(int(cumulative_us))
    return [
        (name, statistics.median(own) / 1000, statistics.median(cumulative) / 1000)
        for name, (own, cumulative) in times.items()
    ]


def profile_figures(rows: list[tuple[str, float, float]]) -> dict[str, list[list[Any]]]:
    by_package: dict[str, float] = {}
    for name, self_ms, _ in rows:
        by_package[name.split(".")[0]] = by_package.get(name.split(".")[0], 0.0) + self_ms
    return {
        "importtime_top_self_ms": _top(rows, key=1),
        "importtime_top_cumulative_ms": _top(rows, key=2),
        "importtime_by_package_ms": [
            [n, round(t, 1)] for n, t in sorted(by_package.items(), key=lambda item: -item[1])[:TOP]
        ],
    }


def _top(rows: list[tuple[str, float, float]], key: int) -> list[list[Any]]:
    return [[name, round(own, 2), round(cumulative, 2)] for name, own, cumulative in
            sorted(rows, key=lambda row: -row[key])[:TOP]]  # fmt: skip


def valid(figures: dict[str, Any], bytecode: bool = True) -> bool:
    """The measurement was of the asset as it ships, and the init imported nothing it must not."""
    return not (
        figures["forbidden_modules"]
        or (bytecode and figures["modules_without_bytecode"])
        or figures["modules_from_elsewhere"]
        or figures["files_written"]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per measurement (default 15)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--ref", help="measure functions/ as a git commit or branch has it (a before/after table)")
    parser.add_argument(
        "--without-bytecode", action="store_true", help="ship the asset's sources only, as before issue 10"
    )
    args = parser.parse_args(argv)
    interpreter = require()
    with tempfile.TemporaryDirectory(prefix="cold-start-") as folder:
        functions_dir = _checkout(args.ref, Path(folder) / "source") if args.ref else asset.FUNCTIONS_DIR
        lam, provided = build(Path(folder), interpreter, functions_dir, bytecode=not args.without_bytecode)
        try:
            figures = measure(lam, args.runs)
            figures.update(profile_figures(import_profile(lam)))
        finally:
            _set_writable(Path(folder), True)
    figures.update(runtime_provides=provided, interpreter=str(interpreter), ref=args.ref or "work tree",
                   bytecode=not args.without_bytecode)  # fmt: skip
    if args.json:
        print(json.dumps(figures))
    else:
        _print(figures)
    return 0 if valid(figures, bytecode=not args.without_bytecode) else 1


def _checkout(ref: str, target: Path) -> Path:
    """functions/ as `ref` has it, in `target`."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", ref, "functions"], capture_output=True,
                             check=False)  # fmt: skip
    if archive.returncode != 0:
        raise SystemExit(f"--ref {ref}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "functions"


def _print(figures: dict[str, Any]) -> None:
    verdict = "under" if figures["ratio"] < GOAL_RATIO else "over"
    shipped = "as it ships" if figures["bytecode"] else "without byte-code (as before issue 10)"
    print(
        f"cold start of the asset {shipped}, functions/ of the {figures['ref']}, median of {figures['runs']} fresh "
        f"interpreters each (interleaved), CPython {figures['python']} with only the asset and the runtime's "
        "boto3 on sys.path"
    )
    print(f"  import boto3                       {figures['boto3_ms']:7.1f} ms   {figures['boto3_ms_all']}")
    print(f"  intake import + settings()         {figures['intake_ms']:7.1f} ms   {figures['intake_ms_all']}")
    print(f"    of which settings()              {figures['settings_ms']:7.1f} ms")
    print(f"  ratio intake / boto3               {figures['ratio']:7.2f}x   ({verdict} the {GOAL_RATIO:g}x goal)")
    cpu = figures["cpu_ms"]
    print(
        f"    CPU time: boto3 {cpu['boto3']:.1f} ms, intake {cpu['intake']:.1f} ms, ratio {figures['cpu_ratio']:.2f}x"
    )
    print(
        f"  + first alarm parsed, classified   {figures['first_event_ms']:7.1f} ms   "
        f"({figures['first_event_ratio']:.2f}x boto3: validators deferred to first use land here)"
    )
    print(
        f"  floor: botocore + powertools + pydantic + 1 model {figures['floor_ms']:.1f} ms   "
        f"({figures['floor_ratio']:.2f}x; CPU {figures['cpu_floor_ratio']:.2f}x): no intake init is below this"
    )
    over_floor = "within" if figures["intake_floor_ratio"] <= FLOOR_GOAL_RATIO else "over"
    print(
        f"  ratio intake / floor               {figures['intake_floor_ratio']:7.3f}x   ({over_floor} the "
        f"{FLOOR_GOAL_RATIO:g}x goal; median of each round's ratio, quartiles "
        f"{figures['intake_floor_ratio_iqr'][0]:.3f}-{figures['intake_floor_ratio_iqr'][1]:.3f}; "
        f"CPU {figures['cpu_intake_floor_ratio']:.3f}x)"
    )
    print(
        f"  modules loaded                     boto3 {figures['modules_loaded']['boto3']}, "
        f"intake {figures['modules_loaded']['intake']}"
    )
    print(f"  heavy modules after intake init    {', '.join(figures['heavy_modules']) or 'none'}")
    print(f"  must not be imported ({', '.join(MUST_NOT)}): {', '.join(figures['forbidden_modules']) or 'none'}")
    print(f"  boto3 clients created at init      {figures['clients_created_at_init']}")
    print(
        f"  as shipped: modules without usable byte-code {len(figures['modules_without_bytecode'])}, "
        f"from outside the asset/runtime/stdlib {len(figures['modules_from_elsewhere'])}, "
        f"files written {figures['files_written']}"
    )
    unexpected = [*(figures["modules_without_bytecode"] if figures["bytecode"] else []),
                  *figures["modules_from_elsewhere"]]  # fmt: skip
    for name in unexpected:
        print(f"    ! {name}")
    for key, title in (
        ("importtime_top_self_ms", "by self time"),
        ("importtime_top_cumulative_ms", "by cumulative time"),
    ):
        print(f"  -X importtime, intake init, top {TOP} {title} (median of {PROFILE_RUNS} runs):")
        for name, self_ms, cumulative_ms in figures[key]:
            print(f"    {self_ms:7.1f} ms self  {cumulative_ms:8.1f} ms cumulative  {name}")
    print(f"  -X importtime, intake init, self time by top-level package (top {TOP}):")
    for name, total in figures["importtime_by_package_ms"]:
        print(f"    {total:7.1f} ms  {name}")


if __name__ == "__main__":
    raise SystemExit(main())
