"""The Lambda's runtime wheels, downloaded once at setup so `cdk synth` needs no network.

`python -m infra.wheelhouse` (run by `make setup`) fills `.cache/lambda-wheels/<platform>/` with
the manylinux wheels of the runtime dependencies for both Lambda architectures; bundling then
installs from there with `--no-index`. Without a wheelhouse, bundling falls back to PyPI.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
WHEELHOUSE = REPO_ROOT / ".cache" / "lambda-wheels"
PYTHON_VERSION = "3.13"
PLATFORMS = ("manylinux2014_aarch64", "manylinux2014_x86_64")
PROVIDED_BY_RUNTIME = {"boto3", "botocore"}


def runtime_requirements(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """The project's runtime dependencies (one source of truth: pyproject), minus boto3."""
    dependencies: list[str] = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return [dep for dep in dependencies if _name(dep) not in PROVIDED_BY_RUNTIME]


def _name(requirement: str) -> str:
    for separator in "<>=!~[; ":
        requirement = requirement.split(separator, 1)[0]
    return requirement.strip().lower()


def platform_args(platform: str) -> list[str]:
    return ["--platform", platform, "--implementation", "cp", "--python-version", PYTHON_VERSION,
            "--only-binary=:all:"]  # fmt: skip


def wheelhouse(platform: str) -> Path | None:
    """The filled wheelhouse for a platform, or None."""
    folder = WHEELHOUSE / platform
    return folder if any(folder.glob("*.whl")) else None


def download(platforms: tuple[str, ...] = PLATFORMS) -> None:
    for platform in platforms:
        folder = WHEELHOUSE / platform
        folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                   "--dest", str(folder), *platform_args(platform), *runtime_requirements()]  # fmt: skip
        subprocess.run(command, check=True)


if __name__ == "__main__":
    download()
