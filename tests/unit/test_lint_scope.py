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
