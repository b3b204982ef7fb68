"""The Lambda asset without Docker: `functions/` plus its runtime dependencies, byte-compiled.

`build` copies the `functions` package and pip-installs the runtime dependencies for the Lambda
platform (manylinux wheels for the function's architecture, CPython 3.13) from the wheelhouse
`make setup` downloaded (infra/wheelhouse.py), so it makes no network attempt, then writes the
byte-code with a CPython 3.13 (infra/lambda_python.py). boto3 is left out: the Lambda runtime
provides it. The asset holds runtime code only: no CDK, no moto, no `local/`, no tests.
infra/bundling.py runs it as CDK's local bundling; benchmarks/cold_start.py builds the same asset.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from infra.lambda_python import require
from infra.wheelhouse import REPO_ROOT, platform_args, runtime_requirements, wheelhouse

FUNCTIONS_DIR = REPO_ROOT / "functions"
EXCLUDE = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]
TASK_ROOT = "/var/task"  # where Lambda unpacks the asset


def build(out: Path, platform: str, functions_dir: Path = FUNCTIONS_DIR) -> None:
    """The asset in `out` (an empty or missing folder) for a manylinux platform."""
    interpreter = require()  # before any work: an asset without byte-code is not shipped
    shutil.copytree(functions_dir, out / "functions", ignore=shutil.ignore_patterns(*EXCLUDE), dirs_exist_ok=True)
    local = wheelhouse(platform)
    source = ["--no-index", "--find-links", str(local)] if local else []  # offline when set up
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--target", str(out), *platform_args(platform), *source, *runtime_requirements(),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    shutil.rmtree(out / "bin", ignore_errors=True)  # console scripts: not importable, not needed
    compile_for_runtime(out, interpreter)


def compile_for_runtime(out: Path, interpreter: Path, task_root: str = TASK_ROOT) -> None:
    """Byte-code that the runtime loads as it is: unchecked-hash .pyc (PEP 552).

    The CDK CLI zips the asset with every file dated 1980-01-01 (so equal content hashes equal),
    so the source time a default .pyc records never matches on Lambda: the runtime would compile
    each module again at every cold start, unable to keep the result (/var/task is read-only). An
    unchecked hash-based .pyc is loaded without looking at the source; the asset is immutable, so
    it cannot go stale. Paths in the byte-code are Lambda's; a fixed hash seed and one process keep
    the output, and so the asset hash, the same from build to build.
    """
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    command = [
        str(interpreter), "-m", "compileall", "-q", "-o", "0", "--invalidation-mode", "unchecked-hash",
        "-s", str(out), "-p", task_root, str(out),
    ]  # fmt: skip
    subprocess.run(command, check=True, env={**environment, "PYTHONHASHSEED": "0"}, stdout=subprocess.DEVNULL)
