"""The job queue of ``recsum serve``: one worker thread that owns the model runs jobs in turn.

Concurrent requests queue instead of loading a second model; a full queue refuses the next job
(:class:`Busy`), and only the last finished jobs are kept, with their documents.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from recsum.errors import RecsumError
from recsum.length import Length
from recsum.reduce import RecursiveReducer, SummaryResult
from recsum.web.progress import track_bars

log = logging.getLogger("recsum")


@dataclass
class Job:
    """One summary request, from the queue to its result (or its one-line error)."""

    id: str
    source: str  # the uploaded file's name, or "pasted text"
    text: str
    max_words: int
    query: str | None = None  # summarize with respect to it, if given
    status: str = "queued"  # queued, running, done, error
    error: str | None = None
    result: SummaryResult | None = None
    seconds: float | None = None
    bars: list = field(default_factory=list)


class Busy(Exception):
    """The queue is full."""


class Worker:
    """Runs queued jobs one at a time on one summarizer, in a thread of its own."""

    def __init__(self, reducer: RecursiveReducer, *, max_pending: int, keep: int) -> None:
        self.reducer = reducer
        self.max_pending = max_pending  # jobs waiting beyond this are refused (Busy)
        self.keep = keep  # finished jobs kept (with their documents)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._pending: deque[Job] = deque()
        self._ready = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="recsum-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop taking jobs; a summary that runs is not waited for (the thread is a daemon)."""
        with self._ready:
            self._stopping = True
            self._ready.notify()

    def submit(self, source: str, text: str, max_words: int, query: str | None = None) -> Job:
        job = Job(secrets.token_urlsafe(12), source, text, max_words, query)
        with self._ready:
            if len(self._pending) >= self.max_pending:
                raise Busy
            self._pending.append(job)
            self._jobs[job.id] = job
            self._forget_finished()
            self._ready.notify()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._ready:
            return self._jobs.get(job_id)

    def position(self, job: Job) -> int | None:
        """1 for the next job to run; None once it runs."""
        with self._ready:
            return next((i for i, queued in enumerate(self._pending, 1) if queued is job), None)

    def _forget_finished(self) -> None:
        finished = [key for key, job in self._jobs.items() if job.status in ("done", "error")]
        for key in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[key]

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._stopping:
                    self._ready.wait()
                if self._stopping:
                    return
                job = self._pending.popleft()
                job.status = "running"
            self._summarize(job)

    def _summarize(self, job: Job) -> None:
        started = time.perf_counter()
        try:
            with track_bars(job.bars):
                job.result = self.reducer.reduce(job.text, Length(job.max_words),
                                                 query=job.query, progress=True)
            status = "done"
        except RecsumError as error:
            job.error, status = str(error), "error"
        except Exception:
            log.exception("summary %s failed", job.id)
            job.error = "the summary failed with an internal error; the server log has the details"
            status = "error"
        job.seconds = round(time.perf_counter() - started, 3)
        job.status = status  # last: a reader that sees "done" finds the result in place
