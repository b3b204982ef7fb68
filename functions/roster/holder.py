"""What a message says about the person a page is for (the message side of the roster).

Kept apart from the roster's models so rendering a message never loads them.
"""

from pydantic import BaseModel


class Holder(BaseModel, defer_build=True):
    """Who a page is for: the roster's person at that level now, or why nobody can be named."""

    name: str | None = None
    phone: str | None = None
    slack: str | None = None
    missing: str = ""  # why there is no name: no roster configured, or the roster's one-line error
