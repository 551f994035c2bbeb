"""The server of ``recsum serve``: a JSON API and the static page, over the job queue
(:mod:`recsum.web.jobs`).

A summary request becomes a job: the document's text is the pasted text, or the uploaded bytes
read in a child process with a time and a memory limit (in memory: the server never opens a
path that a request names; the file name only tells the format), the job waits in a queue, and
a single worker thread summarizes jobs one by one with the one model the server loaded, so
concurrent requests queue instead of loading a second model; each summary has a time limit, and
any job can be cancelled. The page polls the job for its position in the queue and each
level's progress, then gets the summary, its sentences' source spans and the tree of levels.
Only the page itself may send jobs (a request that a browser marks as coming from another site
is refused), and a loopback server answers only to this machine's names. Every failure comes
back as ``{"error": "one line"}``; a traceback only ever goes to the server's log.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import PurePath
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from recsum.config import DEFAULT_MAX_WORDS
from recsum.errors import RecsumError
from recsum.reduce import RecursiveReducer
from recsum.web.jobs import Busy, Job, JobLimits, Worker
from recsum.web.progress import bar_states

log = logging.getLogger("recsum.web")

STATIC = resources.files("recsum.web").joinpath("static")
# Multipart framing and the small form fields that travel with an upload.
FORM_OVERHEAD = 64 * 1024
# Nothing on the page comes from elsewhere; this also keeps pasted HTML from running.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Methods that change nothing: any page may load those, as a browser loads any link.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class ServeSettings:
    """Limits of one server."""

    max_upload_bytes: int = 20 * 1024 * 1024
    max_words: int = DEFAULT_MAX_WORDS  # the length the page proposes
    max_pending: int = 8  # summaries waiting beyond this make the server answer "busy"
    keep: int = 16  # finished jobs kept (with their documents) for their page and downloads
    limits: JobLimits = field(default_factory=JobLimits)  # each job's time, memory and length


def create_app(
    reducer: RecursiveReducer,
    settings: ServeSettings | None = None,
    *,
    allowed_hosts: list[str] | None = None,
) -> FastAPI:
    """The app around one loaded ``reducer``; ``allowed_hosts`` (names and addresses, IPv6
    ones without brackets) guards a loopback server against DNS rebinding (pages of other
    sites that resolve their name to 127.0.0.1)."""
    settings = settings or ServeSettings()
    worker = Worker(reducer, max_pending=settings.max_pending, keep=settings.keep,
                    limits=settings.limits)
    allowed = {host.lower() for host in allowed_hosts} if allowed_hosts else None

    async def lifespan(app: FastAPI):
        worker.start()
        yield
        worker.stop()

    app = FastAPI(title="recsum", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        refusal = _refusal(request, allowed)
        if refusal is not None:
            return JSONResponse({"error": refusal[1]}, status_code=refusal[0])
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=error)
        return JSONResponse({"error": "the server failed with an internal error; its log has "
                                      "the details"}, status_code=500)

    @app.get("/")
    async def page() -> FileResponse:
        return FileResponse(str(STATIC.joinpath("index.html")), media_type="text/html")

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/api/settings")
    async def server_settings() -> dict:
        return {"model": reducer.summarizer.name,
                "max_upload_bytes": settings.max_upload_bytes, "max_words": settings.max_words,
                "max_seconds": settings.limits.seconds}

    @app.post("/api/jobs", status_code=202)
    async def submit(request: Request) -> dict:
        source, text, upload, max_words, query = await _read_request(request, settings)
        try:
            job = worker.submit(source, max_words, query, text=text, upload=upload)
        except Busy:
            raise HTTPException(503, f"{settings.max_pending} summaries are waiting already; try "
                                     "again in a minute") from None
        except RecsumError as error:
            raise HTTPException(413, str(error)) from None
        return {"id": job.id, "status": job.status, "position": worker.position(job)}

    @app.get("/api/jobs/{job_id}")
    async def job_state(job_id: str) -> dict:
        job = _job(worker, job_id)
        view = {"id": job.id, "status": job.status, "source": job.source,
                "position": worker.position(job), "progress": bar_states(job.bars),
                "error": job.error, "seconds": job.seconds}
        if job.status == "done":
            view.update(document=job.text, result=job.result.to_dict())
        return view

    @app.delete("/api/jobs/{job_id}")
    async def cancel(job_id: str) -> dict:
        job = _job(worker, job_id)
        worker.cancel(job)
        return {"id": job.id, "status": job.status}

    @app.get("/api/jobs/{job_id}/summary.txt")
    async def summary_file(job_id: str) -> Response:
        job = _finished(worker, job_id)
        return Response(job.result.summary + "\n", media_type="text/plain; charset=utf-8",
                        headers=_attachment(job, "summary.txt"))

    @app.get("/api/jobs/{job_id}/provenance.json")
    async def provenance_file(job_id: str) -> JSONResponse:
        job = _finished(worker, job_id)
        return JSONResponse(provenance(job), headers=_attachment(job, "provenance.json"))

    return app


def _refusal(request: Request, allowed: set[str] | None) -> tuple[int, str] | None:
    """Why a request is refused (status and one line), or None: a Host header that is not
    this machine's on a loopback server (DNS rebinding), or a request that changes something
    sent by a page of another origin (another web site posting to the local server)."""
    host = request.headers.get("host", "")
    if allowed is not None and _host_name(host) not in allowed:
        return 400, (f"this server answers only to {', '.join(sorted(allowed))}, not "
                     f"{host[:60]!r}; open the address that recsum serve printed")
    if request.method in SAFE_METHODS:
        return None
    # Browsers say where a request comes from (Sec-Fetch-Site; Origin on every cross-origin
    # POST, forms included); programs such as curl send neither and are the user's own.
    site = request.headers.get("sec-fetch-site", "same-origin")
    origin = request.headers.get("origin")
    if site not in ("same-origin", "none") or (
            origin is not None and urlsplit(origin).netloc.lower() != host.lower()):
        return 403, (f"this server takes jobs from its own page only, not from "
                     f"{(origin or site)[:60]!r}; open the page that recsum serve printed")
    return None


def _host_name(host: str) -> str:
    """The name or address of a Host header, without its port (``[::1]:8000`` is ``::1``)."""
    host = host.lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _read_request(request: Request, settings: ServeSettings
                        ) -> tuple[str, str | None, bytes | None, int, str | None]:
    """The source name, the pasted text or the uploaded bytes, the length and the query asked
    for (None: a generic summary), or an HTTP error."""
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise HTTPException(411, "send the form with a Content-Length")
    # Refused before the body is read: an oversize upload never reaches memory or disk.
    if int(declared) > limit + FORM_OVERHEAD:
        raise HTTPException(413, _too_large(int(declared), limit))
    form = await request.form(max_files=1, max_fields=5, max_part_size=limit)
    max_words = _max_words(form.get("max_words"), settings)
    query = form.get("query") or ""
    if not isinstance(query, str):
        raise HTTPException(400, "the query must be text, not a file")
    query = query.strip() or None
    upload, pasted = form.get("file"), form.get("text") or ""
    if not isinstance(pasted, str):
        raise HTTPException(400, "the text field must be text, not a file")
    if isinstance(upload, UploadFile) and upload.filename:
        if pasted.strip():
            raise HTTPException(400, "give pasted text or a file, not both")
        data = await upload.read()
        if len(data) > limit:
            raise HTTPException(413, _too_large(len(data), limit))
        # The name is only ever used for its extension and to label the result.
        source = PurePath(upload.filename.replace("\\", "/")).name or "upload"
        return source, None, data, max_words, query
    if not pasted.strip():
        raise HTTPException(400, "paste a document or choose a file to summarize")
    # Forms send line breaks as CRLF; spans must count characters of the text as it was pasted.
    return "pasted text", pasted.replace("\r\n", "\n"), None, max_words, query


def _max_words(value, settings: ServeSettings) -> int:
    if value is None or value == "":
        return settings.max_words
    if not isinstance(value, str) or not value.strip().isdigit() or int(value) < 1:
        raise HTTPException(400, f"the length must be a whole number of words above zero, "
                                 f"got {str(value)[:20]!r}")
    return int(value)


def _job(worker: Worker, job_id: str) -> Job:
    job = worker.get(job_id)
    if job is None:
        raise HTTPException(404, "no such summary (the server forgets old ones and restarts "
                                 "forget all); summarize the document again")
    return job


def _finished(worker: Worker, job_id: str) -> Job:
    job = _job(worker, job_id)
    if job.status != "done":
        raise HTTPException(409, f"this summary is {job.status}, not done")
    return job


def provenance(job: Job) -> dict:
    """The summary with its tree, each sentence with the document text of its source span."""
    result = job.result.to_dict()
    for sentence in result["sentences"]:
        sentence["source_text"] = job.text[sentence["start"]:sentence["end"]]
    return {"source": job.source, "document_chars": len(job.text), **result}


def _attachment(job: Job, suffix: str) -> dict[str, str]:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", PurePath(job.source).stem).strip("-.") or "document"
    return {"Content-Disposition": f'attachment; filename="{stem}-{suffix}"'}


def _too_large(size: int, limit: int) -> str:
    return (f"the upload is {size / 2**20:.1f} MB; the limit is {limit / 2**20:.1f} MB "
            "(recsum serve --max-upload-mb raises it)")
