"""The Lambda asset as it ships: byte-code the python3.13 runtime loads as it is, the same every build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra import asset, lambda_python
from infra.wheelhouse import PYTHON_VERSION, REPO_ROOT

TAG = f"cpython-{PYTHON_VERSION.replace('.', '')}"
HASH_BASED = 0b01  # PEP 552 flags: hash-based, and the check-source bit clear
PLATFORM = "manylinux2014_x86_64"


@pytest.fixture(scope="module")
def interpreter() -> Path:
    return lambda_python.require()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, interpreter: Path) -> Path:
    out = tmp_path_factory.mktemp("asset")
    asset.build(out, PLATFORM)
    return out


def _runtime_magic(interpreter: Path) -> bytes:
    probe = [str(interpreter), "-c", "import importlib.util, sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"]
    return bytes.fromhex(subprocess.run(probe, capture_output=True, text=True, check=True).stdout)


def test_every_module_ships_with_byte_code_of_the_runtime_version(built: Path, interpreter: Path):
    # Given the asset as the bundling builds it
    sources = sorted(built.rglob("*.py"))
    magic = _runtime_magic(interpreter)

    # Then each module has its .pyc of the runtime's version, with that version's magic number, and no other
    assert len(sources) > 100
    missing = [str(s) for s in sources if not (s.parent / "__pycache__" / f"{s.stem}.{TAG}.pyc").exists()]
    assert missing == []
    others = [str(p) for p in built.rglob("*.pyc") if not p.name.endswith(f".{TAG}.pyc")]
    assert others == []
    headers = {p.read_bytes()[:8] for p in built.rglob("*.pyc")}
    assert {h[:4] for h in headers} == {magic}


def test_the_byte_code_is_used_although_the_zip_redates_every_file(built: Path):
    # Given the CDK CLI zips the asset with every file dated 1980-01-01 (so a source time never matches),
    # Then every .pyc is hash-based and unchecked: the runtime loads it without comparing it to the source
    flags = {int.from_bytes(p.read_bytes()[4:8], "little") for p in built.rglob("*.pyc")}
    assert flags == {HASH_BASED}


def test_tracebacks_name_the_files_where_lambda_has_them(built: Path, interpreter: Path):
    # Given the intake handler's byte-code
    pyc = built / "functions" / "handlers" / "__pycache__" / f"alarm_intake.{TAG}.pyc"

    # When the runtime's Python reads its code object
    script = f"import marshal; print(marshal.loads(open({str(pyc)!r}, 'rb').read()[16:]).co_filename)"
    filename = subprocess.run([str(interpreter), "-c", script], capture_output=True, text=True, check=True).stdout

    # Then it names the file under /var/task, not the machine that built it
    assert filename.strip() == "/var/task/functions/handlers/alarm_intake.py"


def test_the_asset_holds_runtime_code_only(built: Path):
    # Then the runtime provides boto3 and the asset carries no build, emulator or test packages
    top = {path.name for path in built.iterdir()}
    assert "functions" in top and "pydantic" in top and "aws_lambda_powertools" in top
    assert not top & {"boto3", "botocore", "moto", "aws_cdk", "jsii", "pytest", "local", "infra", "tests", "bin"}


def test_two_builds_are_byte_identical_so_a_deploy_uploads_only_changes(built: Path, tmp_path: Path):
    # Given a second build of the same sources
    again = tmp_path / "again"
    asset.build(again, PLATFORM)

    # Then every file, byte-code included, is the same (the asset hash is of the output)
    first = {p.relative_to(built): p.read_bytes() for p in built.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [str(name) for name in first if first[name] != second[name]] == []


def test_synth_without_the_runtime_python_stops_with_one_line(tmp_path: Path):
    # Given no python3.13 on PATH and none unpacked by setup
    script = (
        "import runpy, sys; from pathlib import Path; import infra.lambda_python as lp; "
        f"lp.HOME = Path({str(tmp_path)!r}); runpy.run_path('app.py', run_name='__main__')"
    )
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "node").symlink_to(shutil.which("node") or "node")  # jsii's, and nothing else of the system's
    path = f"{Path(sys.executable).parent}:{tools}"  # the venv's python, no python3.13

    # When the app is synthesized with bundling (as `cdk synth` does)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={"PATH": path, "HOME": str(tmp_path)}, check=False, timeout=120)  # fmt: skip

    # Then it stops before synthesizing, with one line naming the missing Python and the fix
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2
    assert len(errors) == 1
    assert f"no Python {PYTHON_VERSION}" in errors[0] and "make lambda-python" in errors[0]
    assert "Traceback" not in done.stderr


def test_the_runtime_python_comes_from_the_debian_archive_apt_already_uses(tmp_path: Path):
    # Given apt sources in both formats: a disabled one, the security suite, then the main archive
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "old.list").write_text("# deb http://old.example/debian bookworm main\n")
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nEnabled: no\nURIs: http://disabled.example/debian\nSuites: bookworm\n\n"
        "Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\n"
    )

    # When the installer picks where to fetch Debian 13's python from
    # Then it is the main archive this machine already trusts, and none at all is a one-line error
    assert lambda_python.debian_mirror(tmp_path) == "http://mirror.example/debian"
    with pytest.raises(lambda_python.InterpreterMissing, match="no Debian archive"):
        lambda_python.debian_mirror(tmp_path / "missing")
