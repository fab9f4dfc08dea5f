"""Running a sweep's runs: in-process, on a local Dask cluster, or on a running scheduler.

Every finished run is written to an on-disk cache keyed by its parameters, the
package version, the digests of the files it reads and the history store's
fingerprint, so an interrupted sweep started again does only what is missing.
Results are gathered on the client and returned in grid order, whatever order
the workers finish in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..errors import KuiperError
from .runner import run_one
from .spec import SweepSpec

CONNECT_TIMEOUT_S = 20


class SchedulerError(KuiperError):
    """The Dask scheduler named cannot be reached or started."""


@dataclasses.dataclass
class SweepResult:
    """The runs of a sweep in grid order, each with its result or its error."""

    kind: str
    runs: list[dict]
    """``{"params", "result"}`` or ``{"params", "error"}`` per run."""
    n_cached: int = 0
    seconds: list[float] = dataclasses.field(default_factory=list)
    """Each run's own time (0 for a cached run), in grid order."""

    @property
    def failures(self) -> list[dict]:
        return [r for r in self.runs if "error" in r]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "runs": self.runs}


def default_cache_dir() -> Path:
    """``KUIPER_SWEEP_CACHE`` if set, else ``sweep`` in the user cache directory."""
    env = os.environ.get("KUIPER_SWEEP_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("kuiper", appauthor=False)) / "sweep"


def run_sweep(
    spec: SweepSpec,
    *,
    scheduler: str = "local",
    workers: int | None = None,
    cache_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    store_progress: Callable[[int, int, str], None] | None = None,
) -> SweepResult:
    """Run every grid point of ``spec`` and return the results in grid order.

    Parameters
    ----------
    spec : SweepSpec
        From :func:`kuiper.sweep.load_spec`.
    scheduler : str
        ``"none"`` (serial, in this process), ``"local"`` (a ``LocalCluster`` of
        ``workers`` processes, one thread each, default one per core; numba's
        parallel kernels get cores / workers threads in each) or the address of a
        running Dask scheduler (``tcp://host:8786``).
    workers : int, optional
        Workers of the local cluster.
    cache_dir : str or Path, optional
        Where finished runs are kept (default :func:`default_cache_dir`).
    progress : callable, optional
        ``progress(done, total)`` after each run, cached runs counted at the start.
    store_progress : callable, optional
        Passed to the store while a new store is seeded.
    """
    if workers is not None and scheduler != "local":
        raise SchedulerError("--workers applies to --scheduler local only")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    store = _store_fingerprint(spec, store_progress)
    keys = [
        run_key(spec.kind, run.params, {"files": run.files, "store": store}) for run in spec.runs
    ]
    outcomes: list[dict | None] = [_cached(cache, key) for key in keys]
    n_cached = sum(o is not None for o in outcomes)
    seconds = [0.0] * len(outcomes)
    total = len(outcomes)
    todo = [i for i, o in enumerate(outcomes) if o is None]
    done = [n_cached]
    if progress:
        progress(n_cached, total)

    def finished(i: int, out: dict) -> None:
        seconds[i] = out.get("seconds", 0.0)
        if "result" in out:
            _store(cache, keys[i], spec.kind, spec.runs[i].params, out["result"])
            outcomes[i] = {"result": out["result"]}
        else:
            outcomes[i] = {"error": out["error"]}
        done[0] += 1
        if progress:
            progress(done[0], total)

    tasks = [(i, spec.runs[i].argv) for i in todo]
    if scheduler == "none":
        for i, argv in tasks:
            finished(i, run_one(spec.kind, list(argv), __version__))
    elif tasks:
        _run_on_dask(spec.kind, tasks, scheduler, workers, finished)
    runs = [{"params": run.params, **o} for run, o in zip(spec.runs, outcomes, strict=True)]
    return SweepResult(kind=spec.kind, runs=runs, n_cached=n_cached, seconds=seconds)


def run_key(kind: str, params: dict, context: dict) -> str:
    """The cache key of a run: kind, parameters, package version, input files, store."""
    text = json.dumps(
        {"kind": kind, "params": params, "version": __version__, **context},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _run_on_dask(kind, tasks, scheduler, workers, finished) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        n_workers = workers or _cores()
        cluster = LocalCluster(
            n_workers=n_workers,
            # Parallel kernels get this worker's share of the cores, not all of them.
            env={"NUMBA_NUM_THREADS": str(max(1, _cores() // n_workers))},
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # loopback, a free port: never clashes
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(
                f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc})"
            ) from None
    try:
        futures = {
            client.submit(run_one, kind, list(argv), __version__, pure=False): i
            for i, argv in tasks
        }
        for future in as_completed(futures):
            try:
                out = future.result()
            except Exception as exc:  # a lost worker fails its run, not the sweep
                out = {"error": f"{type(exc).__name__}: {exc}"}
            finished(futures[future], out)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover  (macOS, Windows)
        return os.cpu_count() or 1


def _store_fingerprint(spec: SweepSpec, progress) -> dict | None:
    """What the store holds (element sets, newest epoch), for commands that read one.

    Opening the store here also seeds a new one once, before workers could race to.
    """
    for run in spec.runs[:1]:
        argv = list(run.argv)
        if "--db" not in argv:
            return None
        from ..store import Store

        path = argv[argv.index("--db") + 1]
        with Store(path, progress=progress) as store:
            newest = store.data_through()
            return {
                "n_elements": store.n_elements(kuiper_only=False),
                "data_through": newest.isoformat() if newest else None,
            }
    return None


def _cache_path(cache: Path, key: str) -> Path:
    return cache / key[:2] / f"{key}.json"


def _cached(cache: Path, key: str) -> dict | None:
    """A finished run's result from the cache; a damaged entry counts as missing."""
    try:
        entry = json.loads(_cache_path(cache, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key or "result" not in entry:
        return None
    return {"result": entry["result"]}


def _store(cache: Path, key: str, kind: str, params: dict, result: dict) -> None:
    """Write one cache entry atomically (a killed sweep leaves no half-written entry)."""
    path = _cache_path(cache, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"key": key, "kind": kind, "params": params, "version": __version__}
    text = json.dumps({**entry, "result": result})
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
