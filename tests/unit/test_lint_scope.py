"""ruff lints the project's code only, also where .gitignore does not count (a tarball, a copy outside git)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_skips_the_unpacked_python_outside_git(tmp_path: Path):
    # Given a copy of the project's lint settings outside any git repository, with the CPython that
    # `make lambda-python` unpacks into .cache/ and one file of our own
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    vendored = tmp_path / ".cache" / "python3.13" / "lib" / "python3.13"
    vendored.mkdir(parents=True)
    (vendored / "os.py").write_text("import sys, os\n")
    (tmp_path / "app.py").write_text("VALUE = 1\n")

    # When ruff lists what it would check there
    ruff = Path(sys.executable).with_name("ruff")
    listed = subprocess.run(
        [str(ruff), "check", "--show-files", "."], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout

    # Then our file is checked and nothing under .cache/ is
    assert "app.py" in listed
    assert ".cache" not in listed


def test_make_lint_fails_on_unformatted_code(tmp_path: Path):
    # Given the project's settings and a file ruff format would change
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "app.py").write_text("VALUE = {'a':1}\n")
    ruff = Path(sys.executable).with_name("ruff")

    # When make lint's commands run there (read from the Makefile, not copied)
    recipe = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    commands = [line.strip().removeprefix("$(VENV)/bin/ruff ") for line in recipe.splitlines() if "/ruff " in line]
    results = [subprocess.run([str(ruff), *c.split()], cwd=tmp_path, capture_output=True) for c in commands]

    # Then the format check is one of them, and it fails
    assert "format --check ." in commands
    assert any(result.returncode != 0 for result in results)
