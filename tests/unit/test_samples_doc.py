"""events/README.md describes every sample a user can replay, and only those."""

from __future__ import annotations

import re

from tests.conftest import EVENTS, event_files


def test_the_samples_readme_lists_every_sample():
    listed = set(re.findall(r"^\| `([^`]+\.json)`", (EVENTS / "README.md").read_text(), re.MULTILINE))
    assert listed == {path.name for path in event_files()}
