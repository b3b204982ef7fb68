"""`python -m infra.preflight [--config PATH] [--stage STAGE]`: the config checked before the CDK CLI runs.

The CDK CLI reports any failure of `app.py` as its own "Subprocess exited with error 2" and exit
code 1; `make synth` and `make deploy` run this first, so a bad config stops with the one line that
names the field (exit 2) before the CLI starts, and the warnings app.py would print appear too.
"""

from __future__ import annotations

import argparse
import sys

from infra.config import ConfigError, load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.preflight", description=__doc__)
    parser.add_argument("--config", help="the config file (default: $RESPONDER_CONFIG, else responder.config.json)")
    parser.add_argument("--stage", help="the stage, as `-c stage=` gives it")
    args = parser.parse_args(argv)
    context = {key: value for key, value in (("config", args.config), ("stage", args.stage)) if value}
    try:
        config = load_config(context)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in [*config.placeholder_warnings(), *config.roster_warnings()]:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
