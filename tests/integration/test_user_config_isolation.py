"""An edited responder.config.json never turns the suite red: the suite reads its own fixture config.

A user who makes responder.config.json their team's (examples/two-services.json: no sample service)
is simulated without touching the repository's file: a pytest plugin, loaded before the suite's
conftest, points the default config file at a copy in a temporary directory. Tests that read the
default config (classify of the sample events, the roster command) run in a subprocess with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.cli import main
from tests.conftest import EVENTS, ROOT, TWO_SERVICES_CONFIG

PLUGIN = '''"""A user's edited responder.config.json, as the default config file."""
import os
from pathlib import Path

import infra.config

infra.config.DEFAULT_CONFIG_FILE = Path(os.environ["EDITED_CONFIG"])


def pytest_report_header(config):
    return f"default config file: {infra.config.DEFAULT_CONFIG_FILE}"
'''
READS_THE_DEFAULT = ["tests/unit/test_cli.py", "tests/unit/test_roster_cli.py", "-k", "classify or roster"]


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """The team's config where a user keeps theirs, and the plugin that makes it the default file."""
    path = tmp_path / "responder.config.json"
    path.write_text(TWO_SERVICES_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "edited_user_config.py").write_text(PLUGIN, encoding="utf-8")
    return path


def test_the_edited_file_would_change_what_the_sample_tests_see(edited: Path, monkeypatch, capsys) -> None:
    # Given the edited file as the default and no RESPONDER_CONFIG (what a user's shell has)
    import local.config

    monkeypatch.setattr(local.config, "DEFAULT_CONFIG_FILE", edited)
    monkeypatch.delenv("RESPONDER_CONFIG")
    # When the sample's alarm is classified
    assert main(["classify", str(EVENTS / "high-error-rate.sns.alarm.json")]) == 0
    # Then it is nobody's: a test that read the user's file would see that, not the sample service
    assert json.loads(capsys.readouterr().out)["service"] == "unassigned"


def test_an_edited_responder_config_cannot_turn_the_suite_red(edited: Path) -> None:
    # Given the edited file as the default config file, and no RESPONDER_CONFIG in the environment
    env = {**os.environ, "EDITED_CONFIG": str(edited), "PYTHONPATH": os.pathsep.join([str(edited.parent), str(ROOT)])}
    env.pop("RESPONDER_CONFIG", None)
    # When the tests that read the default config run
    command = [sys.executable, "-m", "pytest", "-p", "edited_user_config", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, *READS_THE_DEFAULT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    # Then the edited file was the default, and they pass all the same
    assert f"default config file: {edited}" in result.stdout
    assert result.returncode == 0, result.stdout[-3000:]
