"""`swerl clean --nodes` on a REAL two-node Ray cluster (both raylets on this host, `ray.cluster_utils.Cluster`):
the other node runs `swerl clean --this-node` through a task pinned to it and its lines come back prefixed with
its host and node id; a helper that node's host recorded is removed there, the shared run files are left to the
head's own clean, which runs after it. NOT covered: separate hosts (one host = one filesystem and one /proc, so
the head's clean also sees that helper)."""

from __future__ import annotations

import subprocess
import uuid

import pytest

from swerl.run import procs
from swerl.run.state import TrackedProc, merge_state

pytestmark = pytest.mark.integration


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_clean_reaches_the_other_node(run_env, tmp_path, cli, monkeypatch):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    out = tmp_path / "out"
    (out / ".swerl").mkdir(parents=True)
    helper = subprocess.Popen(["sleep", "300"])
    stray = subprocess.Popen(["sleep", "300"])  # recorded by "node-c", which is not in the cluster
    merge_state(
        out / ".swerl" / "run.json",
        _dead_pid(),
        exp=f"test-nodes-{uuid.uuid4().hex[:8]}",
        procs=[
            TrackedProc.of("litellm", helper.pid),
            TrackedProc(name="gateway", pid=stray.pid, start=procs.start_ticks(stray.pid), host="node-c"),
        ],
    )
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        monkeypatch.setenv("RAY_ADDRESS", cluster.address)
        dry = cli("clean", "--config", str(run_env), "--nodes", "--dry-run")
        assert dry.exit_code == 0, dry.output
        lines = dry.output.splitlines()
        other = [ln for ln in lines if ln.startswith(f"[{procs.this_host()} ")]
        # the other node (one of two: the CLI's own node is skipped) planned this host's helper, nothing shared
        assert any(f"would remove process     {helper.pid} (litellm)" in ln for ln in other), dry.output
        assert not any("run.json" in ln for ln in other), dry.output
        assert not any(str(stray.pid) in ln for ln in lines), dry.output  # node-c's record: nobody's here
        assert helper.poll() is None and (out / ".swerl" / "run.json").exists()

        real = cli("clean", "--config", str(run_env), "--nodes")
        assert real.exit_code == 0, real.output
        assert any(ln.startswith(f"[{procs.this_host()} ") and "removing" in ln for ln in real.output.splitlines())
        assert helper.wait(timeout=15) is not None  # removed by the other node's clean
        assert stray.poll() is None  # another host's record: never signalled
        assert not (out / ".swerl" / "run.json").exists()  # the head's clean, after the nodes
    finally:
        ray.shutdown()
        cluster.shutdown()
        for p in (helper, stray):
            p.kill()
            p.wait()


def test_no_cluster_is_one_line(run_env, cli, monkeypatch):
    pytest.importorskip("ray")
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:9")  # nothing listens there
    r = cli("clean", "--config", str(run_env), "--nodes")
    assert r.exit_code == 1
    assert "clean --nodes: no Ray cluster at '127.0.0.1:9'" in r.output
    assert "swerl node head" in r.output
