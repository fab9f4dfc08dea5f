"""``python -m kuiper.tracker``: print the evidence behind ``data/tracker.toml``."""

import json

from ..store import open_store
from .evidence import threshold_evidence
from .queries import fleet_from_store

with open_store() as _store:
    print(json.dumps(threshold_evidence(fleet_from_store(_store)), indent=2))
