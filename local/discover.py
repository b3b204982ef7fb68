"""`responder discover`: the config's service entries, read from an AWS account instead of typed by hand.

From an ECS cluster: each service's target group and ALB (names, CloudWatch dimension values, health
check path), its task definition's awslogs group, and an RDS instance named by flag or found by tag.
A resource the service does not have is left out of its entry (absent = the service has none).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from functions.services import SERVICE_NAME_PATTERN
from infra.config import ConfigError, load_config, runbook_names
from local.errors import InputError

DESCRIBE_SERVICES_BATCH = 10  # DescribeServices takes at most 10 names per call
MAX_NAME = 40
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
_BAD_CREDENTIALS = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "AuthFailure",
}
_IAM_PREFIX = {"elbv2": "elasticloadbalancing"}
NAMESPACE_HINT = (
    "namespace is not discoverable (the app's own CloudWatch metrics namespace): "
    "add it by hand if the app publishes one"
)


class DiscoveredService(BaseModel):
    """One config entry (infra.config.ServiceDeployment's field names); None = the service has no such resource."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    cluster: str
    ecs_service: str
    load_balancer: str | None = None
    load_balancer_full_name: str | None = None
    target_group: str | None = None
    target_group_full_name: str | None = None
    log_group: str | None = None
    health_url: str | None = None
    db_instance: str | None = None

    def entry(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


DISCOVERED_FIELDS = frozenset(DiscoveredService.model_fields)


@dataclass
class Discovery:
    services: list[DiscoveredService]
    hints: list[str] = field(default_factory=list)  # for stderr: what the user should check or add


def config_name(ecs_service: str) -> str:
    """The ECS name made to fit SERVICE_NAME_PATTERN: a name that fits stays as it is; otherwise
    every character other than a letter, digit or '-' (ECS also allows '_') becomes '-', and a name
    still longer than 40 keeps its first 33 characters plus '-' and 6 hex digits of the full name's
    SHA-256, so two long names sharing a prefix stay apart and a rerun gives the same name."""
    if re.fullmatch(SERVICE_NAME_PATTERN, ecs_service):
        return ecs_service
    name = re.sub(r"[^A-Za-z0-9-]", "-", ecs_service).lstrip("-") or "service"
    if len(name) > MAX_NAME:
        name = f"{name[: MAX_NAME - 7]}-{hashlib.sha256(ecs_service.encode()).hexdigest()[:6]}"
    return name


def dimension_value(arn: str) -> str:
    """The CloudWatch dimension value in an elbv2 ARN: `app/<name>/<id>` (the part after `loadbalancer/`)
    or `targetgroup/<name>/<id>` (the ARN's whole resource part)."""
    return arn.split(":", 5)[5].removeprefix("loadbalancer/")


class Account:
    """The AWS reads, each error turned into one line naming the call (its IAM action)."""

    def __init__(self, region: str | None) -> None:
        import boto3
        from botocore.exceptions import NoRegionError

        session = boto3.session.Session(region_name=region)
        self.region = session.region_name
        try:
            self._clients: dict[str, Any] = {name: session.client(name) for name in ("ecs", "elbv2", "rds")}
        except NoRegionError:
            raise InputError("no AWS region: pass --region or set AWS_REGION (or a profile's region)") from None
        self.load_balancer = cache(self._load_balancer)
        self.listeners = cache(self._listeners)

    def call(
        self, service: str, operation: str, expected: Mapping[str, str] | None = None, **params: Any
    ) -> dict[str, Any]:
        """`expected` maps an error code the caller anticipates to its own line."""
        from botocore import xform_name

        with _one_line(_iam_action(service, operation), expected):
            answer: dict[str, Any] = getattr(self._clients[service], xform_name(operation))(**params)
        return answer

    def pages(
        self, service: str, operation: str, key: str, expected: Mapping[str, str] | None = None, **params: Any
    ) -> list[Any]:
        from botocore import xform_name

        with _one_line(_iam_action(service, operation), expected):
            pages = self._clients[service].get_paginator(xform_name(operation)).paginate(**params)
            return [item for page in pages for item in page.get(key, [])]

    def _load_balancer(self, arn: str) -> dict[str, Any]:
        answer = self.call("elbv2", "DescribeLoadBalancers", LoadBalancerArns=[arn])
        found: dict[str, Any] = answer["LoadBalancers"][0]
        return found

    def _listeners(self, arn: str) -> list[dict[str, Any]]:
        return self.pages("elbv2", "DescribeListeners", "Listeners", LoadBalancerArn=arn)


def _iam_action(service: str, operation: str) -> str:
    """The call as IAM names it, so an access-denied line says what to allow."""
    return f"{_IAM_PREFIX.get(service, service)}:{operation}"


@contextmanager
def _one_line(action: str, expected: Mapping[str, str] | None) -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        yield
    except NoCredentialsError:
        raise InputError(f"{action}: no AWS credentials (set AWS_PROFILE, or run `aws sso login`)") from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise InputError((expected or {}).get(code) or _client_error_line(action, error, code)) from None
    except BotoCoreError as error:
        raise InputError(f"{action}: cannot reach AWS ({error})") from None


def _client_error_line(action: str, error: Any, code: str) -> str:
    if code in _BAD_CREDENTIALS:
        return f"{action}: the AWS credentials were rejected ({code}); refresh them (`aws sso login`)"
    if code in _ACCESS_DENIED or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403:
        return f"{action}: access denied; the credentials need permission for {action}"
    message = " ".join(str(error.response.get("Error", {}).get("Message", "")).split())[:300]
    return f"{action}: {code}: {message}".rstrip(": ")


def discover(
    account: Account, cluster: str, names: list[str], *, db_instance: str | None = None, db_tag: str | None = None
) -> Discovery:
    """An entry per ECS service of the cluster (or per named one), with the stderr hints."""
    tag = _parse_tag(db_tag) if db_tag is not None else None  # bad input before any AWS call
    described = _ecs_services(account, cluster, names)
    database = _database(account, db_instance, tag)
    discovery = Discovery(services=[], hints=[NAMESPACE_HINT])
    for service in described:
        discovery.services.append(_entry(account, cluster, service, database, discovery.hints))
    _check_unique(discovery.services)
    if database is None:
        discovery.hints.append("no db_instance: pass --db-instance ID or --db-tag KEY=VALUE if the services use one")
    elif len(discovery.services) > 1:
        discovery.hints.append(f"db_instance {database} is on every entry; use --service to give it to one")
    return discovery


def _ecs_services(account: Account, cluster: str, names: list[str]) -> list[dict[str, Any]]:
    no_cluster = {"ClusterNotFoundException": f"--cluster {cluster}: no such ECS cluster in {account.region}"}

    if not names:
        arns = account.pages("ecs", "ListServices", "serviceArns", expected=no_cluster, cluster=cluster)
        if not arns:
            raise InputError(f"--cluster {cluster}: the cluster has no services")
        names = arns
    described: list[dict[str, Any]] = []
    for start in range(0, len(names), DESCRIBE_SERVICES_BATCH):
        batch = names[start : start + DESCRIBE_SERVICES_BATCH]
        answer = account.call("ecs", "DescribeServices", cluster=cluster, services=batch, expected=no_cluster)
        missing = [failure["arn"].rsplit("/", 1)[-1] for failure in answer.get("failures", [])]
        missing += [service["serviceName"] for service in answer["services"] if service.get("status") == "INACTIVE"]
        if missing:  # INACTIVE: deleted, still described for a while
            raise InputError(f"--service {', '.join(missing)}: no such service in cluster {cluster}")
        described += answer["services"]
    return described


def _entry(
    account: Account, cluster: str, service: dict[str, Any], database: str | None, hints: list[str]
) -> DiscoveredService:
    name = service["serviceName"]
    fields: dict[str, Any] = {"name": config_name(name), "cluster": cluster, "ecs_service": name}
    fields["db_instance"] = database
    if service.get("taskDefinition"):  # absent with the EXTERNAL deployment controller (task sets)
        fields["log_group"] = _log_group(account, service["taskDefinition"], name, hints)
    target_groups = [lb["targetGroupArn"] for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")]
    if target_groups:
        if len(target_groups) > 1:
            hints.append(f"{name}: {len(target_groups)} target groups; the entry uses the first")
        fields |= _alb_fields(account, target_groups[0], name, hints)
    return DiscoveredService(**fields)


def _log_group(account: Account, task_definition: str, service: str, hints: list[str]) -> str | None:
    answer = account.call("ecs", "DescribeTaskDefinition", taskDefinition=task_definition)
    groups = [
        container["logConfiguration"]["options"]["awslogs-group"]
        for container in answer["taskDefinition"].get("containerDefinitions", [])
        if container.get("logConfiguration", {}).get("logDriver") == "awslogs"
        and "awslogs-group" in container["logConfiguration"].get("options", {})
    ]
    if len(set(groups)) > 1:
        hints.append(f"{service}: containers log to {', '.join(dict.fromkeys(groups))}; the entry uses the first")
    return groups[0] if groups else None


def _alb_fields(account: Account, target_group_arn: str, service: str, hints: list[str]) -> dict[str, Any]:
    group = account.call("elbv2", "DescribeTargetGroups", TargetGroupArns=[target_group_arn])["TargetGroups"][0]
    fields = {
        "target_group": group["TargetGroupName"],
        "target_group_full_name": dimension_value(target_group_arn),
    }
    balancers = group.get("LoadBalancerArns", [])
    if not balancers:
        return fields
    balancer = account.load_balancer(balancers[0])
    if balancer.get("Type", "application") != "application":
        hints.append(
            f"{service}: load balancer {balancer['LoadBalancerName']} is a {balancer['Type']} one; "
            "the responder's ALB alarms need an application load balancer, so it is left out"
        )
        return fields
    fields |= {
        "load_balancer": balancer["LoadBalancerName"],
        "load_balancer_full_name": dimension_value(balancer["LoadBalancerArn"]),
    }
    url = _health_url(account.listeners(balancer["LoadBalancerArn"]), balancer["DNSName"], group, target_group_arn)
    if url and url.startswith("https://"):
        hints.append(
            f"{service}: health_url {url} is the ALB's own DNS name over HTTPS; its certificate names "
            "your domain, so put that host in its place"
        )
    return fields | ({"health_url": url} if url else {})


def _health_url(listeners: list[dict[str, Any]], dns: str, group: dict[str, Any], group_arn: str) -> str | None:
    """The target group's health-check path through the ALB, as a user's request travels.

    The scheme and port are the client-facing listener's, not the target group's health-check
    protocol (that is the ALB-to-task hop, often plain HTTP behind an HTTPS listener). A listener
    whose default action forwards to this target group wins; among those, plain HTTP, since the
    ALB's DNS name has no certificate of its own. No listener: no URL.
    """
    forwarding = [listener for listener in listeners if group_arn in _forwards_to(listener)]
    candidates = [listener for listener in forwarding or listeners if listener.get("Protocol") in ("HTTP", "HTTPS")]
    if not candidates:
        return None
    listener = min(candidates, key=lambda item: item["Protocol"] != "HTTP")
    scheme = listener["Protocol"].lower()
    port = "" if listener.get("Port") in (None, {"http": 80, "https": 443}[scheme]) else f":{listener['Port']}"
    path = group.get("HealthCheckPath") or "/"
    return f"{scheme}://{dns}{port}{path}"


def _forwards_to(listener: dict[str, Any]) -> set[str]:
    arns: set[str] = set()
    for action in listener.get("DefaultActions", []):
        if action.get("TargetGroupArn"):
            arns.add(action["TargetGroupArn"])
        arns |= {item["TargetGroupArn"] for item in action.get("ForwardConfig", {}).get("TargetGroups", [])}
    return arns


def _parse_tag(tag: str) -> tuple[str, str]:
    key, equals, value = tag.partition("=")
    if not equals or not key:
        raise InputError(f"--db-tag {tag!r}: expected KEY=VALUE, such as service=checkout")
    return key, value


def _database(account: Account, instance: str | None, tag: tuple[str, str] | None) -> str | None:
    if instance:
        missing = {"DBInstanceNotFound": f"--db-instance {instance}: no such RDS instance in {account.region}"}
        account.call("rds", "DescribeDBInstances", DBInstanceIdentifier=instance, expected=missing)
        return instance
    if tag is None:
        return None
    key, value = tag
    matching = [
        db["DBInstanceIdentifier"]
        for db in account.pages("rds", "DescribeDBInstances", "DBInstances")
        if {"Key": key, "Value": value} in db.get("TagList", [])
    ]
    if not matching:
        raise InputError(f"--db-tag {key}={value}: no RDS instance in {account.region} has this tag")
    if len(matching) > 1:
        raise InputError(
            f"--db-tag {key}={value}: {len(matching)} RDS instances have this tag ({', '.join(matching)}); "
            "name one with --db-instance"
        )
    return matching[0]


def _check_unique(services: list[DiscoveredService]) -> None:
    by_name: dict[str, list[str]] = {}
    for service in services:
        by_name.setdefault(service.name, []).append(service.ecs_service)
    for name, ecs_names in by_name.items():
        if len(ecs_names) > 1:
            raise InputError(
                f"ECS services {', '.join(ecs_names)} all become config name {name!r}; "
                "discover them one at a time with --service and rename one"
            )


# --- merging into a config file ---------------------------------------------------------------


def merge_entries(existing: list[Any], discovered: list[DiscoveredService]) -> list[Any]:
    """Replace the entry with the same name, append new ones. What discovery cannot know (namespace,
    SLO, log patterns, rule overrides) is kept from the replaced entry; its resource fields are not,
    so a resource the account no longer has leaves the entry."""
    merged = list(existing)
    positions = {item.get("name"): index for index, item in enumerate(merged) if isinstance(item, dict)}
    for service in discovered:
        if service.name in positions:
            merged[positions[service.name]] = _replaced(merged[positions[service.name]], service)
        else:
            merged.append(service.entry())
    return merged


def _replaced(old: dict[str, Any], service: DiscoveredService) -> dict[str, Any]:
    """`naming: runbook` goes: it would give back the resources discovery found missing; the
    namespace it implied stays, written out."""
    kept = {key: value for key, value in old.items() if key not in DISCOVERED_FIELDS and key != "naming"}
    if old.get("naming") == "runbook":
        kept.setdefault("namespace", runbook_names(service.name)["namespace"])
    return kept | service.entry()


def merged_text(text: str, services: list[Any]) -> str:
    """The file with only its top-level `services` value rewritten, so the rest keeps its layout."""
    decoder = json.JSONDecoder()
    span = _services_span(text, decoder)
    if span is None:
        document = decoder.decode(text)
        return json.dumps(document | {"services": services}, indent=2, ensure_ascii=False) + "\n"
    start, end = span
    line = text[text.rfind("\n", 0, start) + 1 :]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    rendered = json.dumps(services, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
    return text[:start] + rendered + text[end:]


def _services_span(text: str, decoder: json.JSONDecoder) -> tuple[int, int] | None:
    """Where the top-level `services` value starts and ends in the text, if the object has one."""
    index = _skip(text, 0)
    if text[index : index + 1] != "{":
        return None
    index = _skip(text, index + 1)
    while text[index : index + 1] == '"':
        key, index = decoder.raw_decode(text, index)
        index = _skip(text, _skip(text, index) + 1)  # past ':'
        _, end = decoder.raw_decode(text, index)
        if key == "services":
            return index, end
        index = _skip(text, end)
        index = _skip(text, index + 1) if text[index : index + 1] == "," else index
    return None


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def merge_into(path: Path, discovered: list[DiscoveredService], *, write: bool) -> str:
    """The unified diff of merging into the config at `path`; written only when `write` and it validates."""
    try:
        before = path.read_text(encoding="utf-8")
        document = json.loads(before)
    except FileNotFoundError:
        raise InputError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read ({type(error).__name__})") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    existing = document.get("services", []) if isinstance(document, dict) else None
    if not isinstance(existing, list):
        raise InputError(f"{path}: expected a JSON object whose services is a list")
    after = merged_text(before, merge_entries(existing, discovered))
    _validate(path, after)
    if write and after != before:
        path.write_text(after, encoding="utf-8")
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), str(path), str(path)))


def _validate(path: Path, text: str) -> None:
    """load_config on a copy beside nothing of the user's: the file is written only if this passes."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        copy.write_text(text, encoding="utf-8")
        try:
            load_config({"config": str(copy)})
        except ConfigError as error:
            raise InputError(f"{str(error).replace(str(copy), str(path))} (nothing written)") from None


def discover_command(args: Any) -> str:
    """What `responder discover` prints on stdout; the notes go to stderr."""
    from local.config import config_path

    if args.write and not args.merge:
        raise InputError("--write: only with --merge (which names the config it writes)")
    found = discover(Account(args.region), args.cluster, args.service, db_instance=args.db_instance, db_tag=args.db_tag)
    if not args.merge:
        _notes(found.hints)
        return json.dumps({"services": [service.entry() for service in found.services]}, indent=2) + "\n"
    path = config_path(args.config)
    diff = merge_into(path, found.services, write=args.write)
    done = "written" if args.write else "dry run: nothing written; add --write to write it"
    _notes([*found.hints, f"{path}: already has these entries" if not diff else f"{path}: {done}"])
    return diff


def _notes(hints: list[str]) -> None:
    for hint in hints:
        print(f"responder: note: {hint}", file=sys.stderr)
