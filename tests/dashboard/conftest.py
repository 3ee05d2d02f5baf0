"""Shared fixtures: a copy of the recorded run tree (tests/dashboard/fixtures/run_root) and free ports."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from tests.dashboard.make_fixture import age

FIXTURE = Path(__file__).parent / "fixtures" / "run_root"


@pytest.fixture
def run_root(tmp_path: Path) -> Path:
    root = tmp_path / "run"
    shutil.copytree(FIXTURE, root)
    age(root)
    return root


@pytest.fixture
def served(run_root: Path):
    """The real dashboard server on a free port, in a thread, over a copy of the fixture tree."""
    from swerl.dashboard.server import make_server

    srv = make_server(run_root, "127.0.0.1", 0)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", run_root
    srv.shutdown()
    srv.server_close()
