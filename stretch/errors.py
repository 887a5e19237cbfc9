"""Errors that services raise and every surface (API, pages, CLI) turns into a clear answer."""


class Conflict(Exception):
    """An update was based on an old version of the object; `current` is the object now."""

    def __init__(self, message: str, current):
        super().__init__(message)
        self.message = message
        self.current = current
