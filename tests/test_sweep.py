"""``kuiper sweep``: spec validation, in-process runs, seeds, cache and resumption, tables.

Each run must equal the command itself run with the same options (the authority
is ``kuiper KIND ... --json`` through click's CliRunner). The Dask schedulers
are in tests/test_sweep_dask.py.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import kuiper
from kuiper.cli import main
from kuiper.sweep import derived_seed, flatten, load_spec

SRC = Path(kuiper.__file__).resolve().parents[1]
# Cheap coverage: 10 deg grid, two time steps (the brief's small spec).
CHEAP_COVERAGE = {"duration": 600, "step": 300, "grid_deg": 10}
DASK_MODULES = ("dask", "distributed")


def cache_entries(cache: Path) -> list[Path]:
    """Finished runs in a sweep cache (not the temporary file of a write under way)."""
    return [p for p in cache.rglob("*.json") if not p.name.startswith(".")]


def write_spec(folder: Path, kind: str, base: dict, grid: dict, name="spec.toml") -> Path:
    def toml(v):
        return json.dumps(v)  # JSON scalars and lists are valid TOML values

    lines = [f"kind = {toml(kind)}", "[base]"]
    lines += [f"{k} = {toml(v)}" for k, v in base.items()]
    lines += ["[grid]"] + [f"{k} = {toml(v)}" for k, v in grid.items()]
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def sweep(*args, cache: Path):
    return CliRunner().invoke(main, ["sweep", *map(str, args), "--cache", str(cache)])


def without_wall_clock(value):
    """A result without the fields that time the run itself (coverage's elapsed_s)."""
    if isinstance(value, dict):
        return {k: without_wall_clock(v) for k, v in value.items() if k != "elapsed_s"}
    if isinstance(value, list):
        return [without_wall_clock(v) for v in value]
    return value


def command_json(*args) -> dict:
    result = CliRunner().invoke(main, [*map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------------------
# Bad specs: one line naming the file, the key and the reason, before any work


BAD_SPECS = [
    ('kind = "nope"\n', "kind", "'nope' is not one of"),
    ('base = 1\nkind = "coverage"\n', "base", "must be a table"),
    ('kind = "coverage"\nextra = 1\n', "extra", "unknown key"),
    ('kind = "coverage"\n[base]\nfoo = 1\n', "base.foo", "has no option --foo"),
    ('kind = "coverage"\n[grid]\nmin_elevation = [25.0, 95.0]\n', "grid.min_elevation", "range"),
    ('kind = "coverage"\n[base]\nmin_elevation = "high"\n', "base.min_elevation", "float"),
    ('kind = "coverage"\n[base]\nconstellation = "moon"\n', "base.constellation", "moon"),
    ('kind = "coverage"\n[grid]\nk = 2\n', "grid.k", "non-empty list"),
    ('kind = "coverage"\n[grid]\nk = []\n', "grid.k", "non-empty list"),
    ('kind = "coverage"\n[grid]\nk = [1, 1]\n', "grid.k", "repeats"),
    ('kind = "coverage"\n[base]\nk = 1\n[grid]\nk = [2]\n', "grid.k", "also set as base.k"),
    ('kind = "coverage"\n[base]\ngrid-deg = 1\ngrid_deg = 2\n', "base.grid_deg", "also set"),
    ('kind = "coverage"\n[base]\nk = [1, 2]\n', "base.k", "a list where one value"),
    ('kind = "coverage"\n[base]\npoints = 3\n', "base.points", "flag"),
    ('kind = "coverage"\n[base]\njson = true\n', "base.json", "set by the sweep"),
    ('kind = "backtest"\n[base]\noutput = "a.png"\n', "base.output", "writes a file"),
    ('kind = "forecast"\n[base]\nmanifest = "absent.toml"\n', "base.manifest", "does not exist"),
    ('kind = "forecast"\n[grid]\ntrials = [0, 10]\n', "grid.trials", "range"),
    ('kind = "coverage\n', "line 1", "not valid TOML"),
    ('kind = "coverage"\n[grid]\nmin_elevation = [25.0, nan]\n', "grid.min_elevation", "finite"),
]


@pytest.mark.parametrize(("text", "key", "reason"), BAD_SPECS, ids=[b[1] for b in BAD_SPECS])
def test_a_bad_spec_is_refused_with_one_line_naming_file_key_and_reason(
    tmp_path, text, key, reason
):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = sweep(path, "--scheduler", "none", cache=tmp_path / "cache")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1, result.stderr
    assert str(path) in errors[0] and key in errors[0] and reason in errors[0], errors[0]
    assert not (tmp_path / "cache").exists()  # refused before any work


def test_a_missing_or_binary_spec_is_refused(tmp_path):
    result = sweep(tmp_path / "absent.toml", cache=tmp_path / "c")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00kind")
    result = sweep(binary, cache=tmp_path / "c")
    assert result.exit_code == 1 and "not UTF-8" in result.stderr


# ---------------------------------------------------------------------------
# Spec expansion and seeds


def test_grid_is_the_product_in_spec_order_with_cli_spellings(tmp_path):
    path = write_spec(
        tmp_path, "coverage", {"satellites": 578}, {"min-elevation": [25.0, 35.0], "k": [1, 2]}
    )
    spec = load_spec(path, db=tmp_path / "k.sqlite")
    assert [(r.params["min_elevation"], r.params["k"]) for r in spec.runs] == [
        (25.0, 1),
        (25.0, 2),
        (35.0, 1),
        (35.0, 2),
    ]
    argv = spec.runs[1].argv
    assert argv[-1] == "--json" and "--db" in argv
    assert argv[argv.index("--min-elevation") + 1] == "25.0" and argv[argv.index("--k") + 1] == "2"
    takes_seed = any(p.name == "seed" for p in main.commands["coverage"].params)
    assert ("seed" in spec.runs[0].params) == takes_seed  # derived only where --seed exists


def test_seeds_derive_from_the_parameters_not_the_order(tmp_path):
    a = load_spec(
        write_spec(
            tmp_path, "forecast", {"trials": 10}, {"metric": ["launched", "in_orbit"]}, "a.toml"
        )
    )
    b = load_spec(
        write_spec(
            tmp_path, "forecast", {"trials": 10}, {"metric": ["in_orbit", "launched"]}, "b.toml"
        )
    )
    seeds_a = {r.params["metric"]: r.params["seed"] for r in a.runs}
    seeds_b = {r.params["metric"]: r.params["seed"] for r in b.runs}
    assert seeds_a == seeds_b and len(set(seeds_a.values())) == 2
    params = {k: v for k, v in a.runs[0].params.items() if k != "seed"}
    assert a.runs[0].params["seed"] == derived_seed("forecast", params)
    fixed = load_spec(write_spec(tmp_path, "forecast", {"seed": 7}, {"trials": [10, 20]}, "c.toml"))
    assert [r.params["seed"] for r in fixed.runs] == [7, 7]  # a seed the spec gives is kept


# ---------------------------------------------------------------------------
# Runs equal the command itself


def test_each_run_is_the_command_result_and_tables_hold_every_scalar(tmp_path):
    path = write_spec(
        tmp_path, "coverage", {**CHEAP_COVERAGE, "satellites": 578}, {"min_elevation": [25.0, 35.0]}
    )
    out_csv, out_parquet = tmp_path / "runs.csv", tmp_path / "runs.parquet"
    result = sweep(path, "--scheduler", "none", "--json", "-o", out_csv, cache=tmp_path / "c")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["kind"] == "coverage" and len(doc["runs"]) == 2
    for run, mask in zip(doc["runs"], (25.0, 35.0), strict=True):
        params = dict(run["params"])
        seed = params.pop("seed", None)  # derived where coverage takes --seed
        assert params == {**CHEAP_COVERAGE, "satellites": 578, "min_elevation": mask}
        seeded = () if seed is None else ("--seed", seed)
        direct = command_json(
            "coverage", "--duration", 600, "--step", 300, "--grid-deg", 10,
            "--satellites", 578, "--min-elevation", mask, *seeded,
        )  # fmt: skip
        assert without_wall_clock(run["result"]) == without_wall_clock(direct)
    with open(out_csv, newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 2
    flat = flatten(doc["runs"][1]["result"])
    assert float(table[1]["global_area_weighted"]) == flat["global_area_weighted"]
    assert float(table[1]["param.min_elevation"]) == 35.0
    assert table[1]["by_latitude.3.fraction"] == str(flat["by_latitude.3.fraction"])

    # From the cache now: the text table, then Parquet.
    text = sweep(path, "--scheduler", "none", cache=tmp_path / "c")
    assert text.exit_code == 0 and "2 of 2 runs from the cache" in text.stderr
    assert "min_elevation" in text.stdout and "global_area_weighted" in text.stdout
    pq = pytest.importorskip("pyarrow.parquet")
    written = sweep(path, "--scheduler", "none", "-o", out_parquet, cache=tmp_path / "c")
    assert written.exit_code == 0, written.output
    columns = pq.read_table(out_parquet).to_pydict()
    assert columns["global_area_weighted"] == [
        flatten(r["result"])["global_area_weighted"] for r in doc["runs"]
    ]


def test_a_forecast_run_uses_its_derived_seed(tmp_path, seeded_db):
    path = write_spec(
        tmp_path, "forecast", {"trials": 200}, {"as_of": ["2026-01-30", "2026-07-30"]}
    )
    result = sweep(path, "--scheduler", "none", "--json", "--db", seeded_db, cache=tmp_path / "c")
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]
    seed = runs[1]["params"]["seed"]
    assert runs[1]["result"]["seed"] == seed
    direct = command_json(
        "forecast", "--db", seeded_db, "--trials", 200, "--as-of", "2026-07-30", "--seed", seed
    )
    assert runs[1]["result"] == direct


def test_a_failed_run_is_reported_and_the_others_finish(tmp_path):
    path = write_spec(
        tmp_path, "coverage", CHEAP_COVERAGE, {"date": ["2027-01-01", "garbage", "2028-01-01"]}
    )
    result = sweep(path, "--scheduler", "none", "--json", cache=tmp_path / "c")
    assert result.exit_code == 1
    runs = json.loads(result.stdout)["runs"]
    assert ["result" in r for r in runs] == [True, False, True]
    assert "not a valid date" in runs[1]["error"]
    failed = [ln for ln in result.stderr.splitlines() if "failed" in ln]
    assert len(failed) == 1 and '"date": "garbage"' in failed[0]
    # The failure is not cached: a second start retries it, and reuses the two others.
    again = sweep(path, "--scheduler", "none", cache=tmp_path / "c")
    assert again.exit_code == 1 and "2 of 3 runs from the cache" in again.stderr
    assert "1 failed" in again.stdout


# ---------------------------------------------------------------------------
# Cache and resumption


def test_a_larger_sweep_reuses_finished_runs_and_ignores_damaged_entries(tmp_path):
    cache = tmp_path / "c"
    small = write_spec(tmp_path, "coverage", CHEAP_COVERAGE, {"k": [1, 2]}, "small.toml")
    first = sweep(small, "--scheduler", "none", "--json", cache=cache)
    assert first.exit_code == 0, first.output
    entries = sorted(cache_entries(cache))
    assert len(entries) == 2
    entries[0].write_text('{"key": "trunc')  # as a disk fault would leave it
    big = write_spec(tmp_path, "coverage", CHEAP_COVERAGE, {"k": [1, 2, 3]}, "big.toml")
    second = sweep(big, "--scheduler", "none", "--json", cache=cache)
    assert second.exit_code == 0 and "1 of 3 runs from the cache" in second.stderr
    fresh = sweep(big, "--scheduler", "none", "--json", cache=tmp_path / "fresh")
    assert without_wall_clock(json.loads(second.stdout)) == without_wall_clock(
        json.loads(fresh.stdout)
    )


def test_a_killed_sweep_started_again_does_only_what_is_missing(tmp_path):
    cache = tmp_path / "c"
    spec = write_spec(
        tmp_path,
        "coverage",
        {"duration": 3600, "step": 30, "grid_deg": 5, "satellites": 578},
        {"min_elevation": [10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0]},
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    args = [
        sys.executable,
        "-m",
        "kuiper",
        "sweep",
        str(spec),
        "--scheduler",
        "none",
        "--cache",
        str(cache),
    ]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while not cache_entries(cache) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    n_done = len(cache_entries(cache))
    assert 1 <= n_done < 8, "the sweep was not interrupted part-way"
    resumed = sweep(spec, "--scheduler", "none", "--json", cache=cache)
    assert resumed.exit_code == 0, resumed.output
    assert f"{n_done} of 8 runs from the cache" in resumed.stderr
    fresh = sweep(spec, "--scheduler", "none", "--json", cache=tmp_path / "fresh")
    assert without_wall_clock(json.loads(resumed.stdout)) == without_wall_clock(
        json.loads(fresh.stdout)
    )


# ---------------------------------------------------------------------------
# Import budget


def test_help_loads_no_dask():
    code = (
        "import sys, kuiper.cli\n"
        "for args in (['--help'], ['sweep', '--help']):\n"
        "    try:\n"
        "        kuiper.cli.main(args, prog_name='kuiper')\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print('LOADED', sorted(m for m in {DASK_MODULES!r} if m in sys.modules))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "LOADED []"


def test_swept_input_files_are_read_relative_to_the_spec_and_hashed_into_the_key(
    tmp_path, seeded_db
):
    shipped = (Path(kuiper.__file__).parent / "data" / "forecast.toml").read_text()
    (tmp_path / "a.toml").write_text(shipped)
    (tmp_path / "b.toml").write_text(shipped)
    path = write_spec(tmp_path, "forecast", {"trials": 50}, {"manifest": ["a.toml", "b.toml"]})
    args = ("--scheduler", "none", "--json", "--db", seeded_db)
    first = sweep(path, *args, cache=tmp_path / "c")
    assert first.exit_code == 0, first.output
    runs = json.loads(first.stdout)["runs"]
    assert [r["params"]["manifest"] for r in runs] == ["a.toml", "b.toml"]
    # The file's name is a parameter: equal contents still get their own seeds.
    assert runs[0]["params"]["seed"] != runs[1]["params"]["seed"]
    (tmp_path / "b.toml").write_text(shipped + "\n# edited\n")
    again = sweep(path, *args, cache=tmp_path / "c")
    assert again.exit_code == 0 and "1 of 2 runs from the cache" in again.stderr


@pytest.mark.parametrize("name", ["runs.txt", "runs", "absent-folder/runs.csv"])
def test_an_unwritable_table_path_is_refused_before_any_work(tmp_path, name):
    path = write_spec(tmp_path, "coverage", CHEAP_COVERAGE, {"k": [1, 2]})
    result = sweep(path, "--scheduler", "none", "-o", tmp_path / name, cache=tmp_path / "c")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{tmp_path / name}:" in result.stderr
    assert not (tmp_path / "c").exists()


def test_runs_in_threads_each_capture_their_own_output():
    """A worker with several threads runs several runs at once; outputs must not mix."""
    from concurrent.futures import ThreadPoolExecutor

    from kuiper.sweep import run_one

    cheap = ["--duration", "600", "--step", "300", "--grid-deg", "10"]
    masks = [15.0, 25.0, 35.0, 45.0] * 2
    before = sys.stdout, sys.stderr
    with ThreadPoolExecutor(4) as pool:
        outs = list(
            pool.map(
                lambda m: run_one(
                    "coverage", [*cheap, "--min-elevation", str(m), "--json"], kuiper.__version__
                ),
                masks,
            )
        )
    assert (sys.stdout, sys.stderr) == before  # the real streams are back
    assert [o["result"]["min_elevation_deg"] for o in outs] == masks
    assert outs[0]["result"]["global_area_weighted"] == outs[4]["result"]["global_area_weighted"]


def test_a_worker_with_another_kuiper_version_refuses_the_run():
    from kuiper.sweep import run_one

    out = run_one("coverage", ["--json"], "0.0.0-other")
    assert "error" in out and "0.0.0-other" in out["error"] and kuiper.__version__ in out["error"]


def test_progress_goes_to_stderr_and_stdout_stays_json(tmp_path):
    path = write_spec(tmp_path, "coverage", CHEAP_COVERAGE, {"k": [1, 2, 3]})
    result = sweep(path, "--scheduler", "none", "--json", cache=tmp_path / "c")
    assert result.exit_code == 0
    assert "sweep: 3/3 runs, ETA 0:00:00" in result.stderr
    assert json.loads(result.stdout)["kind"] == "coverage"


def test_a_capacity_spec_is_checked_by_the_capacity_command(tmp_path):
    ok = write_spec(tmp_path, "capacity", {"satellites": 578}, {"design": ["gen1", "gen2"]})
    spec = load_spec(ok)
    assert [r.params["design"] for r in spec.runs] == ["gen1", "gen2"]
    assert all("seed" in r.params for r in spec.runs)  # capacity takes --seed
    bad = write_spec(tmp_path, "capacity", {}, {"design": ["gen1", "gen3"]}, "bad.toml")
    result = sweep(bad, "--scheduler", "none", cache=tmp_path / "c")
    assert result.exit_code == 1 and "grid.design" in result.stderr and "gen3" in result.stderr
