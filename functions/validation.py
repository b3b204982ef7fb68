"""One line for a pydantic ValidationError: where, the value given, and what is allowed, in words.

    services[1].name 'my service': letters, digits and '-', at most 40
    services[0].thresholds: unknown field; allowed: name, load_balancer, ...
    roster.levels.L1.rotation[2]: 'zed' is not in people

A regular expression never reaches a user: every `pattern` a model uses has its words in
`PATTERN_WORDS` (tests/unit/test_validation.py walks the models and fails on one that has not).
On the intake's cold-start path (intake/parse.py): only pydantic, which is loaded anyway.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

# What each `pattern` of a model allows (functions/ and infra/config.py), keyed by the pattern's text.
PATTERN_WORDS = {
    r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$": "letters, digits and '-', at most 40",
    r"^[A-Za-z0-9._:-]+$": "letters, digits, '.', '_', ':' and '-'",
    r"^p\d{1,2}(\.\d+)?$": "a percentile such as p99 or p99.9",
    r"^[a-z][a-z0-9-]{0,15}$": "lower-case letters, digits and '-', starting with a letter, at most 16",
    r"^(app/[A-Za-z0-9-]+/[0-9a-f]+)?$": "app/<name>/<id>, the end of the load balancer's ARN",
    r"^(targetgroup/[A-Za-z0-9-]+/[0-9a-f]+)?$": "targetgroup/<name>/<id>, the end of the target group's ARN",
    r"^(cron|rate|at)\(.+\)$": "an EventBridge schedule: cron(...), rate(...) or at(...)",
    r"^(/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$": "an SSM parameter name: letters, digits, '_', '.' and '-', "
    "in parts separated by '/'",
}
PROBLEM = "problem"  # the error type of `problem()`
MAX_VALUE = 40  # characters of a value quoted back
# Error types whose message is a validator's own words (they name the value themselves when it helps).
_OWN_WORDS = {PROBLEM, "value_error", "assertion_error", "missing", "extra_forbidden"}
# Location parts pydantic adds for a union's members or a validator function: not the input's path.
_TYPE_TAGS = {"int", "float", "str", "bool", "none", "list", "dict", "tuple", "set", "bytes", "datetime", "date"}


def problem(message: str, *path: str | int) -> PydanticCustomError:
    """A validator's own problem, in words; `path` continues the location pydantic gives it
    (a whole-document check naming `levels.L1.rotation[2]`)."""
    return PydanticCustomError(PROBLEM, "{problem}", {"problem": message, "path": path})


def error_line(error: ValidationError, prefix: str = "", model: type[BaseModel] | None = None) -> str:
    """The first problem as `<where> <value>: <what is allowed>`, and how many more there are.

    `prefix` is where the validated input sits (`Records[0]`); `model` is the validated model, for
    the fields an unknown one could have been (by default the model the error names, when unique).
    """
    details = error.errors(include_url=False)
    first = details[0]
    loc = _input_path(first)
    where = _join(prefix, loc)
    value = "" if first["type"] in _OWN_WORDS else _quoted(first.get("input"))
    head = " ".join(part for part in (where, value) if part)
    more = len(_independent({_input_path(detail) for detail in details}) - {loc})
    what = _what(first, loc, lambda: model or _model_named(error.title))
    line = f"{head}: {what}" if head else what
    return (line + (f" (and {more} more)" if more else "")).replace("\n", " ")


def _input_path(detail: ErrorDetails) -> tuple[str | int, ...]:
    extra = (detail.get("ctx") or {}).get("path", ()) if detail["type"] == PROBLEM else ()
    return tuple(part for part in (*detail["loc"], *extra) if not _is_type_tag(part))


def _independent(paths: set[tuple[str | int, ...]]) -> set[tuple[str | int, ...]]:
    """Without the paths of errors that only follow from one deeper down (a list "too short" once
    its bad item is dropped)."""
    return {path for path in paths if not any(other[: len(path)] == path != other for other in paths)}


def _is_type_tag(part: str | int) -> bool:
    return isinstance(part, str) and ("[" in part or part in _TYPE_TAGS)


def _join(prefix: str, loc: Sequence[str | int]) -> str:
    text = prefix
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _quoted(value: Any) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…")
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return str(value) if isinstance(value, int | float) else ""


def _what(detail: ErrorDetails, loc: Sequence[str | int], model: Callable[[], type[BaseModel] | None]) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "missing"
    if kind == "string_pattern_mismatch":
        pattern = str((detail.get("ctx") or {}).get("pattern", ""))
        return PATTERN_WORDS.get(pattern, "not in the form expected")
    if kind == "model_type":
        return "Input should be an object"  # not pydantic's "or instance of <class>"
    if kind == "extra_forbidden":
        validated = model()  # looked up only here: the intake words every bad record of a storm
        owner = _model_at(validated, loc[:-1]) if validated is not None else None
        return f"unknown field; allowed: {', '.join(_field_names(owner))}" if owner else "unknown field"
    return str(detail["msg"]).removeprefix("Value error, ")


def _model_named(title: str) -> type[BaseModel] | None:
    """The one loaded model class named `title` (a ValidationError names its model, not its class)."""
    found: list[type[BaseModel]] = []
    pending = list(BaseModel.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__name__ == title and cls not in found:
            found.append(cls)
    return found[0] if len(found) == 1 else None


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model the input at `loc` is validated as, following fields, list items and dict values."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    return _as_model(annotation)


def _step(annotation: Any, part: str | int) -> Any:
    inner = _as_model(annotation)
    if inner is not None and isinstance(part, str):
        for name, field in inner.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    for option in _options(annotation):
        origin, args = get_origin(option), get_args(option)
        if origin in (list, tuple, set, frozenset, Sequence) and args:
            return args[0]
        if origin in (dict, Mapping) and len(args) == 2:
            return args[1]
    return None


def _as_model(annotation: Any) -> type[BaseModel] | None:
    for option in _options(annotation):
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    return None


def _options(annotation: Any) -> list[Any]:
    """A union's members (an Optional's type), an Annotated's type; else the annotation itself."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _options(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [option for arg in get_args(annotation) for option in _options(arg)]
    return [annotation]


def _field_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]
