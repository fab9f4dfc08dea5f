"""Compatibility name: the valuation now lives in :mod:`kuiper.value`."""

from .value import (  # noqa: F401
    Assumption,
    Valuation,
    ValuationConfig,
    load_valuation_config,
    render_tornado,
    tornado,
    value_kuiper,
)
