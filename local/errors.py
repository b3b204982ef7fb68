"""Errors the local tools turn into one line on stderr and exit status 2."""


class InputError(Exception):
    """A file or option the user gave cannot be used; the message is the one line they will see."""
