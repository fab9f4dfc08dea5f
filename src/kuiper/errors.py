"""One exception family for everything a user can get wrong.

Every error carries enough context to print as a single line that names the
file, the line (or row) and the reason, e.g.::

    kuiper_2025-07-15.tle:4: line 2 checksum is 3, expected 7
"""

from __future__ import annotations


class KuiperError(Exception):
    """Base class of every error kuiper raises on purpose."""


class ElementsError(KuiperError):
    """A TLE or OMM record that cannot be trusted.

    Parameters
    ----------
    reason : str
        What is wrong, in words.
    path : str, optional
        The file the record came from.
    line : int, optional
        1-based line number (TLE) or row number counting the header as row 1
        (OMM CSV) or the 1-based record index (OMM JSON).
    """

    def __init__(self, reason: str, path: str | None = None, line: int | None = None):
        self.reason = reason
        self.path = path
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.reason}"


class StoreError(KuiperError):
    """The history store is missing, empty, locked or from a newer schema."""


class ManifestError(KuiperError):
    """A launch log, design or assumption file failed validation."""


class DateError(KuiperError):
    """A date or time that cannot be parsed, or is impossible."""
