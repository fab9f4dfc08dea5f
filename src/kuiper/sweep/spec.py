"""A sweep spec: a kind, fixed options and a grid, all in the command's own CLI names.

The spec is checked against the real click command before any work: every grid
point is turned into an argument list and parsed by ``command.make_context``, so
click's own types and ranges judge each value. Whatever a command accepts, a
sweep accepts; whatever it refuses is refused here, naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import math
import tomllib
from pathlib import Path

import click

from ..errors import KuiperError

KINDS = ("coverage", "forecast", "backtest", "value", "capacity")
"""Commands a sweep can run (``capacity`` where this kuiper has the command)."""

SWEEP_OWNED = ("json", "help")
"""Options the sweep sets itself: each run prints its ``--json`` result."""

NO_FILES = ("output", "dpi")
"""Options that write pictures: a sweep's runs would overwrite each other's."""

SEED_BITS = 31


class SpecError(KuiperError):
    """A sweep spec that cannot run: unreadable, unknown kind or option, or a bad value."""


@dataclasses.dataclass(frozen=True)
class Run:
    """One grid point: its parameters (spec names, seed included) and its argument list."""

    params: dict
    argv: tuple[str, ...]
    files: dict = dataclasses.field(default_factory=dict)
    """sha256 of each input file the run reads, by key (part of its cache key)."""


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """A parsed, validated spec: the kind and its runs in grid order."""

    path: Path
    kind: str
    runs: tuple[Run, ...]

    @property
    def command(self) -> click.Command:
        return command_for(self.kind)


def command_for(kind: str) -> click.Command:
    """The click command behind a sweep kind (importing the CLI registers them all)."""
    from ..cli import main

    return main.commands[kind]


def available_kinds() -> list[str]:
    from ..cli import main

    return [k for k in KINDS if k in main.commands]


def load_spec(path: str | Path, *, db: str | Path | None = None) -> SweepSpec:
    """Read and validate a spec TOML; raise :class:`SpecError` naming file, key and reason.

    Parameters
    ----------
    path : str or Path
        The spec. Relative paths inside it are taken relative to its folder.
    db : str or Path, optional
        History store every run uses when the spec names none (commands with ``--db``).
    """
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None

    def fail(key: str, reason: str):
        raise SpecError(f"{path}: {key}: {reason}")

    extra = sorted(set(doc) - {"kind", "base", "grid"})
    if extra:
        fail(extra[0], "unknown key (a spec holds kind, [base] and [grid])")
    kind = doc.get("kind")
    kinds = available_kinds()
    if not isinstance(kind, str) or kind not in kinds:
        fail("kind", f"{kind!r} is not one of {', '.join(kinds)}")
    command = command_for(kind)
    base, grid = doc.get("base", {}), doc.get("grid", {})
    for name, table in (("base", base), ("grid", grid)):
        if not isinstance(table, dict):
            fail(name, "must be a table")
    seen: dict[str, str] = {}
    for section, table in (("base", base), ("grid", grid)):
        for key in table:
            if _normal(key) in seen:
                fail(f"{section}.{key}", f"also set as {seen[_normal(key)]}; give it once")
            seen[_normal(key)] = f"{section}.{key}"

    options = _options_by_key(command)
    for section, table in (("base", base), ("grid", grid)):
        for key, raw in table.items():
            where = f"{section}.{key}"
            option = _option_for(options, key, kind, where, fail)
            values = raw if section == "grid" else [raw]
            if section == "grid" and (not isinstance(raw, list) or not raw):
                fail(where, "a grid entry must be a non-empty list of values")
            if section == "grid" and len({_canonical(v) for v in values}) < len(values):
                fail(where, "the list repeats a value")
            for value in values:
                _check_shape(option, _normal(key), value, where, fail)

    has_db = "db" in options and not any(_normal(k) == "db" for k in (*base, *grid))
    takes_seed = "seed" in options and not any(_normal(k) == "seed" for k in (*base, *grid))
    digests: dict[str, str] = {}
    keys = list(grid)
    runs = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        params = {_normal(k): _plain(v) for k, v in base.items()}
        params.update({_normal(k): _plain(v) for k, v in zip(keys, combo, strict=True)})
        if takes_seed:
            params["seed"] = derived_seed(kind, params)
        resolved, files = _resolve_paths(options, params, path.parent, digests)
        argv = _argv(options, resolved)
        _parse(command, kind, argv, options, base, grid, fail)
        if has_db and db is not None:
            argv = (*argv, "--db", str(db))
        runs.append(Run(params=params, argv=(*argv, "--json"), files=files))
    return SweepSpec(path=path, kind=kind, runs=tuple(runs))


def derived_seed(kind: str, params: dict) -> int:
    """A seed from a stable hash of the kind and the run's parameters (not order or worker)."""
    text = json.dumps({"kind": kind, "params": params}, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") % (1 << SEED_BITS)


def _normal(key: str) -> str:
    return key.strip().lstrip("-").replace("-", "_")


def _options_by_key(command: click.Command) -> dict[str, click.Option]:
    """Each option under its long name with underscores (``--min-elevation`` -> min_elevation)."""
    out = {}
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        for opt in param.opts:
            if opt.startswith("--"):
                out[_normal(opt)] = param
    return out


def _option_for(options, key, kind, where, fail) -> click.Option:
    name = _normal(key)
    if name in SWEEP_OWNED:
        fail(where, f"--{name.replace('_', '-')} is set by the sweep itself")
    if name in NO_FILES:
        fail(where, f"--{name.replace('_', '-')} writes a file per run; not in a sweep")
    if name not in options:
        known = ", ".join(
            sorted(k for k in options if k not in SWEEP_OWNED + NO_FILES and k != "db")
        )
        fail(where, f"'kuiper {kind}' has no option --{name.replace('_', '-')} (it has: {known})")
    return options[name]


def _check_shape(option: click.Option, name: str, value, where, fail) -> None:
    """TOML shapes click cannot judge: tables, lists for single options, flags."""
    if isinstance(value, dict):
        fail(where, "a table is not an option value")
    if any(isinstance(v, float) and not math.isfinite(v) for v in _items(value)):
        fail(where, "not a finite number")
    if option.is_flag and not isinstance(value, bool):
        fail(where, f"--{name.replace('_', '-')} is a flag: give true or false")
    if isinstance(value, list) and not option.multiple:
        fail(where, "a list where one value is expected")
    if isinstance(value, list) and any(isinstance(v, list | dict) for v in value):
        fail(where, "nested lists are not option values")


def _items(value) -> list:
    return value if isinstance(value, list) else [value]


def _plain(value):
    """TOML values as JSON-able plain values: dates and times become ISO text."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _canonical(value) -> str:
    return json.dumps(_plain(value), sort_keys=True)


def _argv(options: dict[str, click.Option], params: dict) -> tuple[str, ...]:
    argv: list[str] = []
    for key, value in params.items():
        option = options[key]
        flag = f"--{key.replace('_', '-')}"
        if option.is_flag:
            if value:
                argv.append(flag)
            elif option.secondary_opts:
                argv.append(option.secondary_opts[0])
            continue
        for item in value if isinstance(value, list) else [value]:
            argv += [flag, _text(item)]
    return tuple(argv)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse(command, kind, argv, options, base, grid, fail) -> None:
    """Let click judge the values exactly as ``kuiper KIND ARGV`` would."""
    try:
        command.make_context(f"kuiper {kind}", list(argv), resilient_parsing=False).close()
    except click.BadParameter as exc:
        where = [
            f"{section}.{k}"
            for section, table in (("base", base), ("grid", grid))
            for k in table
            if options[_normal(k)] is exc.param
        ]
        fail(where[0] if where else "spec", exc.message)
    except click.ClickException as exc:
        fail("spec", exc.format_message())


def _resolve_paths(options, params, folder: Path, digests: dict) -> tuple[dict, dict]:
    """Paths relative to the spec's folder, and the sha256 of each input file but the store."""
    resolved, files = dict(params), {}
    for key, value in params.items():
        if isinstance(options[key].type, click.Path) and isinstance(value, str):
            full = str(folder / Path(value).expanduser())
            resolved[key] = full
            if key != "db" and Path(full).is_file():
                if full not in digests:
                    digests[full] = _sha256(full)
                files[key] = digests[full]
    return resolved, files


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
