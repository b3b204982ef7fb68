"""Cold start of the intake Lambda: its import-and-init against `import boto3` alone, in fresh interpreters.

Each run is a new Python process (as a new Lambda container is); the two measurements are
interleaved so that disk cache and CPU frequency affect both alike. Inside the process, wall
time with `time.perf_counter` around:

    boto3    `import boto3`
    intake   `import functions.handlers.alarm_intake` + `functions.settings.settings()` with the
             environment the stack gives the function (INCIDENT_TABLE, topics, SERVICES, ...):
             what the Lambda runtime does before the first event, validation at cold start included

It also reports which heavy modules the intake's init pulled in (`sys.modules`): moto and the
X-Ray SDK must not be there, and no boto3 client should have been created yet. The goal set by
the issue is intake/boto3 under 2x; when it is over, `--profile` shows the top `-X importtime`
offenders of the intake's import.

    .venv/bin/python benchmarks/cold_start.py [--runs 7] [--profile] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 2.0

# The environment infra/constructs/functions.py gives the intake (values shaped like the real ones).
_ARN = "arn:aws:sns:us-east-1:123456789012:RunbookResponder"
STACK_ENV: dict[str, str] = {
    "INCIDENT_TABLE": "RunbookResponder-IncidentTable-1ABCDEF",
    "NOTIFICATION_TOPICS": json.dumps({p: f"{_ARN}-Notify{p}" for p in ("P0", "P1", "P2", "P3")}),
    "PAGE_TOPICS": json.dumps({lv: f"{_ARN}-Page{lv}" for lv in ("L1", "L2", "L3", "L4")}),
    "SLACK_WEBHOOK_SECRET_ID": "arn:aws:secretsmanager:us-east-1:123456789012:secret:runbook-responder/slack-AbCdEf",
    "SLACK_SEVERITIES": json.dumps(["P0", "P1", "P2", "P3"]),
    "SERVICES": json.dumps(
        [{"name": "flask-sre-challenge"}, {"name": "responder-synthetic", "synthetic": True}], separators=(",", ":")
    ),
    "DIAGNOSTICS_BUDGET_SECONDS": "10",
    "ACTION_SIGNING_SECRET_ID": "arn:aws:secretsmanager:us-east-1:123456789012:secret:runbook-responder/sign-AbCdEf",
    "POSTMORTEM_BUCKET": "runbookresponder-postmortems-1abcdef",
    "OPS_TOPIC_ARN": f"{_ARN}-Ops",
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
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
}

# Modules worth naming when present after init (prefix match on sys.modules keys).
HEAVY = (
    "moto",
    "aws_xray_sdk",
    "aws_lambda_powertools.tracing",
    "boto3",
    "botocore",
    "botocore.client",
    "botocore.session",
    "boto3.resources",
    "pydantic",
    "pydantic_core",
    "aws_lambda_powertools",
    "aws_lambda_powertools.utilities.parser",
    "functions.diagnostics",
    "functions.severity",
    "urllib3",
    "requests",
    "jmespath",
    "email",
    "http.client",
    "concurrent.futures",
)
MUST_NOT = ("moto", "aws_xray_sdk")
RUNTIME_DEPENDENCIES = ("aws-lambda-powertools", "pydantic")  # pyproject's dependencies minus boto3
PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore"})

_BOTO3 = """
import json, sys, time
started = time.perf_counter()
import boto3
elapsed = time.perf_counter() - started
print(json.dumps({"ms": elapsed * 1000, "modules": len(sys.modules)}))
"""

_INTAKE = """
import json, sys, time
started = time.perf_counter()
import functions.handlers.alarm_intake
import functions.settings
imported = time.perf_counter()
functions.settings.settings()
elapsed = time.perf_counter() - started
settings_ms = (time.perf_counter() - imported) * 1000
heavy = json.loads(sys.argv[1])
present = sorted(name for name in heavy if name in sys.modules)
from functions import container
clients = container.clients.cache_info().currsize
print(json.dumps({"ms": elapsed * 1000, "settings_ms": settings_ms, "modules": len(sys.modules), "heavy": present,
                  "clients_created": clients}))
"""


def _env(pycache: str | None = None, asset: str | None = None) -> dict[str, str]:
    """The stack's environment.

    `pycache`: byte-code is written to and read from that directory (a warm disk cache).
    `asset`: the runtime dependencies are imported from that directory, without byte-code and
    unable to write any, as the Lambda asset ships them (infra/bundling.py).
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_"))}
    env.pop("PYTHONPATH", None)
    env.update(STACK_ENV)
    if pycache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    if asset:
        env["PYTHONPATH"] = asset
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(
    code: str, *args: str, importtime: bool = False, pycache: str | None = None, asset: str | None = None
) -> tuple[dict[str, Any], str]:
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", code, *args]
    done = subprocess.run(
        command, cwd=ROOT, env=_env(pycache, asset), capture_output=True, text=True, check=False, timeout=120
    )
    if done.returncode != 0:
        raise SystemExit(f"cold-start run failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def _distributions(roots: Sequence[str], skip: frozenset[str] = PROVIDED_BY_RUNTIME) -> set[str]:
    """The runtime dependencies' distributions, transitively, minus what the Lambda runtime provides."""
    from importlib import metadata

    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop().lower().replace("_", "-")
        if name in seen or name in skip:
            continue
        seen.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        stack.extend(re.split(r"[ <>=!~;\[(]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r)
    return seen


def build_asset_copy(target: Path) -> list[str]:
    """Copy the runtime dependencies' sources (no byte-code) to `target`, as `pip --no-compile` would."""
    from importlib import metadata

    names = sorted(_distributions(RUNTIME_DEPENDENCIES))
    for name in names:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            text = str(file)
            if "__pycache__" in text or text.endswith(".pyc") or ".dist-info" in text or text.startswith(".."):
                continue
            destination = target / text
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(str(dist.locate_file(file))), destination)
    return names


def _uncompiled_sources() -> int:
    """Project modules without byte-code next to them: each fresh interpreter compiles these."""
    return sum(1 for path in (ROOT / "functions").rglob("*.py") if not any(path.parent.glob("__pycache__")))


def measure(runs: int) -> dict[str, Any]:
    boto3_ms: list[float] = []
    intake_ms: list[float] = []
    compiled_ms: list[float] = []
    settings_ms: list[float] = []
    heavy: list[str] = []
    clients = 0
    modules = {"boto3": 0, "intake": 0}
    asset_ms: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="cold-start-pycache-") as pycache,
        tempfile.TemporaryDirectory(prefix="cold-start-asset-") as asset,
    ):
        bundled = build_asset_copy(Path(asset))
        _run(_INTAKE, json.dumps(HEAVY), pycache=pycache)  # writes the byte-code the compiled runs read
        for _ in range(runs):  # interleaved: a, b, b', b'', a, b, b', b'', ...
            boto3_run, _ = _run(_BOTO3)
            intake_run, _ = _run(_INTAKE, json.dumps(HEAVY))
            compiled_run, _ = _run(_INTAKE, json.dumps(HEAVY), pycache=pycache)
            asset_run, _ = _run(_INTAKE, json.dumps(HEAVY), asset=asset)
            boto3_ms.append(boto3_run["ms"])
            intake_ms.append(intake_run["ms"])
            compiled_ms.append(compiled_run["ms"])
            asset_ms.append(asset_run["ms"])
            settings_ms.append(intake_run["settings_ms"])
        heavy = intake_run["heavy"]
        clients = intake_run["clients_created"]
        modules = {"boto3": boto3_run["modules"], "intake": intake_run["modules"]}
    boto3_median = statistics.median(boto3_ms)
    intake_median = statistics.median(intake_ms)
    compiled_median = statistics.median(compiled_ms)
    return {
        "boto3_ms": round(boto3_median, 1),
        "intake_ms": round(intake_median, 1),
        "ratio": round(intake_median / boto3_median, 2),
        "runs": runs,
        "intake_compiled_ms": round(compiled_median, 1),
        "ratio_compiled": round(compiled_median / boto3_median, 2),
        "intake_asset_ms": round(statistics.median(asset_ms), 1),
        "ratio_asset": round(statistics.median(asset_ms) / boto3_median, 2),
        "asset_dependencies": bundled,
        "project_sources_without_bytecode": _uncompiled_sources(),
        "dont_write_bytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
        "settings_ms": round(statistics.median(settings_ms), 1),
        "heavy_modules": heavy,
        "forbidden_modules": [name for name in heavy if name.startswith(MUST_NOT)],
        "clients_created_at_init": clients,
        "modules_loaded": modules,
        "boto3_ms_all": [round(v, 1) for v in boto3_ms],
        "intake_ms_all": [round(v, 1) for v in intake_ms],
        "intake_compiled_ms_all": [round(v, 1) for v in compiled_ms],
        "intake_asset_ms_all": [round(v, 1) for v in asset_ms],
        "python": sys.version.split()[0],
    }


def import_profile(top: int = 15) -> list[tuple[str, float, float]]:
    """The intake import's `-X importtime` lines: (module, self ms, cumulative ms), by self time."""
    _, stderr = _run(_INTAKE, json.dumps(HEAVY), importtime=True)
    rows: list[tuple[str, float, float]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line.removeprefix("import time:").split("|", 2))
        rows.append((name.strip(), int(self_us) / 1000, int(cumulative_us) / 1000))
    return sorted(rows, key=lambda row: -row[1])[:top]


def top_level_profile(top: int = 15) -> list[tuple[str, float]]:
    """Cumulative ms of the intake import's packages (first dotted part), largest first."""
    _, stderr = _run(_INTAKE, json.dumps(HEAVY), importtime=True)
    totals: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part for part in line.removeprefix("import time:").split("|", 2))
        package = name.strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(self_us) / 1000
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per measurement (default 7)")
    parser.add_argument("--profile", action="store_true", help="also list the top -X importtime offenders")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    figures = measure(args.runs)
    over = figures["ratio"] >= GOAL_RATIO
    if args.json:
        if args.profile or over:
            figures["importtime_self_ms"] = [[n, s, c] for n, s, c in import_profile()]
            figures["importtime_by_package_ms"] = [[n, round(s, 1)] for n, s in top_level_profile()]
        print(json.dumps(figures))
        return 1 if figures["forbidden_modules"] else 0
    print(f"cold start, median of {args.runs} fresh interpreters each (interleaved), Python {figures['python']}")
    print(f"  import boto3                       {figures['boto3_ms']:7.1f} ms   {figures['boto3_ms_all']}")
    print(f"  intake import + settings()         {figures['intake_ms']:7.1f} ms   {figures['intake_ms_all']}")
    verdict = "over" if over else "under"
    print(f"    of which settings()              {figures['settings_ms']:7.1f} ms")
    print(
        f"  same, project byte-code cached     {figures['intake_compiled_ms']:7.1f} ms   "
        f"{figures['intake_compiled_ms_all']}"
    )
    print(
        f"  same, as the Lambda asset ships    {figures['intake_asset_ms']:7.1f} ms   {figures['intake_asset_ms_all']}"
    )
    print(
        f"    (dependencies {', '.join(figures['asset_dependencies'])} without byte-code: "
        "infra/bundling.py uses pip --no-compile and drops *.pyc; /var/task is read-only)"
    )
    print(f"  ratio intake / boto3               {figures['ratio']:7.2f}x   ({verdict} the {GOAL_RATIO:g}x goal)")
    print(
        f"  modules loaded                     boto3 {figures['modules_loaded']['boto3']}, "
        f"intake {figures['modules_loaded']['intake']}"
    )
    print(f"  heavy modules after intake init    {', '.join(figures['heavy_modules']) or 'none'}")
    print(
        f"  must not be imported ({', '.join(MUST_NOT)}): {', '.join(figures['forbidden_modules']) or 'none imported'}"
    )
    print(f"  boto3 clients created at init      {figures['clients_created_at_init']}")
    if args.profile or over:
        print("  -X importtime, intake import, top self time:")
        for name, self_ms, cumulative_ms in import_profile():
            print(f"    {self_ms:7.1f} ms self  {cumulative_ms:8.1f} ms cumulative  {name}")
        print("  -X importtime, intake import, self time by top-level package:")
        for name, total in top_level_profile():
            print(f"    {total:7.1f} ms  {name}")
    return 1 if figures["forbidden_modules"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
