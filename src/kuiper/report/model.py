"""What a report is made of: its settings, sections, tables and figures, and the shared context.

A section is filled by one function over library calls (see :mod:`kuiper.report.build`);
the context computes what several sections share (the forecast, the valuation) once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt


@dataclasses.dataclass(frozen=True)
class ReportSettings:
    """Monte Carlo sizes and windows of each section (defaults fit ~2 minutes on 2 cores).

    Attributes
    ----------
    trials : int
        Deployment-forecast trials (the fan chart, milestones, reach dates, and the
        forecast the valuation runs on).
    seed : int
        Seed of every random draw; the same seed gives the same report.
    backtest_trials : int
        Trials per backtest origin (the library's default origins: every shipped
        snapshot date with a month end of data after it).
    value_trials, tornado_trials : int
        Valuation trials, and trials per tornado run (two runs per assumption).
    tornado_parameters : tuple of str, optional
        Assumptions the tornado swings; None swings all of them (about 43 in
        valuation.toml, some 4 minutes on 2 cores: each run refits the exercise rules).
        The default six are the largest levers the valuation's own full tornado finds
        (README, ``kuiper plot tornado``).
    coverage_grid_deg, coverage_step_s, coverage_duration_s : float
        The coverage map's equal-area grid spacing (deg), time step (s) and window (s).
    curve_grid_deg, curve_step_s : float
        The same for the coverage-against-satellites curve (one run per count).
    ground_cities : int
        Largest cities in the ground model.
    ground_step_s, ground_duration_s : float
        Time step and window of the ground model, seconds.
    """

    trials: int = 20_000
    seed: int = 2026
    backtest_trials: int = 2_000
    value_trials: int = 4_000
    tornado_trials: int = 1_000
    tornado_parameters: tuple[str, ...] | None = (
        "subscribers_per_satellite",
        "discount_rate",
        "enterprise_arpu_usd_month",
        "fixed_opex_usd_year",
        "consumer_arpu_usd_month",
        "waiver_probability_at_precedent",
    )
    coverage_grid_deg: float = 1.0
    coverage_step_s: float = 60.0
    coverage_duration_s: float = 21_600.0
    curve_grid_deg: float = 3.0
    curve_step_s: float = 120.0
    ground_cities: int = 20
    ground_step_s: float = 120.0
    ground_duration_s: float = 21_600.0

    def replace(self, **changes) -> ReportSettings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Table:
    """A table of a section: column headers carry their units; cells are text or numbers."""

    caption: str
    columns: list[str]
    rows: list[list]
    note: str = ""


@dataclasses.dataclass
class Figure:
    """An inline SVG figure (markup without the XML prologue) and its caption."""

    caption: str
    svg: str


@dataclasses.dataclass
class Section:
    """One section of the report, filled by a section function or marked failed."""

    key: str
    title: str
    command: str = ""
    reading: list[str] = dataclasses.field(default_factory=list)
    tables: list[Table] = dataclasses.field(default_factory=list)
    figures: list[Figure] = dataclasses.field(default_factory=list)
    sources: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    facts: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    data: dict = dataclasses.field(default_factory=dict)
    missing: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None
    elapsed_s: float = 0.0

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "command": self.command,
            "reading": self.reading,
            "error": self.error,
            "elapsed_s": round(self.elapsed_s, 2),
            "data": self.data,
        }


@dataclasses.dataclass
class Report:
    """The whole report: settings, dates, and the sections in order."""

    as_of: dt.datetime
    generated_utc: dt.datetime
    data_through: dt.datetime | None
    settings: ReportSettings
    sections: list[Section]
    sources: list = dataclasses.field(default_factory=list)
    data_age_days: float | None = None

    @property
    def n_failed(self) -> int:
        return sum(s.error is not None for s in self.sections)

    def to_dict(self) -> dict:
        """The data behind the report: each section's library results as the commands print them."""
        return {
            "as_of": _iso(self.as_of),
            "generated_utc": _iso(self.generated_utc),
            "data_through": _iso(self.data_through) if self.data_through else None,
            "data_age_days": self.data_age_days,
            "settings": self.settings.to_dict(),
            "sections": {s.key: s.to_dict() for s in self.sections},
        }


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


class Context:
    """What the section functions share: the store, the date, the settings, and a cache.

    ``shared(name, make)`` computes ``make()`` once; a failure is remembered and raised
    again for every section that needs it, so a failed forecast is not run twice.
    """

    def __init__(
        self, store, as_of: dt.datetime, settings: ReportSettings, generated_utc: dt.datetime
    ):
        self.store = store
        self.as_of = as_of
        self.settings = settings
        self.generated_utc = generated_utc
        self._cache: dict = {}

    @property
    def as_of_text(self) -> str:
        return f"{self.as_of:%Y-%m-%d}"

    def shared(self, name: str, make):
        if name not in self._cache:
            try:
                self._cache[name] = (True, make())
            except Exception as exc:  # noqa: BLE001 - remembered and re-raised per section
                self._cache[name] = (False, exc)
        ok, value = self._cache[name]
        if not ok:
            raise value
        return value

    def forecast(self):
        """The deployment forecast as of the report date (default FCC milestones)."""
        from ..forecast import forecast_deployment

        return self.shared(
            "forecast",
            lambda: forecast_deployment(
                self.store, as_of=self.as_of, trials=self.settings.trials, seed=self.settings.seed
            ),
        )

    def valuation(self):
        """Kuiper's valuation on the shared forecast."""
        from ..value import value_kuiper

        return self.shared(
            "valuation",
            lambda: value_kuiper(
                forecast=self.forecast(),
                trials=self.settings.value_trials,
                seed=self.settings.seed,
            ),
        )
