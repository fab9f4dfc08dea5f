"""Kuiper / Amazon Leo value: a Monte Carlo real-options valuation and an Amazon SOTP.

``from kuiper.value import value_kuiper`` and ``from kuiper.value.sotp import sotp`` are
the public entry points; the modules
are ``config`` (the sourced assumptions), ``model`` (the Monte Carlo and the result),
``_kernels`` (numba) and ``sotp`` (the sum of the parts).
"""

from .config import Assumption, ValuationConfig, load_valuation_config
from .model import Valuation, render_tornado, tornado, value_kuiper
from .sotp import SotpConfig, SotpResult, load_kuiper_json, load_sotp_config

__all__ = [
    "Assumption",
    "ValuationConfig",
    "load_valuation_config",
    "Valuation",
    "value_kuiper",
    "tornado",
    "render_tornado",
    "SotpConfig",
    "SotpResult",
    "load_kuiper_json",
    "load_sotp_config",
]
