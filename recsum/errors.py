"""User-facing errors: one line that names the problem and the fix.

The CLI prints ``RecsumError`` messages without a traceback and exits non-zero; anything
else that escapes is a bug and keeps its traceback.
"""

from collections.abc import Sequence


class RecsumError(Exception):
    """A mistake in the user's input or settings, explained in one line."""

    exit_code = 2


class EncodingError(RecsumError):
    """Bytes that are not text in the encoding asked for. ``problem`` says what was found; the
    message adds the remedy of the command line and the API (another encoding), which an
    interface without that setting (the web page) replaces with its own."""

    def __init__(self, problem: str, remedy: str) -> None:
        super().__init__(f"{problem}; {remedy}")
        self.problem = problem


def about(source: str, error: Exception | str) -> str:
    """An error's message led by the file it concerns, unless the message names it already."""
    return str(error) if source in str(error) else f"{source}: {error}"


def list_ids(ids: Sequence[str], most: int = 5) -> str:
    """A few ids for a message, and how many more there are."""
    shown = ", ".join(repr(i) for i in ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")
