"""The Lambda asset without Docker: `functions/` plus its runtime dependencies, built locally.

`try_bundle` copies the `functions` package and pip-installs the runtime dependencies for the
Lambda platform (manylinux wheels for the function's architecture, CPython 3.13) from the
wheelhouse `make setup` downloaded (infra/wheelhouse.py), so synth makes no network attempt. boto3 is left
out: the Lambda runtime provides it. The asset holds runtime code only: no CDK, no moto, no
`local/`, no tests. Unit tests skip bundling with the context `{"aws:cdk:bundling-stacks": []}`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.wheelhouse import PYTHON_VERSION, REPO_ROOT, platform_args, runtime_requirements, wheelhouse

FUNCTIONS_DIR = REPO_ROOT / "functions"
EXCLUDE = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]


@jsii.implements(ILocalBundling)
class LocalPythonBundling:
    def __init__(self, platform: str) -> None:
        self._platform = platform

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        out = Path(output_dir)
        shutil.copytree(FUNCTIONS_DIR, out / "functions", ignore=shutil.ignore_patterns(*EXCLUDE), dirs_exist_ok=True)
        local = wheelhouse(self._platform)
        source = ["--no-index", "--find-links", str(local)] if local else []  # offline when set up
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            "--target", str(out), *platform_args(self._platform), *source, *runtime_requirements(),
        ]  # fmt: skip
        subprocess.run(command, check=True)
        shutil.rmtree(out / "bin", ignore_errors=True)  # console scripts: not importable, not needed
        _compile_for_runtime(out)
        return True


def _compile_for_runtime(out: Path) -> None:
    """Ship byte-code when an interpreter of the runtime's version is at hand.

    /var/task is read-only, so without .pyc every cold start compiles every module it imports
    (benchmarks/cold_start.py measures it). Byte-code is version-specific: only a Python
    matching PYTHON_VERSION can write what the runtime will use.
    """
    interpreter = shutil.which(f"python{PYTHON_VERSION}")
    if interpreter and _runs(interpreter):
        subprocess.run([interpreter, "-m", "compileall", "-q", "-j", "0", str(out)], check=True)


def _runs(interpreter: str) -> bool:
    """A version manager's shim can stand on PATH for a version that is not installed."""
    probe = subprocess.run([interpreter, "-c", "import sys; print(sys.version_info[:2])"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    return probe.returncode == 0 and probe.stdout.strip() == str(tuple(map(int, PYTHON_VERSION.split("."))))


def function_code(architecture: lambda_.Architecture) -> lambda_.Code:
    """One asset for every function (handlers differ only by their handler string)."""
    machine = "aarch64" if architecture.name == lambda_.Architecture.ARM_64.name else "x86_64"
    platform = f"manylinux2014_{machine}"
    return lambda_.Code.from_asset(
        str(FUNCTIONS_DIR),
        exclude=EXCLUDE,
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            # Never pulled: the local bundling succeeds first. Required by the API.
            image=DockerImage.from_registry(f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"),
            local=LocalPythonBundling(platform),
        ),
    )
