"""Every `responder …` command in the README's and docs' bash blocks runs and exits 0, on any date.

The commands are found when the tests are collected, so a command added to the docs is run by default;
one that needs a real AWS account is skipped only when it matches SKIP, with the reason. They run
in-process through `local.cli.main` (a replay costs ~3.7 s that way; as a subprocess ~7.5 s, most of
it imports), from the repository root as the docs assume.
"""

from __future__ import annotations

import contextlib
import glob
import io
import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from local.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_FENCES = {"bash", "sh", "shell"}
RESPONDER = re.compile(r"^(?:\S*/)?responder$")  # responder, .venv/bin/responder
_MENTIONS_RESPONDER = re.compile(r"(?:^|[\s;&|])(?:\S*/)?responder\s")

# Matched against "responder <args>"; a command matching none of these is run.
SKIP = {
    r"--url\b": "sends a signed request to a deployed stack's ActionsUrl with its API key",
    r"--parameter\b": "reads the deployed stack's SSM parameter with AWS credentials",
    r"^responder redrive\b": "reads and deletes messages of a real intake-failures queue",
    r"^responder discover\b": "lists the resources of an AWS account with its credentials",
}


@dataclass
class Step:
    """One `responder` invocation of a documented line, and what the line does with its output."""

    argv: list[str]
    into: str | None = None  # `> FILE`
    jq: list[list[str]] = field(default_factory=list)  # `| jq ARGS`, of each place the command is shown


@dataclass
class Example:
    """A documented line with its `responder` steps; the same command shown twice is run once."""

    places: list[str]
    steps: list[Step]

    @property
    def where(self) -> str:
        return self.places[0] + (f" (also {', '.join(self.places[1:])})" if self.places[1:] else "")

    @property
    def shown(self) -> str:
        return " && ".join(shlex.join(["responder", *step.argv]) for step in self.steps)


def shell_lines(markdown: str) -> list[tuple[int, str]]:
    """(line number, logical line) of every fenced bash block, continuation lines joined."""
    lines: list[tuple[int, str]] = []
    fence: str | None = None
    pending: tuple[int, str] | None = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fence = line.strip().strip("`").strip().lower() if fence is None else None
            continue
        if fence not in SHELL_FENCES:
            continue
        start, text = pending if pending else (number, "")
        text += line
        if text.endswith("\\"):
            pending = (start, text[:-1] + " ")
            continue
        pending = None
        if text.strip():
            lines.append((start, text.strip()))
    return lines


def steps_of(line: str) -> list[Step]:
    """The `responder` invocations of a line: `a > f && b | jq …`; other programs are not ours to run."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError as error:  # unbalanced quotes: fine in another program's line, not in ours
        if _MENTIONS_RESPONDER.search(line):
            raise ValueError(f"cannot split documented command {line!r}: {error}") from None
        return []
    steps: list[Step] = []
    for command in _split(tokens, {"&&", "||", ";"}):
        stages = _split(command, {"|"})
        words = stages[0]
        if not words or not RESPONDER.match(words[0]):
            continue
        step = Step(argv=[])
        tokens = iter(words[1:])
        for token in tokens:
            if token in (">", ">>"):
                step.into = next(tokens)
            else:
                step.argv.append(token)
        if len(stages) > 1 and stages[1] and stages[1][0] == "jq":
            step.jq.append(stages[1][1:])
        steps.append(step)
    return steps


def _split(tokens: list[str], separators: set[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token in separators:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def documented_examples() -> list[Example]:
    examples: dict[tuple[tuple[str, ...], ...], Example] = {}
    for document in DOCUMENTS:
        for number, line in shell_lines(document.read_text(encoding="utf-8")):
            steps = steps_of(line)
            if not steps:
                continue
            place = f"{document.relative_to(ROOT)}:{number}"
            key = tuple(tuple(step.argv) for step in steps)
            if key not in examples:
                examples[key] = Example([place], steps)
                continue
            examples[key].places.append(place)
            for seen, step in zip(examples[key].steps, steps, strict=True):
                seen.jq.extend(step.jq)
    return list(examples.values())


EXAMPLES = documented_examples()


def skip_reason(example: Example) -> str | None:
    for step in example.steps:
        command = shlex.join(["responder", *step.argv])
        for pattern, reason in SKIP.items():
            if re.search(pattern, command):
                return reason
    return None


def expand(argv: list[str]) -> list[str]:
    """What the shell would pass: globs such as events/*.json matched from the repository root."""
    expanded: list[str] = []
    for word in argv:
        matches = sorted(glob.glob(word)) if any(c in word for c in "*?[") else []
        expanded.extend(matches or [word])
    return expanded


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse refusing the documented options
            code = stop.code if isinstance(stop.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def test_the_docs_have_commands_to_run():
    # Given the README, When its examples are collected, Then the extraction found the Trying it block
    assert any(example.where.startswith("README.md") and example.steps[0].argv[0] == "replay" for example in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.places[0]} {e.shown[:90]}" for e in EXAMPLES])
def test_documented_command_exits_0(example: Example, tmp_path, monkeypatch):
    reason = skip_reason(example)
    if reason:
        pytest.skip(f"needs real AWS: {reason}")
    # Given the repository root as the working directory, the docs' `> FILE` kept in a scratch directory
    monkeypatch.chdir(ROOT)
    files: dict[str, str] = {}
    for step in example.steps:
        argv = expand([files.get(word, word) for word in step.argv])
        assert not any("$" in word for word in argv), f"{example.where}: uses a shell variable; add it to SKIP"
        # When the documented command runs
        code, out, err = run(argv)
        # Then it succeeds, and prints JSON where the docs read it as JSON
        assert code == 0, f"{example.where}: {shlex.join(argv)} exited {code}: {err.strip()}"
        if "--json" in argv or step.jq:
            json.loads(out)
        for jq_args in step.jq if shutil.which("jq") else []:
            jq = subprocess.run(["jq", *jq_args], input=out, capture_output=True, text=True, check=False)
            assert jq.returncode == 0, f"{example.where}: jq {shlex.join(jq_args)}: {jq.stderr.strip()}"
        if step.into:
            target = tmp_path / Path(step.into).name
            target.write_text(out, encoding="utf-8")
            files[step.into] = str(target)


def test_a_documented_line_splits_into_its_responder_steps():
    # Given a block with a continuation, a redirect, a chain, a jq pipe, a comment and another program
    block = (
        "```bash\n"
        ".venv/bin/responder maintenance add --start +5m \\\n"
        "    --reason \"a b\" > /tmp/w.json && responder replay /tmp/w.json --json | jq '.x | .y'  # why\n"
        "npx cdk deploy\n"
        "```\n"
    )
    # When it is read
    [(number, line)] = [(n, text) for n, text in shell_lines(block) if "responder" in text]
    steps = steps_of(line)
    # Then each responder invocation is one step, with where its output goes; other programs are left alone
    assert number == 2
    assert [(s.argv, s.into, s.jq) for s in steps] == [
        (["maintenance", "add", "--start", "+5m", "--reason", "a b"], "/tmp/w.json", []),
        (["replay", "/tmp/w.json", "--json"], None, [[".x | .y"]]),
    ]
    assert steps_of("npx cdk deploy") == []
