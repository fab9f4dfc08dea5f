"""Ground points: the equal-area grid and latitude rings."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..errors import KuiperError

__all__ = [
    "DEFAULT_GRID_DEG",
    "DEFAULT_BAND_DEG",
    "GroundPoints",
    "equal_area_grid",
    "latitude_ring",
    "equal_area_cell",
]

DEFAULT_GRID_DEG = 1.0
DEFAULT_BAND_DEG = 10.0
_DEG = math.pi / 180.0


@dataclasses.dataclass
class GroundPoints:
    """Ground points with weights that sum to one.

    Attributes
    ----------
    lat_deg, lon_deg : ndarray (n_point,)
        WGS84 geodetic latitude and longitude, degrees.
    alt_km : ndarray (n_point,)
        Height above the ellipsoid, km.
    weight : ndarray (n_point,)
        Area (grid) or population (cities) share; sums to 1.
    name : ndarray of str (n_point,), optional
        City names.
    population : ndarray (n_point,), optional
        City populations.
    """

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_km: np.ndarray
    weight: np.ndarray
    name: np.ndarray | None = None
    population: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.lat_deg.shape[0])


def equal_area_grid(grid_deg: float = DEFAULT_GRID_DEG) -> GroundPoints:
    """An equal-area grid: latitude rows of equal width, longitude spacing ~ 1 / cos(lat).

    Parameters
    ----------
    grid_deg : float
        Nominal spacing, degrees: rows are ``180 / round(180 / grid_deg)`` degrees
        wide and each row holds ``round(360 cos(lat) / row width)`` (at least one)
        evenly spaced points, offset half a spacing from the antimeridian.

    Returns
    -------
    GroundPoints
        Points at height 0, each weighted by its share of the row's exact area
        (``(sin(lat_top) - sin(lat_bottom)) / 2 / n_in_row``), so the weights sum
        to 1 and are equal to within the rounding of the row counts.
    """
    if not 0.01 <= grid_deg <= 30.0:
        raise KuiperError(f"grid spacing must be within 0.01-30 degrees, got {grid_deg}")
    n_row = max(1, round(180.0 / grid_deg))
    width = 180.0 / n_row
    lats, lons, weights = [], [], []
    for i in range(n_row):
        lo = -90.0 + i * width
        hi = lo + width
        mid = lo + 0.5 * width
        n_lon = max(1, round(360.0 * math.cos(mid * _DEG) / width))
        lon = -180.0 + (np.arange(n_lon) + 0.5) * (360.0 / n_lon)
        lats.append(np.full(n_lon, mid))
        lons.append(lon)
        area = 0.5 * (math.sin(hi * _DEG) - math.sin(lo * _DEG))
        weights.append(np.full(n_lon, area / n_lon))
    lat = np.concatenate(lats)
    return GroundPoints(
        lat_deg=lat,
        lon_deg=np.concatenate(lons),
        alt_km=np.zeros_like(lat),
        weight=np.concatenate(weights),
    )


def latitude_ring(lat_deg: float, n_lon: int = 360) -> GroundPoints:
    """``n_lon`` equally weighted points evenly spaced in longitude at one latitude (height 0)."""
    if not -90.0 <= lat_deg <= 90.0:
        raise KuiperError(f"latitude must be within -90-90 degrees, got {lat_deg}")
    lon = -180.0 + (np.arange(n_lon) + 0.5) * (360.0 / n_lon)
    return GroundPoints(
        lat_deg=np.full(n_lon, float(lat_deg)),
        lon_deg=lon,
        alt_km=np.zeros(n_lon),
        weight=np.full(n_lon, 1.0 / n_lon),
    )


def equal_area_cell(grid_deg: float, lat_deg, lon_deg) -> np.ndarray:
    """Index into :func:`equal_area_grid` ``(grid_deg)`` of the cell holding each point."""
    n_row = max(1, round(180.0 / grid_deg))
    width = 180.0 / n_row
    mid = -90.0 + (np.arange(n_row) + 0.5) * width
    n_lon = np.maximum(1, np.round(360.0 * np.cos(np.radians(mid)) / width)).astype(np.int64)
    start = np.r_[0, np.cumsum(n_lon)[:-1]]
    lat = np.asarray(lat_deg, dtype=np.float64)
    lon = (np.asarray(lon_deg, dtype=np.float64) + 180.0) % 360.0
    row = np.clip(np.floor((lat + 90.0) / width).astype(np.int64), 0, n_row - 1)
    col = np.minimum(np.floor(lon / (360.0 / n_lon[row])).astype(np.int64), n_lon[row] - 1)
    return start[row] + col
