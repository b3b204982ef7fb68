"""One line per invalid input: the field's path, the value given and what is allowed, in words."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

import functions
from functions.services import SERVICE_NAME_PATTERN
from functions.validation import MAX_VALUE, PATTERN_WORDS, error_line, problem


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=SERVICE_NAME_PATTERN)
    port: int = 80


class Deployment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: str
    services: list[Service] = []
    owners: dict[str, Service] = {}

    @model_validator(mode="after")
    def _first_is_primary(self) -> Deployment:
        if self.services and self.services[0].port != 80:
            raise problem("the first service listens on 80", "services", 0, "port")
        return self


def line_for(data: Any, prefix: str = "", model: type[BaseModel] | None = None) -> str:
    with pytest.raises(ValidationError) as refused:
        Deployment.model_validate(data)
    return error_line(refused.value, prefix, model)


def test_a_pattern_is_said_in_words_never_as_a_regular_expression():
    # When the second service's name has a space
    line = line_for({"stage": "dev", "services": [{"name": "ok"}, {"name": "my service"}]})
    # Then the line names the exact input, quotes it and says what a name may hold
    assert line == "services[1].name 'my service': letters, digits and '-', at most 40"
    assert "pattern" not in line and "^" not in line


def test_a_missing_field_is_called_missing():
    assert line_for({"services": []}) == "stage: missing"


def test_an_unknown_field_lists_the_fields_allowed_there():
    # When a nested model gets a field it does not have
    line = line_for({"stage": "dev", "services": [{"name": "a", "colour": "red"}]})
    # Then the line lists that model's fields, not the outer one's
    assert line == "services[0].colour: unknown field; allowed: name, port"


def test_a_dict_value_and_a_list_index_are_paths_of_their_own():
    line = line_for({"stage": "dev", "owners": {"ana": {"name": "a", "port": "eighty"}}})
    assert line.startswith("owners.ana.port 'eighty': Input should be a valid integer")


def test_a_long_value_is_cut():
    line = line_for({"stage": "dev", "services": [{"name": "x" * 500}]})
    quoted = line.split("'")[1]
    assert len(quoted) == MAX_VALUE and quoted.endswith("…")


def test_a_validators_own_problem_keeps_its_words_and_continues_the_path():
    line = line_for({"stage": "dev", "services": [{"name": "a", "port": 8080}]})
    assert line == "services[0].port: the first service listens on 80"


def test_a_prefix_says_where_the_input_sits_and_more_problems_are_counted():
    # Given two independent problems
    line = line_for({"services": [{"name": "bad name"}]}, prefix="Records[2]")
    # Then the first is named under the prefix, and the second counted
    assert line == "Records[2].stage: missing (and 1 more)"


def test_not_an_object_at_all():
    assert line_for(["dev"]) == "Input should be an object"
    assert line_for(["dev"], prefix="body") == "body: Input should be an object"


def _patterns(annotation: Any) -> set[str]:
    """The `pattern` constraints anywhere in a field's annotation (Annotated metadata, nested types)."""
    found: set[str] = set()
    if get_origin(annotation) is Annotated:
        inner, *metadata = get_args(annotation)
        found |= {str(m.pattern) for m in metadata if getattr(m, "pattern", None)}
        return found | _patterns(inner)
    for arg in get_args(annotation):
        found |= _patterns(arg)
    return found


def _project_models() -> list[type[BaseModel]]:
    names = [m.name for m in pkgutil.walk_packages(functions.__path__, "functions.")] + ["infra.config"]
    models: dict[str, type[BaseModel]] = {}
    for name in names:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == name:
                models[f"{name}.{value.__qualname__}"] = value
    return list(models.values())


def test_every_pattern_a_model_uses_has_its_words():
    # Given every pydantic model of the functions and the deployment config
    models = _project_models()
    assert len(models) > 20

    # Then each `pattern` constraint they hold is said in words
    unsaid = {
        f"{model.__module__}.{model.__name__}.{name}: {pattern}"
        for model in models
        for name, field in model.model_fields.items()
        for pattern in {str(m.pattern) for m in field.metadata if getattr(m, "pattern", None)}
        | _patterns(field.annotation)
        if pattern not in PATTERN_WORDS
    }
    assert unsaid == set(), "add these to functions.validation.PATTERN_WORDS"
    assert SERVICE_NAME_PATTERN in PATTERN_WORDS


def test_no_module_formats_validation_errors_itself():
    # Given the project's sources, the CloudWatch widget emulator aside (it answers as AWS does)
    root = Path(__file__).resolve().parents[2]
    sources = [p for d in ("functions", "infra", "local") for p in (root / d).rglob("*.py")]
    # Then only the formatter reads a ValidationError's details
    readers = {p.relative_to(root).as_posix() for p in sources if ".errors(" in p.read_text(encoding="utf-8")}
    assert readers == {"functions/validation.py", "local/metric_image.py"}


# The messages people and the ops log see, one per module that used to word them itself.


def test_settings_name_the_variable_and_what_it_holds():
    from functions.settings import SettingsError, load_settings

    # Given a function whose SERVICES variable names a service with a space
    environment = {"INCIDENT_TABLE": "t", "SERVICES": '[{"name": "my service"}]'}
    # When the function reads its settings, then one line names the variable's exact entry
    with pytest.raises(SettingsError) as refused:
        load_settings(environment)
    assert str(refused.value) == (
        "invalid function configuration: SERVICES[0].name 'my service': letters, digits and '-', at most 40"
    )


def test_a_malformed_record_is_rejected_naming_its_index_and_field():
    from functions.intake.parse import Rejected, parse_event

    # Given an SNS record whose Message is a number
    (record,) = parse_event({"Records": [{"Sns": {"Message": 7}}]})
    # Then the rejection names the record and the field
    assert isinstance(record, Rejected)
    assert record.reason.startswith("Records[0].Sns.")


def test_an_alarm_event_without_its_alarm_name_says_it_is_missing():
    from functions.intake.parse import Rejected, parse_event

    event = {"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change", "detail": {}}
    (record,) = parse_event(event)
    assert isinstance(record, Rejected) and record.reason.startswith("detail.alarmName: missing")


def test_a_status_page_batch_that_is_not_one_names_the_field():
    from functions.status_page.stream import NotAStreamBatch, status_page_changes

    with pytest.raises(NotAStreamBatch) as refused:
        status_page_changes({"Records": [{"dynamodb": {"Keys": {"pk": {"S": 5}}}}]})
    assert str(refused.value) == (
        "status page: not a DynamoDB stream batch: Records[0].dynamodb.Keys.pk.S 5: Input should be a valid string"
    )


def test_an_unexpected_slack_answer_names_the_field_it_lacks():
    from functions.channel.slack_api import SlackApiError, SlackWebApi

    # Given Slack answering conversations.create with a channel that has no id
    def answer(*_: object) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, b'{"ok": true, "channel": {"name": "incident-x"}}'

    api = SlackWebApi(lambda: "xoxb-test", transport=answer)
    # Then the error says which field of the answer is missing
    with pytest.raises(SlackApiError) as refused:
        api.conversations_create("incident-x")
    assert str(refused.value) == "Slack conversations.create: unexpected_answer (channel.id: missing)"
