"""Build the CDK app in-process: shared by app.py (the CLI's entry), the tests and the local replay."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.config import CONFIG_ENV, DEFAULT_CONFIG_FILE, REPO_ROOT, ResponderConfig, load_config
from infra.names import STACK_ID

if TYPE_CHECKING:
    import aws_cdk as cdk

    from infra.stack import RunbookResponderStack

# Node 20 is end-of-life upstream but is what this project runs on; keep its banner out of the output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

CONFIG_CONTEXT_KEYS = ("config", "services", "stage")
BUNDLING_STACKS = "aws:cdk:bundling-stacks"  # the CLI names the stacks whose assets it bundles; [] skips
SKIP_BUNDLING: dict[str, list[str]] = {BUNDLING_STACKS: []}
CACHE_DIR = REPO_ROOT / "cdk.out" / ".template-cache"


def add_stack(app: cdk.App, config: ResponderConfig, *, nag: bool = True) -> RunbookResponderStack:
    """The stack plus cdk-nag's AwsSolutions checks (a validation plugin: unacknowledged errors fail synth)."""
    # CDK is imported here, not at module level: a cached synthesize_template() never starts jsii.
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from infra.stack import RunbookResponderStack, stack_name

    stack = RunbookResponderStack(
        app,
        STACK_ID,
        config=config,
        stack_name=stack_name(config),
        description="Runbook Responder: alarms → incident, diagnostics, notifications, escalation ladder",
        # Environment-agnostic on purpose: no lookups, so the account and region come from the
        # deploy credentials and the same template deploys anywhere (and to the local emulator).
    )
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stack


def bundles(app: cdk.App) -> bool:
    """Whether this synth builds the Lambda asset (and so needs the runtime's Python for its byte-code)."""
    stacks = app.node.try_get_context(BUNDLING_STACKS)
    return stacks is None or bool(stacks)


def config_from(app: cdk.App) -> ResponderConfig:
    return load_config({key: app.node.try_get_context(key) for key in CONFIG_CONTEXT_KEYS})


def build_app(
    context: Mapping[str, Any] | None = None, *, outdir: str | None = None, nag: bool = False
) -> tuple[cdk.App, RunbookResponderStack]:
    """An App with bundling skipped and built-in CloudFormation validation off (fast, offline)."""
    import aws_cdk as cdk

    app = cdk.App(
        context={**SKIP_BUNDLING, **(context or {})},
        outdir=outdir,
        builtin_cloud_formation_validation=False,
        analytics_reporting=False,
    )
    return app, add_stack(app, config_from(app), nag=nag)


def _cache_key(context: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(context, sort_keys=True, default=str).encode())
    sources = [
        *sorted((REPO_ROOT / "infra").rglob("*.py")),
        # all of functions/: the constructs read the policy, the roster, the metric names, the status
        # page's CSP hashes of its template, and the code asset's hash is in the template
        *sorted(
            path for path in (REPO_ROOT / "functions").rglob("*") if path.is_file() and "__pycache__" not in path.parts
        ),
        REPO_ROOT / "pyproject.toml",
    ]
    for path in sources:
        if path.exists():
            digest.update(str(path.relative_to(REPO_ROOT)).encode())
            digest.update(path.read_bytes())
    config_path = Path(str(context.get("config") or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_FILE))
    if config_path.exists():
        digest.update(str(config_path).encode())
        digest.update(config_path.read_bytes())
    return digest.hexdigest()[:24]


def synthesize_template(context: dict[str, Any] | None = None, *, use_cache: bool = True) -> dict[str, Any]:
    """The stack's CloudFormation template as a dict (bundling skipped, no nag, no network).

    Cached in cdk.out/.template-cache/ by a hash of infra/, the functions modules it imports
    names from, the config file and the context: a warm call returns in milliseconds.
    """
    context = dict(context or {})
    cached = CACHE_DIR / f"{_cache_key(context)}.json"
    if use_cache and cached.exists():
        template: dict[str, Any] = json.loads(cached.read_text())
        return template
    with tempfile.TemporaryDirectory(prefix="responder-synth-") as outdir:
        app, stack = build_app(context, outdir=outdir)
        assembly = app.synth()
        template = assembly.get_stack_by_name(stack.stack_name).template
    if use_cache:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: the suite's workers (pytest -n 2) may synthesize the same key at once.
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(template))
        partial.replace(cached)
    return template
