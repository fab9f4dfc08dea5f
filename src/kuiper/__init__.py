"""kuiper: track, propagate and forecast Amazon's Kuiper (Amazon Leo) constellation."""

__version__ = "0.1.0"
