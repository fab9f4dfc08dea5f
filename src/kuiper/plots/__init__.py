"""Every picture kuiper draws. The only package that imports matplotlib.

Each function takes ``ax=None`` (a new figure when None) and returns the Axes;
:func:`save` writes PNG or SVG through the Agg backend. One module per domain.
"""

from __future__ import annotations

from ._base import save
from .coverage import plot_coverage, plot_coverage_timeline
from .forecast import plot_backtest, plot_cadence
from .reference import plot_reference_backtest
from .report import (
    add_coastlines,
    plot_capacity_by_region,
    plot_coverage_growth,
    plot_coverage_map,
    plot_coverage_overview,
    plot_ground_scenarios,
    plot_latitude_bands,
    plot_raising_durations,
    plot_scenario_cash_flows,
    plot_value_distribution,
)
from .tracker import plot_altitude, plot_shells
from .value import plot_tornado
from .vehicles import plot_vehicles

__all__ = [
    "plot_shells",
    "plot_altitude",
    "plot_cadence",
    "plot_vehicles",
    "plot_backtest",
    "plot_reference_backtest",
    "plot_tornado",
    "plot_coverage",
    "plot_coverage_timeline",
    "save",
    "add_coastlines",
    "plot_capacity_by_region",
    "plot_coverage_map",
    "plot_coverage_overview",
    "plot_latitude_bands",
    "plot_coverage_growth",
    "plot_raising_durations",
    "plot_scenario_cash_flows",
    "plot_ground_scenarios",
    "plot_value_distribution",
]
