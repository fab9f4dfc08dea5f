"""The deployment forecast: honesty about the as-of date, the real outcome, invariants.

* **Honesty.** Nothing dated after --as-of may move the forecast: a store holding only
  what was known then, a launch log and a forecast manifest with a different future
  all give byte-identical JSON for the same seed, and a change dated on or before the
  as-of date does move it (so the comparison can see a difference).
* **The real outcome.** Forecasts as of 2025-07-15 and 2026-01-30 hold the realized
  counts at the FCC half-way deadline inside their 90% intervals.
* **Invariants.** Determinism for a seed, milestone resolution, the documented JSON
  schema, monotone quantiles, launched >= in orbit >= on station.
* **Validation.** Bad manifests and launch logs give one-line errors naming the file
  and the field; so does the command line.

Trial counts are small (2,000-20,000): these tests check behaviour, not precision.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tomllib
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuiper.cli import main
from kuiper.errors import ManifestError
from kuiper.forecast import (
    METRICS,
    Milestone,
    default_milestones,
    forecast_deployment,
    load_forecast_manifest,
)
from kuiper.manifest import load_launches
from kuiper.snapshots import shipped_files
from kuiper.store import Store
from kuiper.tracker import fleet_status

UTC = dt.UTC
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FORECAST_TOML = files("kuiper") / "data" / "forecast.toml"
LAUNCHES_TOML = files("kuiper") / "data" / "launches.toml"
SATCAT_CSV = files("kuiper") / "data" / "satcat_kuiper.csv"
AS_OF = dt.datetime(2026, 1, 30, 23, 59, 59, 999999, tzinfo=UTC)
FCC_HALF_DEADLINE = dt.date(2026, 7, 30)
# Realized on 2026-07-30: 14 production launches (KA-01 .. LA-08, the last on 2026-07-02),
# 27+27+24+24+27+24+27+32+29+29+32+29+36+29 = 396 satellites (launches.toml; FORECASTING.md
# sec. 2 cites "396 after the July Atlas launch" [weak]); 4 decayed (SATCAT decay dates
# 2026-02-08, 2026-03-02, 2026-07-27 and 2026-07-28 in satcat_kuiper.csv), so 392 in orbit.
LAUNCHED_2026_07_30 = 396
IN_ORBIT_2026_07_30 = 392
QUANTILE_KEYS = ("p05", "p25", "p50", "p75", "p95")


def _end_of_day(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(23, 59, 59, 999999), tzinfo=UTC)


def _fingerprint(f) -> tuple[str, bytes, bytes]:
    """Everything a forecast says: its JSON, its histograms and its reach days."""
    return (
        json.dumps(f.to_dict(), sort_keys=True),
        np.ascontiguousarray(f.hist).tobytes(),
        np.ascontiguousarray(f.reach_day).tobytes(),
    )


@pytest.fixture(scope="module")
def store(seeded_db):
    with Store(seeded_db) as s:
        yield s


@pytest.fixture(scope="module")
def base(store):
    """The forecast as of 2026-01-30 from the full store and the shipped files."""
    return forecast_deployment(store, as_of=AS_OF, trials=4000, seed=5)


def _forecast(store, **kwargs):
    return forecast_deployment(store, as_of=AS_OF, trials=4000, seed=5, **kwargs)


# ---------------------------------------------------------------------------
# TOML writing for modified copies (values are str, int, float, bool and lists)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


def _toml_table(header: str, table: dict) -> list[str]:
    lines = [header] if header else []
    lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if not _is_tables(v)]
    return lines


def _is_tables(v) -> bool:
    return isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict))


def _dump_toml(data: dict) -> str:
    """Enough TOML for forecast.toml and launches.toml: tables, arrays of tables, one level."""
    lines = _toml_table("", data)
    for key, value in data.items():
        groups = [(f"[{key}]", value)] if isinstance(value, dict) else []
        groups += [(f"[[{key}]]", v) for v in value] if isinstance(value, list) else []
        for header, table in groups if _is_tables(value) else ():
            lines += ["", *_toml_table(header, table)]
            for sub, entries in table.items():
                for e in entries if isinstance(entries, list) and _is_tables(entries) else ():
                    lines += ["", *_toml_table(f"[[{key}.{sub}]]", e)]
    return "\n".join(lines) + "\n"


def test_toml_writer_round_trips_the_shipped_files():
    for resource in (FORECAST_TOML, LAUNCHES_TOML):
        data = tomllib.loads(resource.read_text())
        assert tomllib.loads(_dump_toml(data)) == data


# ---------------------------------------------------------------------------
# Honesty: data dated after the as-of date changes nothing


def _store_as_known_on(path: Path, as_of: dt.datetime) -> Store:
    """A store with the snapshots up to ``as_of`` and the SATCAT rows as they stood then."""
    s = Store(path, seed=False)
    for p in shipped_files():  # named <group>_<YYYY-MM-DD>.tle
        if dt.date.fromisoformat(p.stem.rsplit("_", 1)[1]) <= as_of.date():
            s.ingest_file(p)
    rows = list(csv.DictReader(io.StringIO(SATCAT_CSV.read_text())))
    cutoff = as_of.date().isoformat()
    known = []
    for r in rows:
        if r["LAUNCH_DATE"] > cutoff:
            continue
        if r["DECAY_DATE"] > cutoff:
            r["DECAY_DATE"], r["OPS_STATUS_CODE"] = "", "+"
        known.append(r)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(known)
    s.ingest_bytes(out.getvalue().encode(), "satcat_as_of.csv")
    return s


def test_a_store_of_only_what_was_known_gives_the_same_forecast(base, store, tmp_path):
    with _store_as_known_on(tmp_path / "then.sqlite", AS_OF) as then:
        assert then.data_through() == base.data_through  # the same newest element set
        assert then.n_elements() < store.n_elements()
        assert len(then.satcat()) < len(store.satcat())
        assert _fingerprint(_forecast(then)) == _fingerprint(base)


def _launch_log_with_a_different_future(tmp_path: Path, extra_date: str = "2026-03-01") -> Path:
    """Launches after 2026-01-30 replaced by invented ones (and one dated ``extra_date``)."""
    data = tomllib.loads(LAUNCHES_TOML.read_text())
    past = [
        e for e in data["launch"] if e["launch_date_utc"] and e["launch_date_utc"] <= "2026-01-30"
    ]
    template = dict(past[-1])
    invented = [
        dict(
            template,
            mission="XV-01",
            launch_date_utc=extra_date,
            vehicle="Vulcan",
            satellites=45,
            cospar_launch="2026-031",
        ),
        dict(
            template,
            mission="XF-04",
            launch_date_utc="2026-02-20",
            vehicle="Falcon 9",
            satellites=24,
            outcome="failure",
            cospar_launch="2026-040",
        ),
        dict(
            template,
            mission="XA-09",
            launch_date_utc="2026-02-01",
            vehicle="Atlas V 551",
            satellites=29,
            cospar_launch="2026-020",
        ),
        dict(
            template,
            mission="XN-02",
            launch_date_utc="",
            vehicle="New Glenn",
            satellites=48,
            outcome="not_launched",
            cospar_launch="",
        ),
    ]
    data["launch"] = past + invented
    path = tmp_path / "launches.toml"
    path.write_text(_dump_toml(data))
    return path


def test_a_launch_log_with_a_different_future_gives_the_same_forecast(base, store, tmp_path):
    log = load_launches(_launch_log_with_a_different_future(tmp_path))
    assert len(log) != len(load_launches())
    assert _fingerprint(_forecast(store, launch_log=log)) == _fingerprint(base)


def test_a_launch_dated_on_the_as_of_date_does_change_it(base, store, tmp_path):
    log = load_launches(_launch_log_with_a_different_future(tmp_path, extra_date="2026-01-30"))
    assert _fingerprint(_forecast(store, launch_log=log)) != _fingerprint(base)


def _manifest_with_a_different_future(tmp_path: Path, known: str = "2026-02-01") -> Path:
    """Every fact known after 2026-01-30 changed, and new ones added, known on ``known``."""
    data = tomllib.loads(FORECAST_TOML.read_text())
    later = lambda e: e["known_utc"] > "2026-01-30"  # noqa: E731
    for e in filter(later, data["supply"]["statement"]):
        e["satellites_per_year"] = 12.0
    data["supply"]["statement"].append(
        {"known_utc": known, "satellites_per_year": 5.0, "initial_stock": 0, "source": "test"}
    )
    for v in data["vehicle"]:
        for e in filter(later, v.get("record", [])):
            e["failures"] = e["flights"]
            e["anomalies"] = 0
        for e in filter(later, v.get("plan", [])):
            e["launches_per_year"] = 50.0
        for e in filter(later, v.get("event", [])):
            e["kind"] = "pad_lost"
        v.setdefault("contract", []).append({"known_utc": known, "launches": 40, "source": "test"})
        v.setdefault("plan", []).append(
            {"known_utc": known, "launches_per_year": 0.5, "source": "test"}
        )
        v.setdefault("record", []).append(
            {"known_utc": known, "flights": 500, "failures": 250, "source": "test"}
        )
        v.setdefault("event", []).append(
            {"known_utc": known, "kind": "grounded", "date_utc": known, "source": "test"}
        )
        for e in filter(later, v.get("schedule", [])):
            e["net_utc"] = "2026-02-02"
        v.setdefault("schedule", []).append(  # a new mission, and a new NET for an old one
            {"known_utc": known, "mission": "X-1", "net_utc": "2026-02-03", "source": "test"}
        )
        v["schedule"].append(
            {"known_utc": known, "mission": "LE-02", "net_utc": "2026-02-04", "source": "test"}
        )
    path = tmp_path / "forecast.toml"
    path.write_text(_dump_toml(data))
    return path


def test_a_manifest_with_a_different_future_gives_the_same_forecast(base, store, tmp_path):
    manifest = load_forecast_manifest(_manifest_with_a_different_future(tmp_path))
    assert _fingerprint(_forecast(store, manifest=manifest)) == _fingerprint(base)


def test_a_fact_known_on_the_as_of_date_does_change_it(base, store, tmp_path):
    manifest = load_forecast_manifest(_manifest_with_a_different_future(tmp_path, "2026-01-30"))
    assert _fingerprint(_forecast(store, manifest=manifest)) != _fingerprint(base)


def test_data_after_the_as_of_date_is_ignored_by_the_command_too(seeded_db, tmp_path):
    future = _manifest_with_a_different_future(tmp_path)
    outputs = []
    for extra in ([], ["--manifest", str(future)]):
        args = ["forecast", "--db", str(seeded_db), "--as-of", "2026-01-30", "--json"]
        result = CliRunner().invoke(main, [*args, "--trials", "2000", *extra])
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1]


# ---------------------------------------------------------------------------
# The real outcome at the FCC half-way deadline


def test_realized_counts_at_the_deadline(store):
    totals = fleet_status(store, _end_of_day(FCC_HALF_DEADLINE)).totals
    assert totals["launched"] == LAUNCHED_2026_07_30
    assert totals["in_orbit"] == IN_ORBIT_2026_07_30


@pytest.mark.parametrize("as_of", [dt.date(2025, 7, 15), dt.date(2026, 1, 30)])
def test_the_realized_outcome_lies_inside_the_90_percent_interval(store, as_of):
    # The forecast has month-end quantiles; 2026-07-31 stands for the deadline 2026-07-30
    # (no Kuiper launch and no decay on 2026-07-31: the tracker's counts are the same).
    f = forecast_deployment(store, as_of=_end_of_day(as_of), trials=20_000, seed=2026)
    k = f.monthly["date"].index("2026-07-31")
    for metric, realized in (("launched", LAUNCHED_2026_07_30), ("in_orbit", IN_ORBIT_2026_07_30)):
        q = f.monthly[metric]
        assert q["p05"][k] <= realized <= q["p95"][k], (metric, q["p05"][k], q["p95"][k])
    # ... and it gave the FCC milestone (1,616 in orbit by 2026-07-30, missed) no chance.
    fcc = next(m for m in f.milestones if m["name"] == "FCC Gen-1 50%")
    assert not fcc["resolved"] and fcc["probability"] < 0.01


# ---------------------------------------------------------------------------
# Invariants


def test_the_same_seed_gives_the_same_forecast(base, store):
    assert _fingerprint(_forecast(store)) == _fingerprint(base)
    other = forecast_deployment(store, as_of=AS_OF, trials=4000, seed=6)
    assert not np.array_equal(other.hist, base.hist)


def test_milestones_resolve_once_their_deadline_has_passed(store):
    for as_of in (FCC_HALF_DEADLINE, dt.date(2026, 8, 15)):
        f = forecast_deployment(store, as_of=_end_of_day(as_of), trials=2000, seed=1)
        half, full = f.milestones[0], f.milestones[1]
        assert half["name"] == "FCC Gen-1 50%" and half["target"] == 1616
        assert half["resolved"] is True
        assert half["observed"] == IN_ORBIT_2026_07_30
        assert half["probability"] == 0.0
        assert full["resolved"] is False and full["observed"] is None
        assert 0.0 <= full["probability"] <= 1.0


def test_a_met_milestone_resolves_to_one(store):
    ms = [Milestone("300 launched", 300, dt.date(2026, 5, 31), "launched")]
    f = forecast_deployment(
        store, as_of=_end_of_day(dt.date(2026, 6, 30)), milestones=ms, trials=1000, seed=1
    )
    assert f.milestones[0] == {
        "name": "300 launched",
        "target": 300,
        "deadline": "2026-05-31",
        "metric": "launched",
        "lower_bound": False,
        "probability": 1.0,
        "resolved": True,
        "observed": 331,  # FORECASTING.md sec. 2: 331 by early June 2026
    }


def test_json_has_exactly_the_documented_names(base):
    d = json.loads(json.dumps(base.to_dict()))
    assert set(d) == {
        "as_of",
        "data_through",
        "trials",
        "seed",
        "milestones",
        "monthly",
        "reach_date",
        "vehicles",
        "purchases",
    }
    assert d["as_of"].endswith("Z") and d["data_through"].endswith("Z")
    assert (d["trials"], d["seed"]) == (4000, 5)
    for m in d["milestones"]:
        assert set(m) == {
            "name",
            "target",
            "deadline",
            "metric",
            "lower_bound",
            "probability",
            "resolved",
            "observed",
        }
    assert set(d["monthly"]) == {"date", *METRICS}
    n = len(d["monthly"]["date"])
    for metric in METRICS:
        assert set(d["monthly"][metric]) == set(QUANTILE_KEYS)
        assert all(len(v) == n for v in d["monthly"][metric].values())
    for r in d["reach_date"]:
        assert set(r) == {"metric", "target", "p05", "p50", "p95", "p_not_by_horizon"}
    for v in d["vehicles"]:
        assert set(v) == {
            "name",
            "contracted",
            "satellites_per_launch",
            "flown_satellites",
            "delivered",
            "first_kuiper_flight",
        }
        for row in v["delivered"]:
            assert set(row) == {"milestone", "deadline", "p05", "p50", "p95"}
        first = v["first_kuiper_flight"]
        assert set(first) in ({"observed"}, {"p05", "p50", "p95", "p_by_horizon"})
    assert set(d["purchases"]) == {
        "mode",
        "vehicle",
        "decision_date",
        "goal_satellites",
        "goal_deadline",
        "projected_satellites",
        "shortfall_satellites",
        "launches_bought",
        "lead_median_days",
        "losses_re_flown",
    }


@pytest.mark.parametrize("as_of", [dt.date(2025, 7, 15), dt.date(2026, 1, 30), dt.date(2026, 9, 6)])
def test_quantiles_are_ordered_and_launches_never_go_backwards(store, as_of):
    f = forecast_deployment(store, as_of=_end_of_day(as_of), trials=3000, seed=3)
    for metric in METRICS:
        q = np.array([f.monthly[metric][k] for k in QUANTILE_KEYS])
        assert (np.diff(q, axis=0) >= 0).all(), metric  # p05 <= p25 <= ... <= p95
    launched = np.array([f.monthly["launched"][k] for k in QUANTILE_KEYS])
    assert (np.diff(launched, axis=1) >= 0).all()  # each quantile non-decreasing in time
    assert launched[:, 0].min() >= f.initial[0]
    p50 = {m: np.array(f.monthly[m]["p50"]) for m in METRICS}
    assert (p50["launched"] >= p50["in_orbit"]).all()
    assert (p50["in_orbit"] >= p50["on_station"]).all()
    for r in f.reach_date:
        dates = [r[k] for k in ("p05", "p50", "p95") if r[k] is not None]
        assert dates == sorted(dates)
        assert 0.0 <= r["p_not_by_horizon"] <= 1.0


# ---------------------------------------------------------------------------
# Validation: one line naming the file and the field


def _one_line(exc: ManifestError, path: Path, *needles: str) -> None:
    msg = str(exc)
    assert "\n" not in msg
    assert msg.startswith(str(path)), msg
    for n in needles:
        assert n in msg, msg


def _write_changed(tmp_path, resource, old: str, new: str) -> Path:
    text = resource.read_text()
    assert text.count(old) >= 1, old
    path = tmp_path / Path(str(resource)).name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    "old, new, needles",
    [
        ('known_utc = "2021-04-19"', 'known_utc = "2021-04-31"', ("known_utc", "2021-04-31")),
        (
            'source = "9 Atlas V launches announced 2021-04 (punto-informatico; '
            '1worldsolutions); day of month [inferred]"\n',
            "",
            ("contract 1", "source"),
        ),
        ("launches = 9\n", "launches = -9\n", ("launches", "-9")),
        ("gap_cv = 0.5\n", "gap_cv = -0.5\n", ("[model]", "gap_cv")),
        ('horizon_utc = "2036-01-01"', 'horizon_utc = "2036"', ("horizon_utc",)),
    ],
    ids=["bad date", "missing source", "negative launches", "negative model figure", "year only"],
)
def test_forecast_manifest_errors_name_the_file_and_field(tmp_path, old, new, needles):
    path = _write_changed(tmp_path, FORECAST_TOML, old, new)
    with pytest.raises(ManifestError) as exc:
        load_forecast_manifest(path)
    _one_line(exc.value, path, *needles)


@pytest.mark.parametrize(
    "old, new, needles",
    [
        (
            'launch_date_utc = "2025-04-28"',
            'launch_date_utc = "2025-13-28"',
            ("KA-01", "launch_date_utc"),
        ),
        (
            'source = "CelesTrak SATCAT (mirror: astrion-tech/celestrak-mirror '
            'satcat/satcat.csv @02a9f926)"\n',
            "",
            ("KA-01", "source"),
        ),
        ("satellites = 27\n", "satellites = -27\n", ("KA-01", "satellites", "-27")),
    ],
    ids=["bad date", "missing source", "negative satellites"],
)
def test_launch_log_errors_name_the_file_and_field(tmp_path, old, new, needles):
    path = _write_changed(tmp_path, LAUNCHES_TOML, old, new)
    with pytest.raises(ManifestError) as exc:
        load_launches(path)
    _one_line(exc.value, path, *needles)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


_NOT_A_DATE = st.one_of(
    st.text(max_size=12).filter(lambda s: not _is_date(s)).map(json.dumps),
    st.integers().map(str),
    st.sampled_from(["true", "1.5", "[]", "2026-01-01T00:00:00Z"]),
)
_NOT_A_COUNT = st.one_of(
    st.integers(max_value=-1).map(str),
    st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=6).map(json.dumps),
    st.sampled_from(["false", "[1]", "-inf"]),
)
_CORRUPTIONS = {
    "known_utc": _NOT_A_DATE,
    "date_utc": _NOT_A_DATE,
    "first_flight_utc": _NOT_A_DATE,
    "horizon_utc": _NOT_A_DATE,
    "launches": _NOT_A_COUNT,
    "flights": _NOT_A_COUNT,
    "failures": _NOT_A_COUNT,
    "launches_per_year": _NOT_A_COUNT,
    "satellites_per_year": _NOT_A_COUNT,
    "satellites_per_launch": _NOT_A_COUNT,
    "min_turnaround_days": _NOT_A_COUNT,
    "slip_cv": _NOT_A_COUNT,
    "source": st.sampled_from(['""', '"   "', "3", "false"]),
}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.sampled_from(sorted(_CORRUPTIONS)), which=st.integers(0, 40), data=st.data())
def test_any_corrupted_manifest_field_is_a_one_line_error(tmp_path, key, which, data):
    text = FORECAST_TOML.read_text()
    lines = [m for m in re.finditer(rf"^{key} = .*$", text, flags=re.M)]
    m = lines[which % len(lines)]
    bad = data.draw(_CORRUPTIONS[key])
    path = tmp_path / "corrupt.toml"
    path.write_text(text[: m.start()] + f"{key} = {bad}" + text[m.end() :])
    with pytest.raises(ManifestError) as exc:
        load_forecast_manifest(path)
    _one_line(exc.value, path)


@pytest.mark.parametrize("key, value", [("gap_cv", "nan"), ("launches_per_year", "inf")])
def test_nan_and_infinity_are_not_figures(tmp_path, key, value):
    text = FORECAST_TOML.read_text()
    path = tmp_path / "forecast.toml"
    path.write_text(re.sub(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M))
    with pytest.raises(ManifestError):
        load_forecast_manifest(path)


def test_a_blank_launch_source_is_an_error(tmp_path):
    path = _write_changed(
        tmp_path,
        LAUNCHES_TOML,
        'source = "CelesTrak SATCAT (mirror: astrion-tech/celestrak-mirror satcat/satcat.csv '
        '@02a9f926)"',
        'source = ""',
    )
    with pytest.raises(ManifestError):
        load_launches(path)


# ---------------------------------------------------------------------------
# The command line


def _assert_clean_failure(result, *needles: str) -> str:
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), f"uncaught {result.exception!r}"
    assert "Traceback" not in result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    assert result.stdout == ""
    return errors[0]


def test_cli_forecast_json_parses(seeded_db):
    args = ["forecast", "--db", str(seeded_db), "--as-of", "2026-01-30", "--json"]
    result = CliRunner().invoke(main, [*args, "--trials", "2000", "--seed", "9"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["as_of"].startswith("2026-01-30T23:59:59") and d["trials"] == 2000
    assert [m["target"] for m in d["milestones"]] == [m.target for m in default_milestones()]


def test_cli_target_without_deadline_is_a_clean_error(seeded_db):
    result = CliRunner().invoke(
        main, ["forecast", "--db", str(seeded_db), "--target", "500", "--trials", "10"]
    )
    _assert_clean_failure(result, "--deadline")


def test_cli_bad_manifest_is_a_clean_error(seeded_db, tmp_path):
    bad = _write_changed(tmp_path, FORECAST_TOML, "launches = 9\n", "launches = -9\n")
    result = CliRunner().invoke(
        main, ["forecast", "--db", str(seeded_db), "--manifest", str(bad), "--trials", "10"]
    )
    _assert_clean_failure(result, str(bad), "launches")
    not_toml = tmp_path / "not.toml"
    not_toml.write_text("schema_version = [\n")
    result = CliRunner().invoke(
        main, ["forecast", "--db", str(seeded_db), "--manifest", str(not_toml), "--trials", "10"]
    )
    _assert_clean_failure(result, str(not_toml), "TOML")


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_cli_plot_cadence_writes_the_picture(seeded_db, tmp_path, suffix):
    out = tmp_path / f"cadence{suffix}"
    args = ["plot", "cadence", "--db", str(seeded_db), "--as-of", "2026-01-30", "-o", str(out)]
    result = CliRunner().invoke(main, [*args, "--trials", "1000", "--metric", "on_station"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote {out}"
    head = out.read_bytes()[:200]
    assert head.startswith(PNG_MAGIC) if suffix == ".png" else b"<svg" in head


def test_cli_plot_cadence_bad_suffix_is_a_clean_error(seeded_db, tmp_path):
    args = ["plot", "cadence", "--db", str(seeded_db), "-o", str(tmp_path / "x.jpg")]
    result = CliRunner().invoke(main, [*args, "--trials", "10"])
    _assert_clean_failure(result, "x.jpg")


# ---------------------------------------------------------------------------
# Issue 10 (robustness review) findings on the forecast, one test each


@pytest.mark.parametrize(
    "old, new, needles",
    [
        (
            "lost_decay_min_days = 60.0\n",
            "lost_decay_min_days = 1000.0\n",
            ("[model]", "lost_decay_min_days", "greater than lost_decay_max_days"),
        ),
        ("plan_ratio_median_new = 0.3\n", "plan_ratio_median_new = 0\n", ("greater than 0",)),
        ('horizon_utc = "2036-01-01"', 'horizon_utc = "9999-01-01"', ("horizon_utc", "9999")),
        ("launches = 9\n", "launches = 100000000\n", ("contract", "100000000 launches")),
    ],
    ids=["W14 min > max", "W14 zero ratio", "T12 far horizon", "T12 huge launches"],
)
def test_w14_t12_manifest_cross_field_checks_name_file_key_and_reason(tmp_path, old, new, needles):
    path = _write_changed(tmp_path, FORECAST_TOML, old, new)
    with pytest.raises(ManifestError) as exc:
        load_forecast_manifest(path)
    _one_line(exc.value, path, *needles)


@pytest.mark.parametrize(
    "tail, needles",
    [("", ("no [[vehicle]] entries",)), ('vehicle = ["Atlas V"]\n', ("vehicle 1", "not a table"))],
    ids=["T12 no vehicles", "T12 vehicle not a table"],
)
def test_t12_no_vehicles_is_one_line(tmp_path, tail, needles):
    path = tmp_path / "forecast.toml"
    text = FORECAST_TOML.read_text()
    head = text[: text.index("[[vehicle]]")]  # a top-level key goes before the tables
    path.write_text(head.replace("schema_version = 1\n", "schema_version = 1\n" + tail, 1))
    with pytest.raises(ManifestError) as exc:
        load_forecast_manifest(path)
    _one_line(exc.value, path, *needles)


@pytest.mark.parametrize("as_of", ["2036-01-01", "2040-06-30", "9999-12-31"])
def test_t1_as_of_at_or_after_the_horizon_is_refused(seeded_db, as_of):
    args = ["forecast", "--db", str(seeded_db), "--as-of", as_of, "--trials", "10"]
    result = CliRunner().invoke(main, args)
    _assert_clean_failure(result, "horizon", "2036-01-01")


def test_t12_a_past_horizon_is_refused(seeded_db, tmp_path):
    path = _write_changed(
        tmp_path, FORECAST_TOML, 'horizon_utc = "2036-01-01"', 'horizon_utc = "2020-01-01"'
    )
    args = ["forecast", "--db", str(seeded_db), "--manifest", str(path), "--trials", "10"]
    _assert_clean_failure(CliRunner().invoke(main, args), "horizon", "2020-01-01")


@pytest.mark.parametrize("target", ["9223372036854775808", "1000001"])
def test_t6_a_huge_target_is_refused(seeded_db, target):
    args = ["forecast", "--db", str(seeded_db), "--target", target, "--deadline", "2030-01-01"]
    _assert_clean_failure(CliRunner().invoke(main, [*args, "--trials", "10"]), "target")


@pytest.mark.parametrize(
    "command",
    [["forecast"], ["backtest", "--origin", "2026-01-30"], ["plot", "cadence", "-o", "x.png"]],
)
def test_t7_r5_trials_beyond_memory_are_refused_naming_the_estimate(seeded_db, command):
    args = [*command, "--db", str(seeded_db), "--trials", str(10**12)]
    with CliRunner().isolated_filesystem():
        _assert_clean_failure(CliRunner().invoke(main, args), "GiB", "trials")


def test_w3_a_deadline_past_the_horizon_is_labelled_a_lower_bound(seeded_db):
    args = ["forecast", "--db", str(seeded_db), "--target", "1616", "--json", "--trials", "500"]
    far, near = (
        json.loads(CliRunner().invoke(main, [*args, "--deadline", d]).stdout)["milestones"][0]
        for d in ("2090-01-01", "2035-12-31")
    )
    assert far["lower_bound"] is True and near["lower_bound"] is False
    text = CliRunner().invoke(main, [*args[:-3], "--trials", "500", "--deadline", "2090-01-01"])
    assert "(by the horizon" in text.stdout


def test_w9_backtest_origins_before_the_first_launch_are_refused(seeded_db):
    args = ["backtest", "--db", str(seeded_db), "--origin", "1990-01-01", "--trials", "10"]
    _assert_clean_failure(CliRunner().invoke(main, args), "1990-01-01", "first launch")
