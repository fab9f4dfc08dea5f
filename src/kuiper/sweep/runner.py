"""One sweep run: the command itself, invoked in-process with ``--json``.

A run is ``kuiper KIND ARGV --json`` without a new interpreter: the click command
parses the arguments, makes its one library call and prints its JSON, which is
captured and parsed. So a run is the command's code path exactly, options,
defaults and validation included, and follows the command as it changes.

Output is captured per thread, so a worker with several threads can run several
runs at once: while any run is active, ``sys.stdout`` and ``sys.stderr`` are
routers that send each thread's writes to its own buffer (a run's progress bars
are discarded) and everyone else's to the real streams.
"""

from __future__ import annotations

import io
import json
import sys
import threading
import time

_LOCK = threading.Lock()
_ACTIVE = {"count": 0, "saved": None}


class _Router(io.TextIOBase):
    """A text stream that writes to the current thread's sink, else to the real stream."""

    def __init__(self, real):
        self._real = real
        self._local = threading.local()

    def _target(self):
        return getattr(self._local, "sink", None) or self._real

    def write(self, text):
        return self._target().write(text)

    def flush(self):
        self._target().flush()

    def isatty(self):
        return self._target().isatty()

    @property
    def closed(self):
        # What a library that keeps a reference (colorama, set up by numba's import
        # inside a run) checks before it writes at exit.
        return self._target().closed

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "strict"


class _Captured:
    """Route this thread's stdout and stderr into buffers for the duration."""

    def __enter__(self):
        with _LOCK:
            if _ACTIVE["count"] == 0:
                _ACTIVE["saved"] = (sys.stdout, sys.stderr)
                sys.stdout, sys.stderr = _Router(sys.stdout), _Router(sys.stderr)
            _ACTIVE["count"] += 1
            self.routers = (sys.stdout, sys.stderr)
        self.out, self.err = io.StringIO(), io.StringIO()
        self.routers[0]._local.sink = self.out
        self.routers[1]._local.sink = self.err
        return self

    def __exit__(self, *exc):
        self.routers[0]._local.sink = None
        self.routers[1]._local.sink = None
        with _LOCK:
            _ACTIVE["count"] -= 1
            if _ACTIVE["count"] == 0:
                sys.stdout, sys.stderr = _ACTIVE["saved"]
        return False


def run_one(kind: str, argv: list[str], version: str) -> dict:
    """Run ``kuiper KIND ARGV`` (ARGV ends in ``--json``) and return its parsed result.

    Never raises: returns ``{"result": dict, "seconds": float}`` or
    ``{"error": "one line", "seconds": float}``. ``version`` is the client's
    kuiper version; a worker with another version refuses the run.
    """
    import click

    from .. import __version__
    from ..cli import main

    start = time.perf_counter()
    if version != __version__:
        return _failed(f"worker runs kuiper {__version__}, the sweep {version}", start)
    command = main.commands[kind]
    with _Captured() as cap:
        try:
            with command.make_context(f"kuiper {kind}", list(argv)) as ctx:
                command.invoke(ctx)
        except click.ClickException as exc:
            return _failed(exc.format_message(), start)
        except click.exceptions.Exit as exc:
            if exc.exit_code:
                return _failed(f"exited with status {exc.exit_code}", start)
        except Exception as exc:  # a run's failure must not end the sweep
            return _failed(f"{type(exc).__name__}: {exc}", start)
    try:
        result = json.loads(cap.out.getvalue())
    except ValueError:
        return _failed("the command printed no JSON", start)
    return {"result": result, "seconds": time.perf_counter() - start}


def _failed(message: str, start: float) -> dict:
    line = " ".join(str(message).split())
    return {"error": line, "seconds": time.perf_counter() - start}
