"""What every raw shape shares: the base model, the alarm states, the two dimension layouts."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

AlarmStateValue = Literal["ALARM", "OK", "INSUFFICIENT_DATA"]


class Raw(BaseModel):
    # defer_build: a cold start builds only the validators of the shape that actually arrived
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


def dimensions_to_dict(value: Any) -> dict[str, str]:
    """SNS alarms list `{"name","value"}` (some writers `Name`/`Value`); EventBridge uses a map."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        pairs = {}
        for item in value:
            if not isinstance(item, dict):
                raise ValueError("each dimension must be an object")
            name = item.get("name", item.get("Name"))
            if name is None:
                raise ValueError("dimension without a name")
            pairs[str(name)] = str(item.get("value", item.get("Value", "")))
        return pairs
    raise ValueError("dimensions must be a list or an object")
