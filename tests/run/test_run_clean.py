"""`swerl clean`: removes only what our finished run recorded or labelled; leaves foreign processes and
containers alone; `--dry-run` changes nothing; `--pods` refuses an empty prefix.

Containers are real (local Docker daemon, image swerl/base:bookworm). The Kubernetes API is a fake
(no cluster here): it records the label selector and the deletes."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from types import SimpleNamespace

import pytest

from swerl.config.load import load_config
from swerl.run import clean, procs
from swerl.run.state import TrackedProc, merge_state


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


@pytest.fixture
def finished_run(run_env, tmp_path):
    """A finished run's record: dead launcher, an orphaned helper of ours, a pid-reused 'helper', a helper another
    node recorded (its pid + start happen to match a process here: still not ours to signal), files."""
    out = tmp_path / "out"
    exp = f"test-clean-{uuid.uuid4().hex[:8]}"
    orphan = subprocess.Popen(["sleep", "120"])
    stranger = subprocess.Popen(["sleep", "120"])
    elsewhere = subprocess.Popen(["sleep", "120"])
    foreign = subprocess.Popen(["bash", "-c", f'exec -a "train_1node_cc {tmp_path}" sleep 120'])
    gen = out / ".swerl" / "litellm_8002.yaml"
    gen.parent.mkdir(parents=True)
    gen.write_text("model_list: []\n")
    (out / ".swerl" / "dashboard.pid").write_text("1\n")
    (out / "checkpoints" / "swerl" / exp / "global_step_1").mkdir(parents=True)
    (out / "logs").mkdir()
    (out / "logs" / "launch_x.log").write_text("step:1 - a:1\n")
    merge_state(
        out / ".swerl" / "run.json",
        _dead_pid(),
        exp=exp,
        run_id="run_001",
        generated=[str(gen)],
        procs=[
            TrackedProc(name="proxy", pid=orphan.pid, start=procs.start_ticks(orphan.pid)),
            TrackedProc(name="gateway", pid=stranger.pid, start=(procs.start_ticks(stranger.pid) or 0) + 7),
            TrackedProc(name="litellm", pid=elsewhere.pid, start=procs.start_ticks(elsewhere.pid), host="node-b"),
        ],
    )
    time.sleep(0.2)
    yield SimpleNamespace(
        cfg=run_env, out=out, exp=exp, orphan=orphan, stranger=stranger, foreign=foreign, elsewhere=elsewhere, gen=gen
    )
    for p in (orphan, stranger, foreign, elsewhere):
        p.kill()
        p.wait()


def test_dry_run_lists_and_changes_nothing(finished_run, cli):
    r = cli("clean", "--config", str(finished_run.cfg), "--dry-run", "--logs")
    assert r.exit_code == 0, r.output
    assert f"would remove process     {finished_run.orphan.pid} (proxy)" in r.output
    assert "litellm_8002.yaml" in r.output and "run.json" in r.output and "launch_x.log" in r.output
    assert f"{finished_run.stranger.pid}: run.json names it (gateway) but its start time differs" in r.output
    assert f"process {finished_run.foreign.pid}" in r.output and "left alone" in r.output
    assert finished_run.orphan.poll() is None and finished_run.gen.exists()
    assert (finished_run.out / ".swerl" / "run.json").exists()
    assert f"{finished_run.elsewhere.pid} (litellm)" not in r.output
    assert "1 helper(s) recorded by other nodes (node-b) left to them" in " ".join(r.output.split())


def test_a_record_knows_its_host():
    here = TrackedProc.of("gateway", os.getpid())
    assert here.host == procs.this_host() and here.local and here.start == procs.start_ticks(os.getpid())
    assert TrackedProc(name="old", pid=1).local  # records written before hosts were: this host
    assert not TrackedProc(name="x", pid=1, host="node-b").local


@pytest.mark.integration
def test_clean_removes_only_ours(finished_run, cli):
    docker = pytest.importorskip("docker")
    client = docker.from_env()
    tag = uuid.uuid4().hex[:8]
    run = dict(image="swerl/base:bookworm", command="sleep 120", detach=True, network_mode="none")
    ours = client.containers.run(labels={"swerl.run": finished_run.exp, "swerl.test": tag}, **run)
    theirs = client.containers.run(labels={"swerl.run": f"someone-else-{tag}", "swerl.test": tag}, **run)
    plain = client.containers.run(labels={"swerl.test": tag}, **run)
    try:
        r = cli("clean", "--config", str(finished_run.cfg))
        assert r.exit_code == 0, r.output
        left = {c.id for c in client.containers.list(all=True, filters={"label": f"swerl.test={tag}"})}
        assert ours.id not in left and {theirs.id, plain.id} <= left
        assert finished_run.orphan.wait(timeout=15) is not None  # our orphaned helper was stopped
        assert finished_run.stranger.poll() is None and finished_run.foreign.poll() is None
        assert finished_run.elsewhere.poll() is None  # another node's record: never signalled from here
        assert not finished_run.gen.exists() and not (finished_run.out / ".swerl" / "run.json").exists()
        assert (finished_run.out / ".swerl" / "dashboard.pid").exists()  # unknown file: kept
        assert (finished_run.out / "checkpoints").is_dir() and (finished_run.out / "logs" / "launch_x.log").exists()
    finally:
        for c in client.containers.list(all=True, filters={"label": f"swerl.test={tag}"}):
            c.remove(force=True)


class FakeCoreV1:
    """Stand-in for kubernetes.client.CoreV1Api (no cluster on this machine)."""

    def __init__(self, names):
        self.names, self.selectors, self.deleted = names, [], []

    def list_namespaced_pod(self, namespace, label_selector):
        self.selectors.append((namespace, label_selector))
        return SimpleNamespace(items=[SimpleNamespace(metadata=SimpleNamespace(name=n)) for n in self.names])

    def delete_namespaced_pod(self, name, namespace):
        self.deleted.append((namespace, name))


def test_pods_by_label_and_empty_prefix_refused(run_env):
    cfg = load_config(run_env)
    api = FakeCoreV1(["swerl-a", "swerl-b"])
    plan = clean.plan(cfg, pods=True, core_api=api)
    clean.execute(plan)
    assert api.selectors == [("default", "harbor-run=swerl")]
    assert api.deleted == [("default", "swerl-a"), ("default", "swerl-b")]
    cfg.input.k8s.pod_name_prefix = ""
    api2 = FakeCoreV1(["x"])
    with pytest.raises(clean.CleanRefused, match="pod_name_prefix is empty"):
        clean.plan(cfg, pods=True, core_api=api2)
    assert api2.deleted == [] and api2.selectors == []
