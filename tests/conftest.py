"""Shared fixtures: where ../shared is, the shipped sample clip, and cached pose extraction."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def ctrl_c_as_in_a_terminal() -> None:
    """``preexec_fn`` for a command a test interrupts: SIGINT back to its default, so Python raises
    KeyboardInterrupt as it does under a terminal. A shell without job control starts background commands
    with SIGINT ignored, their children inherit that, and Python then never sees the Ctrl-C the test sends
    (``make test &`` failed every interrupt test that way)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


SHARED = ROOT.parent / "shared"
REMIX = SHARED / "clips" / "remix"
REAL = SHARED / "clips" / "real"
SAMPLE_VIDEO = ROOT / "sample_videos" / "walking_and_box_jump_bsd3.mp4"
ARTIFACTS = ROOT / "test-artifacts"

needs_shared = pytest.mark.skipif(
    not (REMIX.is_dir() and REAL.is_dir()),
    reason="../shared/clips is absent: the real and remix clips may not be shipped with the project",
)


@pytest.fixture(scope="session")
def sample_video() -> Path:
    return SAMPLE_VIDEO


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def remix_labels(name: str) -> dict:
    return json.loads((REMIX / f"{name}.json").read_text())


def _extractor(pose_interval_s: float | None):
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol

    cache = {}
    options = {} if pose_interval_s is None else {"pose_interval_s": pose_interval_s}
    checker = FormChecker(load_protocol("band-tempo"), **options)

    def get(path: Path):
        if path not in cache:
            cache[path] = checker.extract(path)
        return cache[path]

    return get


@pytest.fixture(scope="session")
def extractions():
    """Pose is the slow stage: extract each clip once per test session (as ``calfcheck score`` does by
    default: the fast path), then analyse it many ways."""
    return _extractor(None)


@pytest.fixture(scope="session")
def every_frame_extractions():
    """The same, with the pose model on every frame (``--every-frame``, the live page's way)."""
    return _extractor(0.0)


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL server for the whole run (tests/postgres.py); each test gets its own database."""
    from tests.postgres import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL: SQLite in a temp folder, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'calfcheck.db'}"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture(scope="session", autouse=True)
def private_database(tmp_path_factory):
    """Tests never touch the user's own records: CALFCHECK_DB points at a throwaway SQLite file for the
    whole run (subprocesses inherit it); a test that needs its own database passes --db or a URL."""
    import os

    url = f"sqlite:///{tmp_path_factory.mktemp('records') / 'calfcheck.db'}"
    previous = os.environ.get("CALFCHECK_DB")
    os.environ["CALFCHECK_DB"] = url
    yield url
    if previous is None:
        os.environ.pop("CALFCHECK_DB", None)
    else:
        os.environ["CALFCHECK_DB"] = previous
