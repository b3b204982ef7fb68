"""Reading the roster the stack wrote (or its operators keep) in SSM Parameter Store.

Called once per container; a `RosterError` is a configuration error with one line that names the
parameter and the problem, meant for the ops topic as it is.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from functions.roster.model import Roster
from functions.validation import error_line


class RosterError(Exception):
    """The roster cannot be used: `<source>: <problem>` on one line."""


def parse_roster(text: str | bytes, source: str) -> Roster:
    """A roster document (JSON) validated; `source` names it in the error."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RosterError(f"{source}: not JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    except (RecursionError, UnicodeDecodeError) as error:
        raise RosterError(f"{source}: not JSON ({type(error).__name__})") from None
    if not isinstance(data, dict):
        raise RosterError(f"{source}: expected a JSON object (the roster), got a JSON {_json_kind(data)}")
    try:
        return Roster.model_validate(data)
    except ValidationError as error:
        raise RosterError(f"{source}: {error_line(error, model=Roster)}") from None


def load_roster(ssm_client: Any, parameter_name: str) -> Roster:
    """The roster in the SSM parameter `parameter_name` (String or SecureString holding its JSON)."""
    from botocore.exceptions import BotoCoreError, ClientError

    source = f"SSM parameter {parameter_name}"
    try:
        response = ssm_client.get_parameter(Name=parameter_name, WithDecryption=True)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "Unknown")
        if code == "ParameterNotFound":
            region = getattr(getattr(ssm_client, "meta", None), "region_name", None) or "this region"
            raise RosterError(f"{source}: not found in {region}") from None
        message = error.response.get("Error", {}).get("Message", "")
        raise RosterError(f"{source}: cannot read it ({code}: {message})".replace("\n", " ")) from None
    except BotoCoreError as error:
        raise RosterError(f"{source}: cannot read it ({type(error).__name__}: {error})".replace("\n", " ")) from None
    return parse_roster(response["Parameter"]["Value"], source)


def _json_kind(data: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(data), "number")
