"""The Ray engine of batch runs: groups of records summarized by Ray actors, on this machine or
on a running cluster.

Ray Data carries the groups to a pool of actors (``map_batches`` with a callable class, the
documented pattern for batch inference): each actor builds the system once, then turns one
group per call into lines with :func:`~recsum.experiments.batch.summarize_group`, the function
of the local engine, so both write the same lines; :func:`~recsum.experiments.batch.run_batch`
writes them as they arrive, in the order the actors finish. The records are read by the one
loader of :mod:`recsum.evaluation.data` on the driver, so ids, adapters and skipped records are
the local engine's too.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from recsum import quirks
from recsum.errors import RecsumError
from recsum.experiments.batch import Engine, LocalEngine, summarize_group
from recsum.experiments.systems import System
from recsum.length import Length
from recsum.records import Record

ENGINES = ("local", "ray")
INSTALL = "pip install 'recsum[ray]' (Ray Data)"
# How long to wait for a cluster's address to answer before saying it cannot be reached: Ray
# itself retries a dead address for minutes.
CONNECT_SECONDS = 5


@dataclass(frozen=True)
class RayEngine:
    """Summarize on ``concurrency`` Ray actors with ``cpus_per_actor`` CPUs and
    ``gpus_per_actor`` GPUs each. ``address`` (else ``RAY_ADDRESS``) names a running cluster
    (``host:port``, ``ray://host:port`` or ``auto``); without either, a local Ray instance is
    started for the run and stopped after it. A Ray already initialized in this process (by
    ``ray.init``) is used as it is."""

    address: str | None = None
    concurrency: int = 1
    cpus_per_actor: float = 1
    gpus_per_actor: float = 0
    name: str = "ray"

    def __post_init__(self) -> None:
        if not isinstance(self.concurrency, int) or isinstance(self.concurrency, bool) \
                or self.concurrency < 1:
            raise RecsumError(f"concurrency (Ray actors) must be a whole number of at least 1, "
                              f"got {self.concurrency!r}")
        for name in ("cpus_per_actor", "gpus_per_actor"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise RecsumError(f"{name} must be a number of at least 0, got {value!r}")

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> RayEngine:
        """An engine from flat options (a pipeline's ``[ray]`` table); unknown ones are an
        error."""
        known = sorted(f.name for f in fields(cls) if f.name != "name")
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise RecsumError(f"unknown Ray engine option(s) {', '.join(unknown)}; use "
                              f"{', '.join(known)}")
        return cls(**options)

    def run(self, build_system: Callable[[], System], groups: Sequence[Sequence[Record]],
            length: Length, settings: dict[str, Any]) -> Iterator[dict[str, Any]]:
        ray = _import_ray()
        with quirks.ray_quietly():
            started_here = _connect(ray, self.address or os.environ.get("RAY_ADDRESS"))
            # On a local instance an actor that died (out of memory) would die again: the run
            # stops and is resumed instead. Without restarts, Ray also spares its warning
            # that a restarted actor could lose its arguments (Ray issue 53727) at every start.
            # max_restarts is still only a keyword that Ray 2.60 calls deprecated (hence
            # ray < 2.64 in pyproject.toml).
            restarts = {"max_restarts": 0} if started_here else {}
            try:
                dataset = ray.data.from_items(
                    [{"group": json.dumps([asdict(record) for record in group])}
                     for group in groups])
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", "`ray_remote_args` is deprecated")
                    lines = dataset.map_batches(
                        _Summarize, fn_constructor_args=(build_system, length, settings),
                        batch_size=1, compute=ray.data.ActorPoolStrategy(size=self.concurrency),
                        num_cpus=self.cpus_per_actor, num_gpus=self.gpus_per_actor, **restarts)
                for row in lines.iter_rows():
                    line = json.loads(row["line"])
                    if "fatal" in line:
                        raise RecsumError(line["fatal"])
                    yield line
            finally:
                if started_here:
                    ray.shutdown()


def make_engine(name: str = "local", **options: Any) -> Engine:
    """The engine called ``name``: ``local``, or ``ray`` with :class:`RayEngine`'s options."""
    if name == "ray":
        return RayEngine.from_options(options)
    if name != "local":
        raise RecsumError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    if options:
        raise RecsumError(f"{', '.join(sorted(options))}: only the ray engine takes them "
                          "(choose engine ray, or omit them)")
    return LocalEngine()


class _Summarize:
    """A Ray actor: builds the system once, then summarizes one group per call. A system that
    cannot be built (a model missing offline) answers every call with its one-line error, which
    the driver raises: an actor that died of it would be retried and reported at length."""

    def __init__(self, build_system: Callable[[], System], length: Length,
                 settings: dict[str, Any]) -> None:
        self.length = length
        self.settings = settings
        self.error: str | None = None
        try:
            self.system = build_system()
        except RecsumError as error:
            self.error = str(error)

    def __call__(self, batch: Mapping[str, Any]) -> dict[str, list[str]]:
        if self.error is not None:
            return {"line": [json.dumps({"fatal": self.error})]}
        lines = []
        for text in batch["group"]:
            group = [Record(**{**row, "references": tuple(row["references"])})
                     for row in json.loads(text)]
            lines += [json.dumps(line, ensure_ascii=False)
                      for line in summarize_group(self.system, group, self.length, self.settings)]
        return {"line": lines}


def _import_ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise RecsumError(f"the ray engine needs Ray Data, which is not installed: {INSTALL}, "
                          "or use the local engine") from None
    return ray


def _connect(ray, address: str | None) -> bool:
    """Connect to the cluster at ``address``, or start a local instance; whether one was
    started here (and is to be stopped after the run)."""
    if address is not None:
        _check_reachable(address)
    if ray.is_initialized():
        return False
    quiet = {"logging_level": logging.ERROR, "log_to_driver": False}
    if address is None:
        ray.init(include_dashboard=False, **quiet)
        return True
    try:
        ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise RecsumError(_unreachable(address, str(error))) from None
    return False


def _check_reachable(address: str) -> None:
    """A ``host:port`` address must accept a connection within :data:`CONNECT_SECONDS`."""
    if address == "auto":  # Ray finds the cluster started on this machine, or says it cannot
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise RecsumError(f"Ray address {address!r} must look like host:port, ray://host:port "
                          "or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), CONNECT_SECONDS).close()
    except OSError as error:
        raise RecsumError(_unreachable(address, error.strerror or type(error).__name__)) \
            from None


def _unreachable(address: str, reason: str) -> str:
    reason = (reason.strip().splitlines() or [""])[0]
    return (f"cannot reach the Ray cluster at {address} ({reason}); check the address "
            "(--ray-address or RAY_ADDRESS) and that the cluster runs (`ray status` there), or "
            "give neither to start a local Ray")
