"""``kuiper sweep`` on Dask: a LocalCluster, and a real ``dask scheduler`` + ``dask worker``
started as subprocesses on loopback. Both must give the results of ``--scheduler none``
(the in-process, serial authority), seeds included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_sweep import CHEAP_COVERAGE, SRC, sweep, without_wall_clock, write_spec

pytest.importorskip("distributed")

START_TIMEOUT_S = 60


@pytest.fixture
def small_specs(tmp_path):
    coverage = write_spec(
        tmp_path,
        "coverage",
        CHEAP_COVERAGE,
        {"min_elevation": [25.0, 35.0], "satellites": [578, 1156]},
        "cov.toml",
    )
    forecast = write_spec(
        tmp_path, "forecast", {"trials": 200}, {"as_of": ["2026-01-30", "2026-07-30"]}, "fc.toml"
    )
    return coverage, forecast


def run_json(spec, scheduler, cache, *extra):
    result = sweep(spec, "--scheduler", scheduler, "--json", *extra, cache=cache)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert all("result" in r for r in doc["runs"]), doc
    return without_wall_clock(doc)


def test_a_local_cluster_of_two_workers_equals_none(tmp_path, small_specs, seeded_db):
    for spec in small_specs:
        db = ("--db", seeded_db)
        serial = run_json(spec, "none", tmp_path / f"none-{spec.stem}", *db)
        local = run_json(spec, "local", tmp_path / f"local-{spec.stem}", "--workers", 2, *db)
        assert local == serial and len(local["runs"]) == 4 - 2 * (spec.stem == "fc")


@pytest.fixture(scope="module")
def dask_scheduler(tmp_path_factory):
    """A ``dask scheduler`` and ``dask worker --nworkers 2`` on 127.0.0.1, random ports
    (started once for this module's tests)."""
    from dask.distributed import Client

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    file = tmp_path_factory.mktemp("dask") / "scheduler.json"
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    procs = []
    try:
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_scheduler", *common,
                 "--port", "0", "--scheduler-file", str(file)],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert file.exists(), "the scheduler did not start"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", *common,
                 "--scheduler-file", str(file), "--nworkers", "2", "--nthreads", "1"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        address = json.loads(file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        with Client(address, timeout=START_TIMEOUT_S) as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT_S)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def test_a_running_scheduler_with_two_workers_equals_none(
    tmp_path, small_specs, seeded_db, dask_scheduler
):
    for spec in small_specs:
        db = ("--db", seeded_db)
        serial = run_json(spec, "none", tmp_path / f"none-{spec.stem}", *db)
        remote = run_json(spec, dask_scheduler, tmp_path / f"remote-{spec.stem}", *db)
        assert remote == serial


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path, small_specs):
    import socket

    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from kuiper.sweep import execute

    old, execute.CONNECT_TIMEOUT_S = execute.CONNECT_TIMEOUT_S, 2
    try:
        result = sweep(
            small_specs[0], "--scheduler", f"tcp://127.0.0.1:{port}", cache=tmp_path / "c"
        )
    finally:
        execute.CONNECT_TIMEOUT_S = old
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1 and "cannot reach a Dask scheduler" in errors[0], result.stderr
    assert not Path(tmp_path / "c").exists()


def test_a_failed_run_on_a_cluster_is_reported_like_in_process(tmp_path, dask_scheduler):
    spec = write_spec(tmp_path, "coverage", CHEAP_COVERAGE, {"date": ["2027-01-01", "garbage"]})
    outs = []
    for scheduler in ("none", dask_scheduler):
        result = sweep(spec, "--scheduler", scheduler, "--json", cache=tmp_path / scheduler[:4])
        assert result.exit_code == 1
        assert '"date": "garbage"' in result.stderr and "not a valid date" in result.stderr
        outs.append(without_wall_clock(json.loads(result.stdout)))
    assert outs[0] == outs[1] and "error" in outs[1]["runs"][1]
