"""Helpers for preflight tests: configs derived from the shipped config.yaml, an in-process dryrun."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
import yaml

from swerl.preflight import dryrun

REPO = Path(__file__).resolve().parents[2]
DELETE = "__DELETE__"  # a plain string so test modules need not import conftest


def base_config() -> dict:
    data = yaml.safe_load((REPO / "config.yaml").read_text())
    data["runtime_info"]["input"]["data"]["train_index"] = str(REPO / "tasks" / "easy")
    return data


def mutate(data: dict, changes: dict) -> dict:
    """Dotted keys under runtime_info.input (or absolute when starting with '/'), DELETE removes a key."""
    out = copy.deepcopy(data)
    for dotted, value in changes.items():
        parts = dotted[1:].split(".") if dotted.startswith("/") else ["runtime_info", "input", *dotted.split(".")]
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        if value == DELETE:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return out


@pytest.fixture
def make_config(tmp_path):
    """make_config({"vllm.gen_tp": 4}) → path of a config in a fresh dir whose outputs go to tmp_path/out."""

    def make(changes: dict | None = None, raw: str | None = None) -> Path:
        d = tmp_path / f"cfg{len(list(tmp_path.glob('cfg*')))}"
        d.mkdir()
        p = d / "config.yaml"
        if raw is not None:
            p.write_text(raw)
            return p
        data = mutate(base_config(), {"experiment.output_root": str(tmp_path / "out"), **(changes or {})})
        p.write_text(yaml.safe_dump(data, sort_keys=False))
        return p

    return make


def _run_dryrun(path: Path) -> tuple[int, str]:
    buf = io.StringIO()
    code, _, _ = dryrun.run(path, out=buf)
    return code, buf.getvalue()


def _blocking_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith(("  FAIL", "  MISSING", "  EMPTY"))]


@pytest.fixture
def run_dryrun():
    """run_dryrun(path) → (exit code, printed text), in-process (no 2 s CLI start per case)."""
    return _run_dryrun


@pytest.fixture
def blocking_lines():
    return _blocking_lines
