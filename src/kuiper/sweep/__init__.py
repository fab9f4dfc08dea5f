"""Sweeps: a grid of runs of one kuiper command, serially or on Dask.

A spec TOML names a command (``kind``), fixed options (``[base]``) and lists
whose product is run (``[grid]``), all by their CLI names. Each run is the
command itself with ``--json``; runs go to Dask's distributed scheduler (a local
cluster or any running one) or run in this process, and every finished run is
cached on disk. Importing this package does not import Dask; running on a
cluster does.

    >>> from kuiper.sweep import load_spec, run_sweep   # doctest: +SKIP
    >>> result = run_sweep(load_spec("spec.toml"), scheduler="none")  # doctest: +SKIP
"""

from __future__ import annotations

from .execute import SchedulerError, SweepResult, default_cache_dir, run_key, run_sweep
from .runner import run_one
from .spec import KINDS, Run, SpecError, SweepSpec, derived_seed, load_spec
from .table import TableError, check_table_path, flatten, render, rows, write_table

__all__ = [
    "KINDS",
    "Run",
    "SchedulerError",
    "SpecError",
    "SweepResult",
    "SweepSpec",
    "TableError",
    "check_table_path",
    "default_cache_dir",
    "derived_seed",
    "flatten",
    "load_spec",
    "render",
    "rows",
    "run_key",
    "run_one",
    "run_sweep",
    "write_table",
]
