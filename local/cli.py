"""`responder`: classify events offline, replay them through the real handlers on an embedded AWS.

Bad input never gives a traceback: one line on stderr naming the file and the problem, exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from local.errors import InputError

EXIT_BAD_INPUT = 2
_FROM_NOW = "+DURATION and -DURATION count from now (give -DURATION with =, as in --at=-1d)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _quiet_runtime_logs(verbose=getattr(args, "verbose", False))
    try:
        code: int = args.run(args)
    except InputError as error:
        print(f"responder: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the one place a bug becomes a line, not a traceback
        if os.environ.get("RESPONDER_DEBUG"):
            raise
        print(
            f"responder: internal error: {type(error).__name__}: {error} (RESPONDER_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return 1
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="responder", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    classify = commands.add_parser("classify", help="print scenario, severity and action per alarm; no AWS")
    classify.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _config_option(classify)
    classify.set_defaults(run=_run_classify)

    replay = commands.add_parser("replay", help="run events through the real handlers on an embedded AWS")
    replay.add_argument("files", nargs="+", type=Path, metavar="FILE", help="events, replayed in order as one story")
    replay.add_argument("--by", default="on-call engineer", metavar="NAME", help="who acknowledges/resolves")
    _replay_options(replay)
    _config_option(replay)
    replay.set_defaults(run=_run_replay)

    declare = commands.add_parser("declare", help="declare an incident no alarm can raise (locally, or --url)")
    declare.add_argument("words", nargs="+", metavar="WORD", help='[P0-P3] KIND "TITLE": P0 security "Data exposed"')
    declare.add_argument("--service", help="the service (default: the only one configured)")
    declare.add_argument("--impact", help="what people see, in a sentence")
    visibility = declare.add_mutually_exclusive_group()
    visibility.add_argument("--public", dest="public", action="store_true", default=None, help="on the status page")
    visibility.add_argument("--private", dest="public", action="store_false", help="off the status page")
    declare.add_argument("--by", default=os.environ.get("USER") or "on-call engineer", help="who declares")
    declare.add_argument("--url", help="a deployed stack's ActionsUrl: send the signed request there")
    declare.add_argument("--secret-id", help="with --url: the ApiSigningSecretArn output (or RESPONDER_API_KEY)")
    _replay_options(declare)
    _config_option(declare)
    declare.set_defaults(run=_run_declare)

    maintenance = commands.add_parser("maintenance", help="declare or end a maintenance window")
    window_commands = maintenance.add_subparsers(required=True, metavar="ACTION")
    add = window_commands.add_parser("add", help="print the window as an intake event, or send it with --url")
    add.add_argument("--service", required=True)
    add.add_argument("--start", required=True, metavar="WHEN", help=f"+5m, now or 2026-11-26T13:55:00Z; {_FROM_NOW}")
    add.add_argument("--end", required=True, metavar="WHEN", help=f"+1h or an ISO moment; {_FROM_NOW}")
    add.add_argument("--reason", required=True)
    add.add_argument("--id", help="a stable id (default: derived from service and times)")
    add.add_argument("--by", default=os.environ.get("USER") or "operator")
    add.add_argument("--url")
    add.add_argument("--secret-id")
    _config_option(add)
    add.set_defaults(run=_run_window_add)
    end = window_commands.add_parser("end", help="end a window early on a deployed stack (--url)")
    end.add_argument("id")
    end.add_argument("--service", required=True)
    end.add_argument("--by", default=os.environ.get("USER") or "operator")
    end.add_argument("--url", required=True)
    end.add_argument("--secret-id")
    end.set_defaults(run=_run_window_end)

    redrive = commands.add_parser("redrive", help="re-run the intake's dead-letter queue (real account or local)")
    redrive.add_argument("--queue-url", required=True, help="the intake failures queue (stack output)")
    redrive.add_argument("--function", required=True, help="the intake function's name or ARN")
    redrive.add_argument("--limit", type=int, default=100, help="at most this many messages")
    redrive.add_argument("--dry-run", action="store_true", help="read and classify, invoke nothing")
    redrive.add_argument("--include-rejected", action="store_true", help="also re-send parked bad input")
    redrive.set_defaults(run=_run_redrive)

    roster = commands.add_parser("roster", help="who is on call at L1..L4 at a moment (now by default)")
    roster.add_argument(
        "--at", metavar="WHEN", help=f"+12h, now, or an ISO date or moment, UTC unless it has an offset; {_FROM_NOW}"
    )
    source = roster.add_mutually_exclusive_group()
    _config_option(source, "a responder config or a roster document; " + CONFIG_HELP)
    source.add_argument("--parameter", metavar="NAME", help="the roster's SSM parameter, with your AWS credentials")
    roster.add_argument("--json", action="store_true", help="print one JSON document")
    roster.set_defaults(run=_run_roster)

    discover = commands.add_parser("discover", help="print service entries for the config, read from an AWS account")
    discover.add_argument("--cluster", required=True, help="the ECS cluster")
    discover.add_argument("--service", action="append", default=[], metavar="NAME", help="only this one (repeatable)")
    database = discover.add_mutually_exclusive_group()
    database.add_argument("--db-instance", metavar="ID", help="the RDS instance the services use")
    database.add_argument("--db-tag", metavar="KEY=VALUE", help="the one RDS instance carrying this tag")
    discover.add_argument("--region", help="default: AWS_REGION / AWS_DEFAULT_REGION / the profile's")
    discover.add_argument("--merge", action="store_true", help="merge into --config and print the diff (dry run)")
    discover.add_argument("--config", type=Path, metavar="FILE", help="with --merge (default: as roster's)")
    discover.add_argument("--write", action="store_true", help="with --merge: write the merged config")
    discover.set_defaults(run=_run_discover)
    return parser


CONFIG_HELP = "default: $RESPONDER_CONFIG, else ./responder.config.json"


def _config_option(command: argparse._ActionsContainer, what: str = "") -> None:
    """Every command reads its services and roster from one config, resolved by local/config.py."""
    what = what or "the responder config: services, thresholds, roster; " + CONFIG_HELP
    command.add_argument("--config", type=Path, metavar="FILE", help=what)


def _replay_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--json", action="store_true", help="print one JSON document instead of the transcript")
    command.add_argument("--ack-at", metavar="DURATION", help="a person acknowledges at this virtual time (20m)")
    command.add_argument("--resolve-at", metavar="DURATION", help="a person resolves at this virtual time (2h)")
    command.add_argument("--until", metavar="DURATION", help="how long to run the escalation clock (default: 24h)")
    command.add_argument("--verbose", action="store_true", help="show the handlers' own logs on stderr")


def _quiet_runtime_logs(verbose: bool) -> None:
    """The handlers log JSON to stdout in Lambda; here stdout is the transcript, so logs go to stderr
    (errors only, unless --verbose). Their metric lines are dropped while a replay runs."""
    from functions.observability import logger

    handler = logger.logger_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(_CurrentStderr())
    logger.setLevel("INFO" if verbose else "ERROR")


class _CurrentStderr:
    """Whatever sys.stderr is at the time of writing (tests swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def load_event(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read ({type(error).__name__})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply to be an event") from None


def _run_classify(args: argparse.Namespace) -> int:
    from local.classify import classify_event

    status = 0
    for path in args.files:
        try:
            lines = classify_event(load_event(path), args.config)
        except InputError as error:
            print(f"responder: {error}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        for line in lines:
            if "error" in line:
                print(f"responder: {path}: {line['error']}", file=sys.stderr)
                status = EXIT_BAD_INPUT
            else:
                print(json.dumps(line, ensure_ascii=False))
    return status


def _run_replay(args: argparse.Namespace) -> int:
    from local.replay import ReplayScript

    events = [(path, load_event(path)) for path in args.files]
    return _replay_and_print(events, ReplayScript.from_args(args.ack_at, args.resolve_at, args.until, args.by), args)


def _run_declare(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from local.declare import declaration_body, send_signed
    from local.replay import ApiRequest, ReplayScript

    body = declaration_body(args.words, service=args.service, impact=args.impact, public=args.public, by=args.by,
                            config=args.config)  # fmt: skip
    if args.url:
        print(json.dumps(send_signed(args.url, "/incidents", body, args.secret_id), ensure_ascii=False))
        return 0
    script = ReplayScript.from_args(args.ack_at, args.resolve_at, args.until, args.by)
    now = datetime.now(UTC).replace(microsecond=0)
    script.requests.append(ApiRequest(at=now, path="/incidents", body=body))
    return _replay_and_print([], script, args)


def _run_window_add(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from local.declare import send_signed, window_event
    from local.when import iso, parse_moment

    now = datetime.now(UTC)
    start, end = iso(parse_moment("--start", args.start, now)), iso(parse_moment("--end", args.end, now))
    fields = {"service": args.service, "starts_at": start, "ends_at": end, "reason": args.reason,
              "by": args.by, **({"id": args.id} if args.id else {})}  # fmt: skip
    event = window_event(fields, args.config)
    if args.url:
        body = {key: event["detail"][key] for key in ("id", "service", "starts_at", "ends_at", "reason", "by")}
        print(json.dumps(send_signed(args.url, "/maintenance", body, args.secret_id), ensure_ascii=False))
    else:
        print(json.dumps(event, indent=2, ensure_ascii=False))
    return 0


def _run_window_end(args: argparse.Namespace) -> int:
    from local.declare import send_signed

    body = {"service": args.service, "by": args.by}
    print(json.dumps(send_signed(args.url, f"/maintenance/{args.id}/end", body, args.secret_id), ensure_ascii=False))
    return 0


def _replay_and_print(events: list[tuple[Path, Any]], script: Any, args: argparse.Namespace) -> int:
    from local.replay import replay
    from local.transcript import render_transcript

    with contextlib.redirect_stdout(io.StringIO()):  # the handlers' CloudWatch metric (EMF) lines
        report = replay(events, script, args.config)
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        print(render_transcript(report))
    if report.rejected:
        for line in report.rejected:
            print(f"responder: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def _run_redrive(args: argparse.Namespace) -> int:
    import boto3

    from local.redrive import redrive

    report = redrive(
        boto3.client("sqs"),
        boto3.client("lambda"),
        args.queue_url,
        args.function,
        limit=args.limit,
        dry_run=args.dry_run,
        include_rejected=args.include_rejected,
    )
    print(report.summary())
    return 1 if report.failed else 0


def _run_roster(args: argparse.Namespace) -> int:
    from local.roster import roster_command

    print(roster_command(args.at, args.config, args.parameter, as_json=args.json))
    return 0


def _run_discover(args: argparse.Namespace) -> int:
    from local.discover import discover_command

    print(discover_command(args), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
