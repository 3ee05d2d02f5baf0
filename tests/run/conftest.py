"""Shared setup for the run-layer tests: a temp output root, a stand-in trainer, scoped process search.

The launcher code (start.sh → swerl.run.supervise → train_1node_cc.sh, nohup/setsid, archive) is the real one; only
the trainer is a stand-in (tests/run/fake_train.py) and the preflight gate is `true`/`false`, because a
real training run takes minutes. SWERL_PROC_PATTERN scopes "is a run live?" to this test's temp dir so
runs of other people on the same machine do not count.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
FAKE = Path(__file__).with_name("fake_train.py")
SECRET = "wandbSECRETvalue123"
CONFIG = """\
# test config
runtime_info:
  input:
    model:
      model_path: smollm2
    data:
      train_index: tasks/easy
    experiment:
      output_root: out   # relative to this file
    credentials:
      wandb_api_key: "{secret}"   # must never reach an archive
"""


@pytest.fixture
def run_env(tmp_path, monkeypatch):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG.format(secret=SECRET))
    monkeypatch.setenv("SWERL_TRAIN_CMD", f"{sys.executable} {FAKE}")
    monkeypatch.setenv("SWERL_PREFLIGHT_CMD", "true")
    monkeypatch.setenv("SWERL_PROC_PATTERN", str(tmp_path))
    monkeypatch.setenv("SWERL_SKIP_SETUP", "1")
    monkeypatch.setenv("FAKE_SECRET", SECRET)
    monkeypatch.setenv("FAKE_SLEEP", "0.1")
    monkeypatch.delenv("SWERL_EXP_NAME", raising=False)
    monkeypatch.delenv("SWERL_LAUNCH_LOG", raising=False)
    return cfg


@pytest.fixture(scope="session")
def cli():
    import typer

    from swerl.run.cli import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def secret() -> str:
    return SECRET
