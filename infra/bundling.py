"""The Lambda asset without Docker: `functions/` plus its runtime dependencies, built locally.

`try_bundle` copies the `functions` package and pip-installs the runtime dependencies for the
Lambda platform (manylinux wheels for the function's architecture, CPython 3.13). boto3 is left
out: the Lambda runtime provides it. The asset holds runtime code only: no CDK, no moto, no
`local/`, no tests. Unit tests skip bundling with the context `{"aws:cdk:bundling-stacks": []}`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
PYTHON_VERSION = "3.13"
PROVIDED_BY_RUNTIME = {"boto3", "botocore"}
EXCLUDE = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]


def runtime_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """The project's runtime dependencies (one source of truth: pyproject), minus boto3."""
    dependencies: list[str] = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return [dep for dep in dependencies if _name(dep) not in PROVIDED_BY_RUNTIME]


def _name(requirement: str) -> str:
    for separator in "<>=!~[; ":
        requirement = requirement.split(separator, 1)[0]
    return requirement.strip().lower()


@jsii.implements(ILocalBundling)
class LocalPythonBundling:
    def __init__(self, platform: str) -> None:
        self._platform = platform

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        out = Path(output_dir)
        shutil.copytree(FUNCTIONS_DIR, out / "functions", ignore=shutil.ignore_patterns(*EXCLUDE), dirs_exist_ok=True)
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            "--target", str(out),
            "--platform", self._platform,
            "--implementation", "cp",
            "--python-version", PYTHON_VERSION,
            "--only-binary=:all:",
            *runtime_requirements(),
        ]  # fmt: skip
        subprocess.run(command, check=True)
        shutil.rmtree(out / "bin", ignore_errors=True)  # console scripts: not importable, not needed
        return True


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
