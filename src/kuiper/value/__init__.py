"""Kuiper / Amazon Leo value: a Monte Carlo real-options valuation and an Amazon SOTP.

``from kuiper.value import value_kuiper`` and ``from kuiper.value.sotp import sotp`` are
the public entry points. Modules, one concept each: ``config`` (the sourced assumptions),
``demand`` (segments, Bass adoption, uncertain parameters), ``costs`` (capex, retirement,
exit, regulation), ``capacity`` (the adapter to the coverage and ground models),
``decisions`` (LSM and threshold rules), ``scenarios`` (the bear/base/bull DCF and
comparables), ``prepare`` (grid, deployment table, draws), ``model`` (paths and the
kernel run), ``result`` (the output),
``sensitivity`` (the tornado), ``_kernels`` (numba), ``sotp`` and ``sotp_inputs``.
"""

from .config import Assumption, ValuationConfig, load_valuation_config
from .model import value_kuiper
from .result import Valuation
from .sensitivity import render_tornado, tornado
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
