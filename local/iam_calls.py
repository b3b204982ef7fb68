"""Would the deployed roles allow what the handlers do? Every AWS call a function makes locally,
checked against the synthesized IAM policies of that function's role.

How it works:

1. **Record.** While `LocalLambdas` runs the handlers (`local/lambda_runtime.py`), every botocore
   session the functions create (`functions.aws.new_session`) gets a `before-parameter-build` hook
   labelled with the function running when the session was made (its container's clients). The hook
   sees each call's service, operation and parameters, presigned URLs included (botocore builds a
   presigned GET's parameters through the same event). Threads the handler starts (diagnostics,
   prefetch) use the same session, so they are recorded as the same function.
2. **Map to IAM.** `needed()` turns a call into the actions it needs on the resources it names:
   `TransactWriteItems` needs each item's action (Put → PutItem, Update → UpdateItem, Delete →
   DeleteItem, ConditionCheck → ConditionCheckItem) on that item's table; a presigned GET needs
   `s3:GetObject` on the key; a call on a resource the template encrypts with a customer-managed
   KMS key also needs that key (`kms:GenerateDataKey`/`kms:Decrypt`, per `KMS_NEEDS`). APIs without
   resource-level permissions need `Resource: "*"`; an operation not in `needed()`'s table needs
   `"<service>:<Operation>"` on `"*"`, which only a `"*"` grant satisfies.
3. **Name the resource.** The call names local resources (`runbook-responder-incidents`); the
   policy names logical ones (`{"Fn::GetAtt": ["IncidentsTable…", "Arn"]}`). `StackNames` links them
   through the functions' environment variables: the template's `INCIDENT_TABLE` is
   `{"Ref": "IncidentsTable…"}` and the local world's `INCIDENT_TABLE` is the local table, so that
   local name *is* that logical resource (JSON values such as `NOTIFICATION_TOPICS` are matched key
   by key). Both sides are then written as ARNs of one symbolic account (`ACCOUNT`, `REGION`,
   physical names derived from logical ids) by the same `Intrinsics` evaluator that resolves the
   policies' `Ref`/`Fn::GetAtt`/`Fn::Join`/`Fn::Select`/`Fn::Split`. A local name no variable
   explains (the watched service's log group, cluster, alarms) is an external resource of the
   account and keeps its own name.
4. **Compare.** A needed (action, ARN) is allowed when an `Allow` statement of an `AWS::IAM::Policy`
   attached to that function's role (or an inline policy of the role) matches both, with IAM's
   `*`/`?` wildcards, and no `Deny` does. Conditions are not evaluated (the stack's function roles
   have none).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
}
# IAM's service prefix where botocore's service name differs.
IAM_PREFIX = {"stepfunctions": "states", "elbv2": "elasticloadbalancing"}
# What a call on a customer-managed-key-encrypted resource needs of the key (each service's guide:
# SNS/SQS publishers GenerateDataKey + Decrypt, consumers Decrypt; S3 SSE-KMS writes GenerateDataKey,
# reads Decrypt; Secrets Manager reads Decrypt; DynamoDB with a customer key Decrypt for data calls).
KMS_NEEDS: dict[str, tuple[str, ...]] = {
    "sns:Publish": ("kms:GenerateDataKey", "kms:Decrypt"),
    "sqs:SendMessage": ("kms:GenerateDataKey", "kms:Decrypt"),
    "sqs:ReceiveMessage": ("kms:Decrypt",),
    "s3:PutObject": ("kms:GenerateDataKey",),
    "s3:GetObject": ("kms:Decrypt",),
    "secretsmanager:GetSecretValue": ("kms:Decrypt",),
}
TRANSACT_ITEM = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
_DROPPED_PARAMS = ("Body", "Payload", "Message", "MessageBody", "MessageAttributes")


@dataclass(frozen=True)
class Call:
    function: str  # the handler path of the function that made it
    service: str  # botocore's service name
    operation: str
    params: dict[str, Any]
    presigned: bool = False

    def label(self) -> str:
        shown = {k: v for k, v in self.params.items() if k not in ("TransactItems", "RequestItems")}
        presigned = " (presigned)" if self.presigned else ""
        return f"{self.service}.{self.operation}{presigned} {json.dumps(shown, default=str)}"


@dataclass(frozen=True)
class Needed:
    action: str
    resource: str  # an ARN of the symbolic account, or "*"


# ---- recording ------------------------------------------------------------------------------


@dataclass
class CallRecorder:
    """The calls each function made, in order (thread-safe: handlers call AWS from worker threads)."""

    calls: list[Call] = field(default_factory=list)
    world_env: dict[str, str] = field(default_factory=dict)  # the local names the calls use
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hook(self, function: str) -> Callable[..., None]:
        def before_parameter_build(params: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
            kept = {k: v for k, v in params.items() if k not in _DROPPED_PARAMS}
            presigned = bool((context or {}).get("is_presign_request"))
            call = Call(function, model.service_model.service_name, model.name, kept, presigned)
            with self._lock:
                self.calls.append(call)

        return before_parameter_build

    def by_function(self) -> dict[str, list[Call]]:
        grouped: dict[str, list[Call]] = {}
        for call in self.calls:
            grouped.setdefault(call.function, []).append(call)
        return grouped


@contextmanager
def recording(recorder: CallRecorder) -> Iterator[CallRecorder]:
    """Hook every session a function creates while `LocalLambdas` runs it (its container's clients)."""
    import functions.aws as aws
    from local.lambda_runtime import active

    original = aws.new_session

    def new_session(region_name: str | None = None) -> Any:
        session = original(region_name)
        runtime = active()
        function = runtime.running if runtime else None
        if runtime is not None and function is not None:
            recorder.world_env.update(runtime.world_env)
            session.register("before-parameter-build", recorder.hook(function))
        return session

    aws.new_session = new_session
    try:
        yield recorder
    finally:
        aws.new_session = original


# ---- the template's world --------------------------------------------------------------------


class Intrinsics:
    """CloudFormation intrinsics evaluated in one symbolic account: each resource's physical names
    come from its logical id (or the name the template gives it)."""

    def __init__(self, template: Mapping[str, Any]) -> None:
        self.resources: dict[str, Any] = dict(template["Resources"])

    def type_of(self, logical_id: str) -> str:
        return str(self.resources.get(logical_id, {}).get("Type", ""))

    def _name(self, logical_id: str, prop: str) -> str:
        value = self.resources.get(logical_id, {}).get("Properties", {}).get(prop)
        return value if isinstance(value, str) else logical_id

    def ref(self, logical_id: str) -> str:
        if logical_id in PSEUDO:
            return PSEUDO[logical_id]
        kind = self.type_of(logical_id)
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{REGION}:{ACCOUNT}:{self._name(logical_id, 'TopicName')}"
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{self._name(logical_id, 'QueueName')}"
        if kind == "AWS::SecretsManager::Secret":
            return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{self._name(logical_id, 'Name')}-AbCdEf"
        if kind == "AWS::StepFunctions::StateMachine":
            return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{self._name(logical_id, 'StateMachineName')}"
        if kind == "AWS::SSM::Parameter":
            return self._name(logical_id, "Name")
        if kind == "AWS::S3::Bucket":
            return self._name(logical_id, "BucketName").lower()
        if kind == "AWS::DynamoDB::Table":
            return self._name(logical_id, "TableName")
        if kind == "AWS::Lambda::Function":
            return self._name(logical_id, "FunctionName")
        if kind == "AWS::Logs::LogGroup":
            return self._name(logical_id, "LogGroupName")
        return logical_id

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind, ref = self.type_of(logical_id), self.ref(logical_id)
        arns = {
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{ref}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{ref.rsplit('/', 1)[-1]}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{ref}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{ref}",
            "AWS::KMS::Key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{ref}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{ref}:*",
            "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/{ref}",
        }
        if attribute == "Arn":
            return arns.get(kind, ref if ref.startswith("arn:") else f"arn:aws:{kind}:{REGION}:{ACCOUNT}:{ref}")
        if attribute == "StreamArn":
            return f"{arns[kind]}/stream/2026-01-01T00:00:00.000"
        if attribute in ("TopicArn",):
            return ref
        if attribute in ("Name", "TopicName", "QueueName"):
            return ref.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        if attribute == "QueueUrl":
            return ref
        return f"{logical_id}.{attribute}"

    def resolve(self, value: Any, marker: Callable[[str], str] | None = None) -> Any:
        """A template value as a string (lists stay lists). `marker` replaces each Ref/GetAtt of a
        stack resource by a token naming it (to match environment values to logical ids)."""
        if isinstance(value, list):
            return [self.resolve(item, marker) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            target = str(value["Ref"])
            return marker(target) if marker and target in self.resources else self.ref(target)
        if "Fn::GetAtt" in value:
            target, attribute = value["Fn::GetAtt"]
            return marker(target) if marker else self.get_att(target, attribute)
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(str(self.resolve(part, marker)) for part in parts)
        if "Fn::Select" in value:
            index, items = value["Fn::Select"]
            return self.resolve(items, marker)[int(index)]
        if "Fn::Split" in value:
            separator, text = value["Fn::Split"]
            return str(self.resolve(text, marker)).split(separator)
        raise ValueError(f"unsupported intrinsic {json.dumps(value)[:200]}")


_MARK = "«{}»"
_MARKED = re.compile("^«(.+)»$")


class StackNames:
    """Local resource names ↔ the stack's logical resources, through the functions' environment."""

    def __init__(self, intrinsics: Intrinsics, environments: Mapping[str, Mapping[str, Any]],
                 world_env: Mapping[str, str]) -> None:  # fmt: skip
        self.intrinsics = intrinsics
        self.logical: dict[str, str] = {}
        for variables in environments.values():
            for name, value in variables.items():
                if isinstance(value, dict) and name in world_env:
                    self._learn(intrinsics.resolve(value, _MARK.format), world_env[name])

    def _learn(self, marked: str, local: str) -> None:
        found = _MARKED.match(marked)
        if found:
            self.logical[local] = found.group(1)
            return
        try:
            template_json, local_json = json.loads(marked), json.loads(local)
        except ValueError:
            return  # a URL built around a reference (the API endpoint): names no resource the functions call
        if isinstance(template_json, dict) and isinstance(local_json, dict):
            for key, value in template_json.items():
                if isinstance(value, str) and isinstance(local_json.get(key), str):
                    self._learn(value, local_json[key])

    def of(self, local: str) -> str | None:
        return self.logical.get(local)


# ---- calls → IAM -----------------------------------------------------------------------------


class CallMapper:
    def __init__(self, names: StackNames) -> None:
        self.names = names
        self.x = names.intrinsics

    def _arn(self, local: str, attribute: str = "Arn") -> tuple[str, str | None]:
        logical = self.names.of(local)
        if logical is None:
            return local, None
        return (self.x.get_att(logical, attribute) if attribute != "Ref" else self.x.ref(logical)), logical

    def table(self, name: str) -> tuple[str, str | None]:
        logical = self.names.of(name)
        if logical is None:
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}", None
        return self.x.get_att(logical, "Arn"), logical

    def needed(self, call: Call) -> list[Needed]:
        prefix = IAM_PREFIX.get(call.service, call.service)
        handler = getattr(self, f"_{call.service}", None)
        pairs: list[tuple[str, str, str | None]] = handler(call) if handler else []
        if not pairs:
            pairs = [(f"{prefix}:{call.operation}", "*", None)]
        needs: list[Needed] = []
        for action, resource, logical in pairs:
            needs.append(Needed(action, resource))
            key = self._kms_key(logical)
            if key:
                needs.extend(Needed(kms, key) for kms in KMS_NEEDS.get(action, ()))
        return needs

    def _kms_key(self, logical: str | None) -> str | None:
        if logical is None:
            return None
        props = self.x.resources[logical].get("Properties", {})
        candidates = [props.get("KmsMasterKeyId"), props.get("KmsKeyId"),
                      props.get("SSESpecification", {}).get("KMSMasterKeyId")]  # fmt: skip
        for rule in props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", []):
            candidates.append(rule.get("ServerSideEncryptionByDefault", {}).get("KMSMasterKeyID"))
        for candidate in candidates:
            if candidate is not None:
                key = str(self.x.resolve(candidate))
                if key.startswith("arn:aws:kms:"):  # AWS-managed keys (alias/aws/…) need no grant
                    return key
        return None

    # One method per botocore service: (action, resource ARN, logical id or None) for each need.

    def _dynamodb(self, call: Call) -> list[tuple[str, str, str | None]]:
        p, op = call.params, call.operation
        if op == "TransactWriteItems" or op == "TransactGetItems":
            found = []
            for item in p["TransactItems"]:
                ((kind, body),) = item.items()
                arn, logical = self.table(body["TableName"])
                found.append((f"dynamodb:{TRANSACT_ITEM[kind]}", arn, logical))
            return found
        if op in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{op}", *self.table(name)) for name in p["RequestItems"]]
        if "TableName" in p:
            arn, logical = self.table(p["TableName"])
            if p.get("IndexName"):
                arn += f"/index/{p['IndexName']}"
            return [(f"dynamodb:{op}", arn, logical)]
        return []

    def _sns(self, call: Call) -> list[tuple[str, str, str | None]]:
        topic = call.params.get("TopicArn") or call.params.get("TargetArn")
        if not topic:
            return []
        arn, logical = self._arn(topic, "Ref")
        return [(f"sns:{call.operation}", arn, logical)]

    def _sqs(self, call: Call) -> list[tuple[str, str, str | None]]:
        url = call.params.get("QueueUrl")
        if not url:
            return []
        logical = self.names.of(url)
        arn = self.x.get_att(logical, "Arn") if logical else f"arn:aws:sqs:{REGION}:{ACCOUNT}:{url.rsplit('/', 1)[-1]}"
        return [(f"sqs:{call.operation}", arn, logical)]

    def _secretsmanager(self, call: Call) -> list[tuple[str, str, str | None]]:
        arn, logical = self._arn(str(call.params["SecretId"]), "Ref")
        if logical is None:
            arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{arn}-AbCdEf"
        return [(f"secretsmanager:{call.operation}", arn, logical)]

    def _ssm(self, call: Call) -> list[tuple[str, str, str | None]]:
        local = str(call.params["Name"])
        name, logical = self._arn(local, "Ref")
        path = name if name.startswith("/") else "/" + name
        return [(f"ssm:{call.operation}", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{path}", logical)]

    def _s3(self, call: Call) -> list[tuple[str, str, str | None]]:
        bucket, logical = self._arn(str(call.params["Bucket"]), "Arn")
        if logical is None:
            bucket = f"arn:aws:s3:::{bucket}"
        key = call.params.get("Key")
        return [(f"s3:{call.operation}", f"{bucket}/{key}" if key is not None else bucket, logical)]

    def _stepfunctions(self, call: Call) -> list[tuple[str, str, str | None]]:
        if "stateMachineArn" in call.params:
            arn, logical = self._arn(str(call.params["stateMachineArn"]), "Ref")
            return [(f"states:{call.operation}", arn, logical)]
        if "executionArn" in call.params:
            parts = str(call.params["executionArn"]).split(":")  # arn:aws:states:r:a:execution:<machine>:<name>
            machine = ":".join([*parts[:5], "stateMachine", parts[6]])
            logical = self.names.of(machine)
            name = self.x.get_att(logical, "Name") if logical else parts[6]
            execution = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{name}:{parts[7]}"
            return [(f"states:{call.operation}", execution, None)]
        return []

    def _lambda(self, call: Call) -> list[tuple[str, str, str | None]]:
        local = str(call.params["FunctionName"]).split(":function:")[-1].split(":")[0]
        arn, logical = self._arn(local, "Arn")
        if logical is None:
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{local}"
        action = "lambda:InvokeFunction" if call.operation == "Invoke" else f"lambda:{call.operation}"
        return [(action, arn, logical)]

    def _logs(self, call: Call) -> list[tuple[str, str, str | None]]:
        group = call.params.get("logGroupName") or call.params.get("logGroupIdentifier")
        if not group:
            return []
        return [(f"logs:{call.operation}", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*", None)]

    def _cloudwatch(self, call: Call) -> list[tuple[str, str, str | None]]:
        if call.operation == "DescribeAlarms":
            names = call.params.get("AlarmNames") or ["*"]
            alarm = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:"
            return [("cloudwatch:DescribeAlarms", alarm + name, None) for name in names]
        return []  # GetMetricData/GetMetricStatistics/GetMetricWidgetImage: no resource-level permissions


# ---- the roles' policies ---------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def matches(self, need: Needed) -> bool:
        return any(_wild(a, need.action, case=False) for a in self.actions) and any(
            _wild(r, need.resource) for r in self.resources
        )


def _wild(pattern: str, value: str, case: bool = True) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(intrinsics: Intrinsics, role_id: str) -> list[Statement]:
    """Every statement of the policies attached to the role, resolved to the symbolic account."""
    documents = []
    for resource in intrinsics.resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in props.get("Roles", []):
            documents.append(props["PolicyDocument"])
    role = intrinsics.resources.get(role_id, {}).get("Properties", {})
    documents.extend(policy["PolicyDocument"] for policy in role.get("Policies", []))
    statements = []
    for document in documents:
        for raw in document["Statement"]:
            if "Action" not in raw or "Resource" not in raw:
                continue  # NotAction/NotResource grant nothing this check relies on
            resources = tuple(str(intrinsics.resolve(r)) for r in _as_list(raw["Resource"]))
            statements.append(Statement(raw["Effect"], tuple(_as_list(raw["Action"])), resources))
    return statements


@dataclass(frozen=True)
class Refusal:
    function: str
    call: Call
    need: Needed

    def __str__(self) -> str:
        return f"{self.function}: {self.need.action} on {self.need.resource} — for {self.call.label()}"


def refusals(template: Mapping[str, Any], world_env: Mapping[str, str], calls: list[Call]) -> list[Refusal]:
    """Each (function, action, resource) a recorded call needs that its role would refuse."""
    from local.lambda_runtime import template_functions

    functions = template_functions(template)
    intrinsics = Intrinsics(template)
    names = StackNames(intrinsics, {path: f.environment for path, f in functions.items()}, world_env)
    mapper = CallMapper(names)
    statements = {path: role_statements(intrinsics, f.role) for path, f in functions.items()}
    found: dict[tuple[str, str, str], Refusal] = {}
    for call in calls:
        for need in mapper.needed(call):
            allowed = statements[call.function]
            if any(s.effect == "Deny" and s.matches(need) for s in allowed) or not any(
                s.effect == "Allow" and s.matches(need) for s in allowed
            ):
                name = functions[call.function].logical_id
                found.setdefault((name, need.action, need.resource), Refusal(name, call, need))
    return list(found.values())
