#!/usr/bin/env python3
"""CDK entry point: validate the configuration, build the stack, add cdk-nag. No AWS calls here.

Configuration: `responder.config.json` (or `-c config=path`), `-c services=...`, `-c stage=...`;
see infra/config.py and docs/deploy.md. A bad configuration, or no Python of the Lambda runtime's
version to byte-compile the asset with (infra/lambda_python.py), stops here with one line on stderr
and exit code 2, before anything is synthesized.
"""

from __future__ import annotations

import os
import sys

# Node 20 is end-of-life upstream but is what this project runs on; keep its banner out of the output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

import aws_cdk as cdk

from infra.config import ConfigError
from infra.lambda_python import InterpreterMissing, require
from infra.synth import add_stack, bundles, config_from


def main() -> int:
    app = cdk.App()
    try:
        config = config_from(app)
        if bundles(app):
            require()
    except (ConfigError, InterpreterMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in [*config.placeholder_warnings(), *config.roster_warnings()]:
        print(f"warning: {warning}", file=sys.stderr)
    add_stack(app, config, nag=True)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
