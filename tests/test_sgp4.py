"""kuiper.sgp4 against outside authorities.

1. Vallado's verification set shipped inside python-sgp4 (SGP4-VER.TLE and
   tcppver.out, Vallado et al. 2006, AIAA 2006-6753), to python-sgp4's own
   tolerance of 2e-7 km and km/s.
2. Differential: ``sgp4.api.SatrecArray`` on every shipped Kuiper snapshot and
   on a full active catalog (deep-space GPS/GEO records included), within
   ``ONE_MM_KM`` and with equal error codes.
3. Naive oracle: the pure-Python ``sgp4.model.Satrec`` for the initialization
   constants that the compiled Satrec does not expose.
"""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec, SatrecArray

from kuiper.elements import read_elements
from kuiper.sgp4 import ONE_MM_KM, Propagator, _near_earth_constants, propagate
from kuiper.snapshots import shipped_tle_dir

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
KUIPER_SNAPSHOTS = sorted((shipped_tle_dir() / "celestrak-kuiper").glob("*.tle"))
ACTIVE_CATALOG = SHARED_DATA / "catalogs" / "active_gp_2026-08-18.csv.gz"

# python-sgp4's tolerance on tcppver.out (sgp4/tests.py: ``error = 2e-7``), km and km/s.
VALLADO_TOL = 2e-7
# Velocity gate that goes with ONE_MM_KM: a millimetre per second is 1e-6 km/s;
# we hold velocities a thousand times tighter.
ONE_UM_S_KM_S = 1e-9
# Agreement after extrapolating six years from epoch (rounding growth), km.
SIX_YEARS_FROM_EPOCH_KM = 1e-5
# Errors python-sgp4's tests expect from the verification set, in file order
# (sgp4/tests.py, test_satrec_against_tcppver_using_julian_dates).
VALLADO_ERRORS = [1, 1, 6, 6, 4, 3, 6]


# ---------------------------------------------------------------------------
# Vallado's verification set


def _vallado_cases():
    """(satrec, tsince_min grid) per record of SGP4-VER.TLE.

    Each line 2 carries start, stop and step in minutes after column 69; the
    grid is 0, then start..stop by step (skipping a repeated 0), then stop if
    the steps missed it, as Vallado's testcpp.cpp prints it.
    """
    lines = pkgutil.get_data("sgp4", "SGP4-VER.TLE").decode("ascii").splitlines()
    cases = []
    for k, line1 in enumerate(lines):
        if not line1.startswith("1 "):
            continue
        line2 = lines[k + 1]
        satrec = Satrec.twoline2rv(line1, line2[:69], WGS72)
        start_min, stop_min, step_min = (float(x) for x in line2[69:].split())
        grid = [0.0]
        t = start_min
        while t <= stop_min:
            if not (t == start_min == 0.0):
                grid.append(t)
            t += step_min
        if t - stop_min < step_min - 1e-6:
            grid.append(stop_min)
        cases.append((satrec, np.array(grid)))
    return cases


def _tcppver_blocks():
    """[(satnum, array (n_line, 7) of tsince_min, r_km, v_km_s)] from tcppver.out, in order."""
    text = pkgutil.get_data("sgp4", "tcppver.out").decode("ascii").replace("\r", "")
    blocks: list[tuple[int, list]] = []
    for line in text.splitlines():
        if "xx" in line:
            blocks.append((int(line.split()[0]), []))
        elif line.strip():
            blocks[-1][1].append([float(x) for x in line.split()[:7]])
    return [(satnum, np.array(rows)) for satnum, rows in blocks]


def _grid_dates(satrec, tsince_min):
    jd = np.full(tsince_min.shape, satrec.jdsatepoch)
    fr = satrec.jdsatepochF + tsince_min / 1440.0
    return jd, fr


def test_vallado_verification_set():
    cases = _vallado_cases()
    blocks = _tcppver_blocks()
    assert len(cases) == len(blocks) == 33
    first_errors = []
    n_compared = 0
    for (satrec, tsince_min), (satnum, expected) in zip(cases, blocks, strict=True):
        assert satnum == satrec.satnum
        jd, fr = _grid_dates(satrec, tsince_min)
        e, r, v = Propagator([satrec]).propagate(jd, fr)
        e_ref, r_ref, v_ref = SatrecArray([satrec]).sgp4(jd, fr)
        np.testing.assert_array_equal(e, e_ref, err_msg=f"satellite {satrec.satnum}")
        bad = np.flatnonzero(e[0])
        if bad.size:
            first_errors.append(int(e[0, bad[0]]))
        if e[0, 0] != 0:
            # tcppver.out repeats the previous satellite's line for a record
            # that fails at epoch; there is nothing of its own to compare.
            assert len(expected) == 1
            continue
        n_good = bad[0] if bad.size else len(tsince_min)
        assert len(expected) == n_good, f"satellite {satrec.satnum}"
        np.testing.assert_allclose(expected[:, 0], tsince_min[:n_good], atol=1e-6)
        np.testing.assert_allclose(r[0, :n_good], expected[:, 1:4], rtol=0, atol=VALLADO_TOL)
        np.testing.assert_allclose(v[0, :n_good], expected[:, 4:7], rtol=0, atol=VALLADO_TOL)
        n_compared += n_good
    assert first_errors == VALLADO_ERRORS
    assert n_compared > 500
    assert sum(s.method == "d" for s, _ in cases) == 24  # most of the set exercises SDP4


def test_vallado_set_in_one_call_matches_satrecarray():
    """All 33 records in one call on one grid: near-Earth and deep-space rows side by side.

    The grid is the first record's epoch (2000), up to six years from the
    others' epochs, so rounding grows with n * tsince (about 2e5 rad of mean
    anomaly, ulp 3e-11 rad) and with 4,000 resonance steps: hence a centimetre.
    """
    satrecs = [s for s, _ in _vallado_cases()]
    jd = np.full(50, satrecs[0].jdsatepoch)
    fr = np.linspace(-2.0, 2.0, 50) + satrecs[0].jdsatepochF
    e, r, v = propagate(satrecs, jd, fr)
    e_ref, r_ref, v_ref = SatrecArray(satrecs).sgp4(jd, fr)
    np.testing.assert_array_equal(e, e_ref)
    np.testing.assert_array_equal(np.isnan(r), np.isnan(r_ref))
    ok = ~np.isnan(r_ref)
    assert np.max(np.abs(r[ok] - r_ref[ok]), initial=0.0) <= SIX_YEARS_FROM_EPOCH_KM


def test_near_earth_constants_match_python_sgp4init():
    """Derived sgp4init coefficients equal python-sgp4's pure-Python Satrec (naive oracle)."""
    from sgp4.model import Satrec as PySatrec

    lines = pkgutil.get_data("sgp4", "SGP4-VER.TLE").decode("ascii").splitlines()
    pairs = [
        (lines[k], lines[k + 1][:69]) for k in range(len(lines) - 1) if lines[k].startswith("1 ")
    ]
    fast = [Satrec.twoline2rv(a, b, WGS72) for a, b in pairs]
    slow = [PySatrec.twoline2rv(a, b, WGS72) for a, b in pairs]
    near = [k for k, s in enumerate(fast) if s.method == "n"]
    assert len(near) == 9
    table = _near_earth_constants([fast[k] for k in near])
    names = ["no_unkozai", "cc1", "cc4", "eta", "delmo", "sinmao", "nodecf", "t2cof"]
    names += ["aycof", "xlcof", "con41", "x1mth2", "x7thm1"]
    full_names = ["cc5", "omgcof", "xmcof", "d2", "d3", "d4", "t3cof", "t4cof", "t5cof"]
    for j, k in enumerate(near):
        for name in names + (full_names if not slow[k].isimp else []):
            ref = getattr(slow[k], name)
            assert table[name][j] == pytest.approx(ref, rel=1e-13, abs=1e-300), (
                f"satellite {slow[k].satnum}: {name}"
            )
        assert bool(table["isimp"][j]) == bool(slow[k].isimp)


# ---------------------------------------------------------------------------
# Differential tests on real snapshots


def _plus_minus_three_days(satrecs, n_time=73):
    """73 epochs over +-3 days around the median element epoch (split UTC Julian dates)."""
    epochs = np.array([s.jdsatepoch + s.jdsatepochF for s in satrecs])
    jd0 = np.floor(np.median(epochs)) + 0.5
    fr = (np.median(epochs) - jd0) + np.linspace(-3.0, 3.0, n_time)
    return np.full(n_time, jd0), fr


def _assert_matches_satrecarray(satrecs, jd, fr):
    e, r, v = Propagator(satrecs).propagate(jd, fr)
    e_ref, r_ref, v_ref = SatrecArray(satrecs).sgp4(jd, fr)
    np.testing.assert_array_equal(e, e_ref)
    np.testing.assert_array_equal(np.isnan(r), np.isnan(r_ref))
    np.testing.assert_array_equal(np.isnan(v), np.isnan(v_ref))
    ok = ~np.isnan(r_ref)
    dr_km = np.max(np.abs(r[ok] - r_ref[ok]), initial=0.0)
    dv_km_s = np.max(np.abs(v[ok] - v_ref[ok]), initial=0.0)
    assert dr_km <= ONE_MM_KM, dr_km
    assert dv_km_s <= ONE_UM_S_KM_S, dv_km_s
    return e, r, v


@pytest.mark.parametrize("path", KUIPER_SNAPSHOTS, ids=lambda p: p.name)
def test_kuiper_snapshots_match_satrecarray(path):
    satrecs = read_elements(path).elements.to_satrecs()
    assert satrecs
    jd, fr = _plus_minus_three_days(satrecs)
    _assert_matches_satrecarray(satrecs, jd, fr)


@pytest.fixture(scope="module")
def active_catalog_satrecs():
    if not ACTIVE_CATALOG.exists():
        pytest.skip(f"{ACTIVE_CATALOG} is absent (../shared/data is not checked out)")
    return read_elements(ACTIVE_CATALOG).elements.to_satrecs()


def test_full_active_catalog_matches_satrecarray(active_catalog_satrecs):
    satrecs = active_catalog_satrecs
    assert len(satrecs) > 10_000
    jd, fr = _plus_minus_three_days(satrecs)
    e, r, v = _assert_matches_satrecarray(satrecs, jd, fr)
    assert (e == 0).mean() > 0.99


def test_deep_space_gps_geo_molniya_match_satrecarray(active_catalog_satrecs):
    """GPS (12 h resonance), GEO (1-day resonance) and HEO records are never silently wrong."""
    deep = [s for s in active_catalog_satrecs if s.method == "d"]
    period_min = np.array([2 * np.pi / s.no_kozai for s in deep])
    gps = [s for s, p in zip(deep, period_min, strict=True) if 700 < p < 740]
    geo = [s for s, p in zip(deep, period_min, strict=True) if 1400 < p < 1480]
    other = [s for s, p in zip(deep, period_min, strict=True) if not 700 < p < 1480]
    assert len(gps) > 20 and len(geo) > 100 and len(other) > 10
    for group in (gps, geo, other):
        jd, fr = _plus_minus_three_days(group)
        e, r, v = _assert_matches_satrecarray(group, jd, fr)
        assert (e == 0).all()


def test_deep_space_reference_routing_is_bit_exact(active_catalog_satrecs):
    deep = [s for s in active_catalog_satrecs if s.method == "d"][:40]
    jd, fr = _plus_minus_three_days(deep, n_time=9)
    e, r, v = Propagator(deep, deep_space="reference").propagate(jd, fr)
    e_ref, r_ref, v_ref = SatrecArray(deep).sgp4(jd, fr)
    np.testing.assert_array_equal(e, e_ref)
    np.testing.assert_array_equal(r, r_ref)
    np.testing.assert_array_equal(v, v_ref)
    with pytest.raises(ValueError, match="deep_space"):
        Propagator(deep, deep_space="fortran")


# ---------------------------------------------------------------------------
# The API


@pytest.fixture(scope="module")
def newest_kuiper_satrecs():
    return read_elements(KUIPER_SNAPSHOTS[-1]).elements.to_satrecs()


@pytest.mark.parametrize("n_sat", [1, 15, 16, 17, 33])
def test_partial_blocks(newest_kuiper_satrecs, n_sat):
    """Satellite counts that are not a whole number of kernel blocks."""
    satrecs = newest_kuiper_satrecs[:n_sat]
    jd, fr = _plus_minus_three_days(satrecs, n_time=11)
    _assert_matches_satrecarray(satrecs, jd, fr)


@pytest.mark.parametrize("n_time", [0, 1, 7, 8, 9, 17])
def test_time_counts(newest_kuiper_satrecs, n_time):
    """Time counts around the kernel's output chunk of 8 steps."""
    satrecs = newest_kuiper_satrecs[:20]
    jd, fr = _plus_minus_three_days(satrecs, n_time=n_time)
    e, r, v = propagate(satrecs, jd, fr)
    assert e.shape == (20, n_time) and r.shape == v.shape == (20, n_time, 3)
    if n_time:
        _assert_matches_satrecarray(satrecs, jd, fr)


def test_reuse_with_out_arrays(newest_kuiper_satrecs):
    prop = Propagator(newest_kuiper_satrecs)
    jd, fr = _plus_minus_three_days(newest_kuiper_satrecs, n_time=24)
    shape = (prop.n_sat, 24)
    out = (np.empty(shape, np.uint8), np.empty(shape + (3,)), np.empty(shape + (3,)))
    e, r, v = prop.propagate(jd, fr, out=out)
    assert e is out[0] and r is out[1] and v is out[2]
    e2, r2, v2 = prop.propagate(jd, fr)
    np.testing.assert_array_equal(r, r2)
    np.testing.assert_array_equal(v, v2)
    with pytest.raises(ValueError, match="r_teme_km"):
        prop.propagate(jd, fr, out=(out[0], np.empty((1, 24, 3)), out[2]))
    with pytest.raises(ValueError, match="differ in shape"):
        prop.propagate(jd, fr[:-1])


def test_mixed_near_and_deep_rows_land_in_place(newest_kuiper_satrecs, active_catalog_satrecs):
    deep = [s for s in active_catalog_satrecs if s.method == "d"][:5]
    mixed = [deep[0], *newest_kuiper_satrecs[:3], deep[1], newest_kuiper_satrecs[3], *deep[2:]]
    jd, fr = _plus_minus_three_days(mixed, n_time=9)
    _assert_matches_satrecarray(mixed, jd, fr)


def test_import_does_not_load_numba():
    code = "import sys, kuiper.sgp4; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(os.environ.get("KUIPER_NUMBA_CACHE") == "0", reason="numba cache disabled")
def test_second_process_loads_kernel_from_cache(newest_kuiper_satrecs):
    """A fresh process finds the compiled kernel in numba's cache and does not recompile."""
    Propagator(newest_kuiper_satrecs[:2]).propagate(np.array([2461000.5]), np.array([0.0]))
    code = (
        "import numpy as np\n"
        "from sgp4.api import Satrec\n"
        "from kuiper import sgp4\n"
        f"s = Satrec.twoline2rv({_ISS[0]!r}, {_ISS[1]!r})\n"
        "sgp4.propagate([s], np.array([2459000.5]), np.array([0.0]))\n"
        "from kuiper import _sgp4_kernels as K\n"
        "st = K.sgp4_near_earth.stats\n"
        "hits = st.cache_hits.most_common(1)[0][1] if st.cache_hits else 0\n"
        "print(hits, sum(st.cache_misses.values()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    hits, misses = (int(x) for x in out.stdout.split())
    assert hits == 1 and misses == 0, out.stdout + out.stderr


def test_sincos_kernel_is_accurate():
    from kuiper import _sgp4_kernels as K

    rng = np.random.default_rng(20060821)
    x = np.concatenate([rng.uniform(-1e4, 1e4, 2000), rng.uniform(-10, 10, 2000), [0.0, -0.0]])
    got = np.array([K.sincos(v) for v in x])
    # 4 ulp of 1; the kernel is nearer 1 ulp
    np.testing.assert_allclose(got[:, 0], np.sin(x), rtol=0, atol=1e-15)
    np.testing.assert_allclose(got[:, 1], np.cos(x), rtol=0, atol=1e-15)


# ISS (ZARYA), as printed in python-sgp4's README.
_ISS = (
    "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991",
    "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482",
)
