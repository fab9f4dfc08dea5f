"""Shared fixtures: a seeded history store built once per session, and the shared data.

No test may touch the user's real store: ``KUIPER_DB`` points at a session temp
file for the whole run, and tests that need a store take :func:`seeded_db`
(read only) or :func:`db` (a private copy they may change).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _never_the_users_store(tmp_path_factory):
    """Point ``KUIPER_DB`` at a session temp file, so a forgotten ``--db`` is harmless."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KUIPER_DB", str(tmp_path_factory.mktemp("default-store") / "kuiper.sqlite"))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> Path:
    """A store seeded with the shipped snapshots, built once. Read it; never write it."""
    from kuiper.store import Store

    path = tmp_path_factory.mktemp("seeded") / "seeded.sqlite"
    with Store(path):
        pass
    return path


@pytest.fixture
def db(seeded_db, tmp_path) -> Path:
    """A private copy of the seeded store, for tests that change it."""
    path = tmp_path / "kuiper.sqlite"
    shutil.copyfile(seeded_db, path)
    return path
