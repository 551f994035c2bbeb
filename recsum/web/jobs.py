"""The job queue of ``recsum serve``: uploads are read by one reader, summaries made by one
worker thread that owns the model, each job within its limits, and any job can be cancelled.

A job whose document is an upload is first read (:mod:`recsum.web.reading`: in a child
process, with a time and a memory limit), one upload at a time; pasted text skips that step.
Then the job waits for the model: concurrent requests queue instead of loading a second model.
A summary that runs past its time limit, or is cancelled, stops at its next step and ends with
one line, and the next job starts. A full queue refuses the next job (:class:`Busy`), and only
the last finished jobs are kept, with their documents.
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
from recsum.web.reading import Cancelled, ReadLimits, read_upload

log = logging.getLogger("recsum")

FINISHED = ("done", "error", "cancelled")


@dataclass
class Job:
    """One summary request, from the queue to its result (or its one-line error)."""

    id: str
    source: str  # the uploaded file's name, or "pasted text"
    text: str | None  # None until an upload is read
    max_words: int
    query: str | None = None  # summarize with respect to it, if given
    upload: bytes | None = None  # the uploaded file, until it is read
    status: str = "queued"  # reading, queued, running, done, error, cancelled
    error: str | None = None
    result: SummaryResult | None = None
    seconds: float | None = None
    bars: list = field(default_factory=list)
    cancelled: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class JobLimits:
    """What one job may take: time to summarize, the document's length, and its reading."""

    seconds: float = 300.0
    max_chars: int = 3_000_000  # about 500,000 words, the longest benchmarked document
    reading: ReadLimits = field(default_factory=ReadLimits)


class Busy(Exception):
    """The queue is full."""


class Stopped(Exception):
    """A running summary was cancelled or ran out of time; the job's error says which."""


class Worker:
    """Reads uploads in turn in one thread, and runs summaries in turn on one summarizer in
    another."""

    def __init__(self, reducer: RecursiveReducer, *, max_pending: int, keep: int,
                 limits: JobLimits | None = None) -> None:
        self.reducer = reducer
        self.max_pending = max_pending  # jobs waiting beyond this are refused (Busy)
        self.keep = keep  # finished jobs kept (with their documents)
        self.limits = limits or JobLimits()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._uploads: deque[Job] = deque()
        self._pending: deque[Job] = deque()
        self._ready = threading.Condition()
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._loop, args=(self._uploads, self._read), daemon=True,
                             name="recsum-reader"),
            threading.Thread(target=self._loop, args=(self._pending, self._summarize),
                             daemon=True, name="recsum-worker")]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop taking jobs; a summary that runs is not waited for (the threads are daemons)."""
        with self._ready:
            self._stopping = True
            self._ready.notify_all()

    def submit(self, source: str, max_words: int, query: str | None = None, *,
               text: str | None = None, upload: bytes | None = None) -> Job:
        """Queue the pasted ``text``, or the ``upload`` to be read first."""
        if text is not None:
            self._check_length(text, source)
        job = Job(secrets.token_urlsafe(12), source, text, max_words, query, upload,
                  status="queued" if upload is None else "reading")
        with self._ready:
            if len(self._uploads) + len(self._pending) >= self.max_pending:
                raise Busy
            (self._pending if upload is None else self._uploads).append(job)
            self._jobs[job.id] = job
            self._forget_finished()
            self._ready.notify_all()
        return job

    def cancel(self, job: Job) -> None:
        """Stop ``job``: a waiting one leaves its queue, a running one stops at its next step."""
        with self._ready:
            if job.status in FINISHED:
                return
            job.cancelled.set()
            for queue in (self._uploads, self._pending):
                if job in queue:
                    queue.remove(job)
                    self._finish(job, "cancelled", "cancelled before it started")

    def get(self, job_id: str) -> Job | None:
        with self._ready:
            return self._jobs.get(job_id)

    def position(self, job: Job) -> int | None:
        """1 for the next job to run on the model; None once it runs, or while it is read."""
        with self._ready:
            return next((i for i, queued in enumerate(self._pending, 1) if queued is job), None)

    def _check_length(self, text: str, source: str) -> None:
        if len(text) > self.limits.max_chars:
            raise RecsumError(f"{source} holds {len(text):,} characters of text, more than the "
                              f"{self.limits.max_chars:,} (about 500,000 words) this server "
                              "summarizes; summarize it in parts, or with recsum summarize")

    def _forget_finished(self) -> None:
        finished = [key for key, job in self._jobs.items() if job.status in FINISHED]
        for key in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[key]

    def _loop(self, queue: deque[Job], run) -> None:
        while True:
            with self._ready:
                while not queue and not self._stopping:
                    self._ready.wait()
                if self._stopping:
                    return
                job = queue.popleft()
                if queue is self._pending:
                    job.status = "running"
            run(job)

    def _finish(self, job: Job, status: str, error: str | None = None) -> None:
        job.error = error
        job.upload = None
        job.status = status  # last: a reader that sees "done" finds the result in place

    def _read(self, job: Job) -> None:
        """Read the upload of ``job`` (a child process does), then queue it for the model."""
        try:
            text = read_upload(job.upload, job.source, self.limits.reading, job.cancelled)
            self._check_length(text, job.source)
        except Cancelled:
            self._finish(job, "cancelled", "cancelled while the file was read")
            return
        except RecsumError as error:
            self._finish(job, "error", str(error))
            return
        with self._ready:
            if job.cancelled.is_set():
                self._finish(job, "cancelled", "cancelled while the file was read")
                return
            job.text, job.upload, job.status = text, None, "queued"
            self._pending.append(job)
            self._ready.notify_all()

    def _summarize(self, job: Job) -> None:
        started = time.perf_counter()
        deadline = time.monotonic() + self.limits.seconds

        def check() -> None:  # at each step of the summary
            if job.cancelled.is_set():
                raise Stopped("cancelled")
            if time.monotonic() > deadline:
                raise Stopped(f"stopped after {self.limits.seconds:g} s, this server's limit "
                              "for one summary; ask for a shorter document or use recsum "
                              "summarize")

        try:
            with track_bars(job.bars, check):
                job.result = self.reducer.reduce(job.text, Length(job.max_words),
                                                 query=job.query, progress=True)
            status, error = "done", None
        except Stopped as stop:
            status, error = ("cancelled" if job.cancelled.is_set() else "error"), str(stop)
        except RecsumError as failure:
            status, error = "error", str(failure)
        except Exception:
            log.exception("summary %s failed", job.id)
            status = "error"
            error = "the summary failed with an internal error; the server log has the details"
        job.seconds = round(time.perf_counter() - started, 3)
        self._finish(job, status, error)
