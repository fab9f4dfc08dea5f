"""Raw downloads kept as immutable files, and the per-query politeness state.

Layout, beside the store (the user data directory for the default store)::

    snapshots/
      state.json                         last success, ETag, Last-Modified per query
      celestrak/kuiper_gp_20261204T101500Z.csv
      celestrak/SHA256SUMS               "<sha256>  <file>" lines (sha256sum -c)
      celestrak/rejected/<file>          a response that failed checks or ingest
      celestrak/rejected/<file>.why      the one-line reason
      spacetrack/gp_history_...csv

Files are created exclusively and made read-only; a new download is a new file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from ._http import FetchError


class Archive:
    """The ``snapshots/`` folder of one store."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def beside(cls, store_path: Path) -> Archive:
        return cls(Path(store_path).expanduser().resolve().parent / "snapshots")

    # -- raw files ------------------------------------------------------------

    def save(self, source: str, name: str, when: dt.datetime, suffix: str, data: bytes) -> Path:
        """Write ``data`` as a new read-only file and record its sha256; return its path."""
        folder = self.root / source
        stamp = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for k in range(1000):
                path = folder / f"{name}_{stamp}{'' if k == 0 else f'_{k}'}{suffix}"
                try:
                    with open(path, "xb") as f:
                        f.write(data)
                    break
                except FileExistsError:
                    continue
            else:  # pragma: no cover - a thousand downloads in one second
                raise FetchError(str(folder), "too many files with the same time stamp")
            os.chmod(path, 0o444)
            sha = hashlib.sha256(data).hexdigest()
            with open(folder / "SHA256SUMS", "a", encoding="utf-8") as f:
                f.write(f"{sha}  {path.name}\n")
        except OSError as exc:
            raise FetchError(str(folder), f"cannot save the download ({exc.strerror})") from None
        return path

    def reject(self, path: Path, why: str) -> Path:
        """Move a saved file under ``rejected/`` with a ``.why`` note; return the new path."""
        target_dir = path.parent / "rejected"
        try:
            target_dir.mkdir(exist_ok=True)
            target = target_dir / path.name
            os.replace(path, target)
            (target_dir / (path.name + ".why")).write_text(why + "\n", encoding="utf-8")
        except OSError as exc:
            raise FetchError(str(path), f"cannot move to rejected/ ({exc.strerror})") from None
        return target

    # -- politeness state ----------------------------------------------------

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    def load_state(self) -> dict:
        try:
            text = self.state_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise FetchError(str(self.state_path), f"cannot read ({exc.strerror})") from None
        try:
            state = json.loads(text)
        except ValueError:
            return {}  # a damaged state only costs one unconditional request
        return state if isinstance(state, dict) else {}

    def save_state(self, state: dict) -> None:
        """Replace the state file atomically."""
        tmp = self.state_path.with_suffix(".json.tmp")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.state_path)
        except OSError as exc:
            raise FetchError(str(self.state_path), f"cannot write ({exc.strerror})") from None
