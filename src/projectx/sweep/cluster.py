"""Where a sweep runs: an embedded local Ray (loopback only, no dashboard, no telemetry) or an
existing Ray cluster by address.

The embedded Ray is started with ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (Ray's single-machine
mode: the node's address is the loopback address and every Ray process — GCS, raylet, workers,
runtime-env agent — listens on 127.0.0.1 only) and ``RAY_USAGE_STATS_ENABLED=0`` (no usage
report). Ray reads the first when it is imported, so :func:`local_ray` sets both before it imports
Ray and checks afterwards that the node really is on the loopback address; if Ray had been
imported earlier without them, it stops with a clear error rather than serve on every interface.
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

from projectx.exceptions import ProjectXError, ValidationError

__all__ = [
    "LOCAL_ENV",
    "RayCluster",
    "SweepError",
    "connect",
    "import_ray",
    "local_ray",
    "ray_available",
]

log = logging.getLogger(__name__)

#: environment of an embedded Ray (set before Ray is imported; inherited by its processes)
LOCAL_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


class SweepError(ProjectXError):
    """A sweep could not complete (Ray failed, or a run failed after its retries)."""


@dataclass(frozen=True, slots=True)
class RayCluster:
    """The Ray a sweep runs on."""

    address: str  #: the GCS address
    cpus: int  #: CPUs of the whole cluster
    embedded: bool  #: started for this sweep (and stopped after it)
    start_s: float  #: seconds ray.init took (0 when already connected)


def ray_available() -> bool:
    """Whether Ray is installed (without importing it)."""
    return importlib.util.find_spec("ray") is not None


def import_ray(*, local: bool) -> ModuleType:
    """Import Ray (``local``: with :data:`LOCAL_ENV` set first, unless already imported)."""
    if local and "ray" not in sys.modules:
        for key, value in LOCAL_ENV.items():
            os.environ.setdefault(key, value)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError:
        raise ValidationError("sweeps need Ray: pip install 'projectx-native[sweep]'") from None
    return ray


def _info(ray: ModuleType, *, embedded: bool, start_s: float) -> RayCluster:
    ctx = ray.get_runtime_context()
    cpus = int(ray.cluster_resources().get("CPU", 0))
    return RayCluster(str(ctx.gcs_address), cpus, embedded, start_s)


@contextlib.contextmanager
def local_ray(num_cpus: int | None = None) -> Iterator[RayCluster]:
    """Start an embedded Ray on this machine (127.0.0.1 only) and stop it on exit."""
    if num_cpus is not None and num_cpus < 1:
        raise ValidationError(f"workers must be >= 1, got {num_cpus}")
    ray = import_ray(local=True)
    if ray.is_initialized():
        raise SweepError("Ray is already initialised in this process")
    started = time.monotonic()
    ray.init(
        address="local",
        num_cpus=num_cpus or os.cpu_count() or 1,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.WARNING,
        namespace="projectx-sweep",
    )
    try:
        node_ip = ray.util.get_node_ip_address()
        if not ipaddress.ip_address(node_ip).is_loopback:
            raise SweepError(
                f"the embedded Ray came up on {node_ip}, not on the loopback address: Ray was "
                "imported before projectx.sweep could configure it; import projectx.sweep "
                "first or set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 before starting Python"
            )
        info = _info(ray, embedded=True, start_s=time.monotonic() - started)
        log.info("embedded Ray on %s with %d CPUs (%.1f s)", info.address, info.cpus, info.start_s)
        yield info
    finally:
        ray.shutdown()


@contextlib.contextmanager
def connect(address: str | None = None, num_cpus: int | None = None) -> Iterator[RayCluster]:
    """The Ray to run on: this process's if it is already connected, else the cluster at
    ``address`` (``ray start --head`` prints it; disconnected on exit), else an embedded local
    Ray with ``num_cpus`` CPUs (:func:`local_ray`)."""
    already = sys.modules.get("ray")
    if already is not None and already.is_initialized():
        yield _info(already, embedded=False, start_s=0.0)
        return
    if address is None:
        with local_ray(num_cpus) as info:
            yield info
        return
    ray = import_ray(local=False)
    started = time.monotonic()
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise SweepError(f"cannot connect to the Ray cluster at {address}: {exc}") from None
    try:
        yield _info(ray, embedded=False, start_s=time.monotonic() - started)
    finally:
        ray.shutdown()
