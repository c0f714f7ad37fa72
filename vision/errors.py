"""Errors a user may see.

Contract: anything raised as ``CalfcheckError`` carries a one-line message written for a patient or a
therapist (what went wrong and what to do). Front ends print ``str(error)`` and never a traceback.
"""


class CalfcheckError(Exception):
    """Base class: the message is safe and useful to show to a user as it is."""


class VideoReadError(CalfcheckError):
    """The file cannot be read as a video (missing, empty, not a video, damaged)."""


class ProtocolError(CalfcheckError):
    """A protocol id is unknown or a protocol file is malformed."""


class UsageError(CalfcheckError):
    """Bad command-line input (a path, option or manifest that cannot be used): exit code 2."""


class OutputError(CalfcheckError):
    """A result cannot or must not be written where the user asked (checked before any work)."""
