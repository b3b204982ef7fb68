"""Unwrap transports (SNS, SQS, EventBridge) and parse each record into a `Signal` or a command.

A record is a `Signal` (possibly `source=unknown` for a well-formed message we do not act on),
a command people gave through the actions API (a declaration, a maintenance window), or a
`Rejected` with a one-line reason: bad input never raises past this module.

Only the SNS shapes are imported with the module: every other source's are imported by the
function that reads its events, so a cold start defines the models of what arrived (raw/__init__.py).
"""

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from functions import clock
from functions.declared.declaration import DECLARED_DETAIL_TYPE, RESPONDER_SOURCE, Declaration
from functions.intake import signal
from functions.intake.raw import sns
from functions.intake.signal import Signal
from functions.maintenance.window import WINDOW_DECLARED, WINDOW_ENDED, MaintenanceWindow, WindowEnd
from functions.validation import error_line

if TYPE_CHECKING:
    from functions.intake.raw import eventbridge


class Rejected(BaseModel, defer_build=True):
    """A record that is not an event we can read; `reason` is one line naming the problem."""

    reason: str
    payload: str = ""
    park: bool = True  # False for a record that already sits on the dead-letter queue


class AlreadyParked(ValueError):
    """Bad input we parked earlier came back (a redrive): parking it again would loop."""


Command = Declaration | MaintenanceWindow | WindowEnd
ParsedRecord = Signal | Command | Rejected
_COMMANDS: dict[str, type[Command]] = {
    DECLARED_DETAIL_TYPE: Declaration,
    WINDOW_DECLARED: MaintenanceWindow,
    WINDOW_ENDED: WindowEnd,
}

ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"
_Model = TypeVar("_Model", bound=BaseModel)
_ECS_SERVICE_DETAIL_TYPES = {"ECS Deployment State Change", "ECS Service Action"}
_HEALTH_DETAIL_TYPES = {"AWS Health Event", "AWS Health Abuse Event"}


def parse_event(event: Any) -> list[ParsedRecord]:
    """Every record of one Lambda event, in order."""
    if not isinstance(event, dict):
        return [Rejected(reason=f"event is a JSON {type(event).__name__}, expected an object")]
    try:
        return _dispatch(event, transport="")
    except ValidationError as error:
        return [Rejected(reason=error_line(error), payload=_snippet(event))]
    except ValueError as error:
        return [Rejected(reason=str(error), payload=_snippet(event))]


def parse(event: Any, model: type[_Model]) -> _Model:
    """`event` validated as `model`, as powertools' `parser.parse` does, without its modules at cold start."""
    return model.model_validate_json(event) if isinstance(event, str) else model.model_validate(event)


def _snippet(value: Any) -> str:
    return json.dumps(value, default=str)[:2000]


def _dispatch(event: dict[str, Any], transport: str) -> list[ParsedRecord]:
    if "Records" in event:
        return _records(event)
    if event.get("source") == "aws.cloudwatch" and "alarmData" in event:
        return [_lambda_action(event)]
    if "detail-type" in event:
        return [_eventbridge(event, transport or "eventbridge")]
    if "AlarmName" in event and "NewStateValue" in event:
        return [signal.from_sns_alarm(parse(event=event, model=sns.SnsAlarmMessage))]
    raise ValueError(
        "no known event shape: expected SNS/SQS 'Records', an EventBridge event "
        "or a CloudWatch alarm action ('source: aws.cloudwatch' with 'alarmData')"
    )


def _records(event: dict[str, Any]) -> list[ParsedRecord]:
    records = event["Records"]
    if not isinstance(records, list) or not records:
        raise ValueError("Records: expected a non-empty list")
    return [_one_record(index, record) for index, record in enumerate(records)]


def _one_record(index: int, record: Any) -> ParsedRecord:
    """One bad record is rejected alone; the others of the batch still count."""
    try:
        if isinstance(record, dict) and "Sns" in record:
            return _sns_message(parse(event=record, model=sns.SnsRecord).Sns)
        if isinstance(record, dict) and record.get("eventSource") == "aws:sqs":
            inner = _sqs_body(parse(event=record, model=sns.SqsRecord))
            if isinstance(inner, Rejected):
                inner.reason = f"Records[{index}].body: {inner.reason}"
            return inner
        raise ValueError("not an SNS or SQS record")
    except ValidationError as error:
        return Rejected(reason=error_line(error, f"Records[{index}]"), payload=_snippet(record))
    except AlreadyParked as error:
        return Rejected(reason=f"Records[{index}]: {error}", park=False)
    except ValueError as error:
        return Rejected(reason=f"Records[{index}]: {error}", payload=_snippet(record))


def _sns_message(notification: sns.SnsNotification) -> ParsedRecord:
    body = _json_or_none(notification.Message)
    if not isinstance(body, dict):
        return _unrecognised_sns(notification, "SNS message is not a JSON object")
    if "AlarmName" in body:
        return signal.from_sns_alarm(parse(event=body, model=sns.SnsAlarmMessage))
    if "detail-type" in body:
        return _eventbridge(body, transport="sns")
    if "Event Source" in body and "Source ID" in body:
        from functions.intake.raw import rds

        return signal.from_rds_sns(parse(event=body, model=rds.RdsSnsMessage), notification)
    return _unrecognised_sns(notification, "SNS message of no known layout")


def _unrecognised_sns(notification: sns.SnsNotification, reason: str) -> Signal:
    stamp = signal.parse_timestamp(notification.Timestamp) if notification.Timestamp else clock.now()
    return signal.unrecognised(notification.Subject or "SNS message", "sns", stamp, reason)


def _sqs_body(record: sns.SqsRecord) -> ParsedRecord:
    body = _json_or_none(record.body)
    if not isinstance(body, dict):
        raise ValueError("SQS body is not a JSON object")
    if body.get("Type") == "Notification" and "Message" in body:
        return _sns_message(parse(event=body, model=sns.SnsNotification))
    if "requestPayload" in body:  # a Lambda on-failure destination record: the original event inside
        body = body["requestPayload"]
        if not isinstance(body, dict):
            raise ValueError("requestPayload is not a JSON object")
    if "reasons" in body and "event" in body:
        reasons = body["reasons"]
        first = str(reasons[0]) if isinstance(reasons, list) and reasons else "?"
        raise AlreadyParked(f"parked bad input, not redriven: {' '.join(first.split())[:200]}")
    inner = _dispatch(body, transport="sqs")
    if len(inner) != 1:
        raise ValueError("SQS body holds a batch; redrive its records one by one")
    return inner[0]


def _lambda_action(event: dict[str, Any]) -> Signal:
    from functions.intake.raw import alarm_detail

    action = parse(event=event, model=alarm_detail.LambdaAlarmAction)
    return signal.from_alarm_detail(
        action.alarmData,
        arn=action.alarmArn,
        account=action.accountId,
        region=action.region,
        transport="lambda-action",
    )


def _eventbridge(event: dict[str, Any], transport: str) -> Signal | Command:
    from functions.intake.raw import eventbridge

    envelope = parse(event=event, model=eventbridge.EventBridgeEnvelope)
    if envelope.source == RESPONDER_SOURCE and envelope.detail_type in _COMMANDS:
        return _COMMANDS[envelope.detail_type].model_validate(envelope.detail)
    mapper = _EVENTBRIDGE_MAPPERS.get((envelope.source, envelope.detail_type)) or _family_mapper(envelope)
    if mapper is None:
        stamp = signal.parse_timestamp(envelope.time) if envelope.time else clock.now()
        reason = f"EventBridge event {envelope.source} / {envelope.detail_type} is not one the runbook acts on"
        return signal.unrecognised(envelope.detail_type, transport, stamp, reason)
    return mapper(event, envelope, transport)


def _alarm_event(event: dict[str, Any], envelope: "eventbridge.EventBridgeEnvelope", transport: str) -> Signal:
    from functions.intake.raw import alarm_detail

    alarm = parse(event=event, model=alarm_detail.EventBridgeAlarmEvent)
    arn = alarm.resources[0] if alarm.resources else None
    return signal.from_alarm_detail(
        alarm.detail, arn=arn, account=alarm.account, region=alarm.region, transport=transport
    )


def _ecs_event(event: dict[str, Any], envelope: "eventbridge.EventBridgeEnvelope", transport: str) -> Signal:
    from functions.intake.raw import ecs

    detail = parse(event=envelope.detail, model=ecs.EcsServiceDetail)
    return signal.from_ecs_event(envelope, detail, transport)


def _ecs_task(event: dict[str, Any], envelope: "eventbridge.EventBridgeEnvelope", transport: str) -> Signal:
    from functions.intake.raw import ecs

    detail = parse(event=envelope.detail, model=ecs.EcsTaskDetail)
    return signal.from_ecs_task(envelope, detail, transport)


def _ecs_container_instance(
    event: dict[str, Any], envelope: "eventbridge.EventBridgeEnvelope", transport: str
) -> Signal:
    from functions.intake.raw import ecs

    detail = parse(event=envelope.detail, model=ecs.EcsContainerInstanceDetail)
    return signal.from_ecs_container_instance(envelope, detail, transport)


def _rds_event(event: dict[str, Any], envelope: "eventbridge.EventBridgeEnvelope", transport: str) -> Signal:
    from functions.intake.raw import rds

    detail = parse(event=envelope.detail, model=rds.RdsEventDetail)
    return signal.from_rds_event(envelope, detail, transport)


def _health_event(event: dict[str, Any], envelope: "eventbridge.EventBridgeEnvelope", transport: str) -> Signal:
    from functions.intake.raw import health

    detail = parse(event=envelope.detail, model=health.HealthDetail)
    return signal.from_health_event(envelope, detail, transport)


_Mapper = Callable[[dict[str, Any], "eventbridge.EventBridgeEnvelope", str], Signal]

_EVENTBRIDGE_MAPPERS: dict[tuple[str, str], _Mapper] = {
    ("aws.cloudwatch", ALARM_STATE_CHANGE): _alarm_event,
    ("aws.ecs", "ECS Task State Change"): _ecs_task,
    ("aws.ecs", "ECS Container Instance State Change"): _ecs_container_instance,
    **{("aws.ecs", detail_type): _ecs_event for detail_type in _ECS_SERVICE_DETAIL_TYPES},
    **{("aws.health", detail_type): _health_event for detail_type in _HEALTH_DETAIL_TYPES},
}


def _family_mapper(envelope: "eventbridge.EventBridgeEnvelope") -> _Mapper | None:
    """Every RDS detail-type shares one detail layout (RDS DB Instance Event, RDS Zero ETL Event, ...)."""
    if envelope.source == "aws.rds" and envelope.detail_type.startswith("RDS "):
        return _rds_event
    return None


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError):  # RecursionError: nested deeper than any event
        return None
