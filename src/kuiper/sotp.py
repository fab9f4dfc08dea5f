"""Compatibility name: the sum of the parts now lives in :mod:`kuiper.value.sotp`."""

from .value.sotp import (  # noqa: F401
    SotpConfig,
    SotpResult,
    load_kuiper_json,
    load_sotp_config,
    sotp,
)
