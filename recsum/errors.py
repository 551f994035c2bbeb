"""User-facing errors: one line that names the problem and the fix.

The CLI prints ``RecsumError`` messages without a traceback and exits non-zero; anything
else that escapes is a bug and keeps its traceback.
"""


class RecsumError(Exception):
    """A mistake in the user's input or settings, explained in one line."""

    exit_code = 2
