"""`infrastructure.litellm_workers: 0` sizes the proxy by the node's cores (one worker per 2, 1–16)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from swerl.config.load import parse_config
from swerl.serve.proxy import process

ROOT = Path(__file__).resolve().parents[2]


def _cfg(workers: int):
    d = yaml.safe_load((ROOT / "config.yaml").read_text())
    d["runtime_info"]["input"]["infrastructure"]["litellm_workers"] = workers
    return parse_config(d)


def test_auto_workers_follow_the_cores(monkeypatch, tmp_path):
    for cores, want in ((1, 1), (2, 1), (16, 8), (128, 16)):
        monkeypatch.setattr(os, "sched_getaffinity", lambda _pid, n=cores: set(range(n)))
        assert process.auto_workers() == want
        assert process.ProxyProcess(_cfg(0), "http://gw", tmp_path, "k", state_dir=tmp_path).workers == want
    assert process.ProxyProcess(_cfg(3), "http://gw", tmp_path, "k", state_dir=tmp_path).workers == 3
