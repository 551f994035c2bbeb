"""recsum: recursive summarization of documents longer than a Transformer's input window."""

from recsum.api import Summarizer, summarize
from recsum.errors import RecsumError
from recsum.length import Length
from recsum.reduce import RecursiveReducer, SummaryResult

__all__ = ["Length", "RecsumError", "RecursiveReducer", "Summarizer", "SummaryResult", "summarize"]
__version__ = "0.1.0"
