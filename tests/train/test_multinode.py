"""The verl path on a REAL two-node Ray cluster, on one host: `ray.cluster_utils.Cluster` starts the head
and a second raylet joins it through `swerl node join <head:port>` (each node: its own id, its own workers).
One stand-in agent-loop worker is pinned to each node and calls the REAL `SwerlHarborAgentLoop.run()` for
PROMPTS prompts × N sessions; Harbor trials run in local-process sandboxes with the swerl-bash agent and the
task's verifier. Stand-ins (verl_standin.py): the vLLM replicas (no GPU here; one per node, as
`infrastructure.nnodes=2 × ngpus_per_node=1` makes discovery expect) and the worker shell around run().

Checked: two NodeStack actors, one per node id; each node's trials went through ITS OWN LiteLLM proxy and
gateway (the trial's agent was pointed at its node's proxy port — Harbor's trial config — and the trial's
litellm-trajectory/tokens records were written); both nodes' step stats files, summed by `read_step_stats`;
the results reach the driver; the multi-node preflight (nodes + shared-filesystem probe through a task pinned
to each node) passes on the cluster; after shutdown no gateway or proxy of either node is left.
NOT covered: separate hosts (one host = one filesystem, one loopback), GPUs, verl's own trainer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
PROMPTS, N = 2, 4  # per node
_PREFLIGHT = """
import io, json, sys
from pathlib import Path
from swerl.config.load import load_config
from swerl.preflight.checks import cluster
from swerl.preflight.context import Context
from swerl.preflight.report import Report
cfg = load_config(sys.argv[1])
cfg.input.infrastructure.ngpus_per_node = 0  # the raylets have no GPU: count the nodes, not their GPUs
r = Report(out=io.StringIO())
cluster.run(Context(cfg, Path(sys.argv[1])), r)
print(json.dumps([[ln.status.value, ln.label, ln.detail] for ln in r.lines]))
"""


@pytest.fixture(scope="module")
def smol_dir():
    from swerl.serve.assets import resolve_model_path

    return resolve_model_path("smollm2")


def test_two_nodes_two_stacks_each_its_own_proxy(tmp_path, smol_dir):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from swerl.config.load import load_config
    from swerl.config.paths import RunPaths
    from swerl.preflight.checks import cluster as mn
    from swerl.preflight.report import Status
    from swerl.rollout.tasks import load_index
    from swerl.train.verl_engine.node_stack import ACTOR_PREFIX, read_step_stats, step_records
    from tests.train.verl_standin import (
        GATEWAY_MODULE,
        PROXY_MODULE,
        StandInAgentLoopWorker,
        StandInReplica,
        hello_prompts,
        run_env,
        standin_config,
        swerl_procs,
    )

    cfg_path = standin_config(
        tmp_path,
        smol_dir,
        "mn",
        infrastructure=dict(nnodes=2, ngpus_per_node=1),
        harbor_runtime=dict(num_workers=8, tail_kill_enabled=False, max_sandbox_starts_per_sec=20),
        training=dict(train_batch_size=2 * PROMPTS, n_resp_per_prompt=N),
    )
    cfg = load_config(cfg_path)
    paths = RunPaths.of(cfg, "mn")
    sandboxes = tmp_path / "sandboxes"
    sandboxes.mkdir()
    env = run_env(cfg_path, "mn", paths.run_state_file, sandboxes, tmp_path)
    # not exported here: the raylets (the head's and `swerl node join`'s) start WITHOUT swerl's env, as on
    # worker hosts; it reaches every worker of the job only through the driver's runtime_env
    assert not any(k in os.environ for k in env if k.startswith("SWERL_"))
    hello = next(r for r in load_index(ROOT / "tasks" / "easy") if r.instance_id == "create-hello")
    t_start = time.time()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "include_dashboard": False})
    joined = None
    try:
        # the second node joins through `swerl node join` (ray start --address=… --block), as on a worker host
        joined = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "swerl"), "node", "join", cluster.address, "--num-cpus", "2"],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ray.init(address=cluster.address, log_to_driver=False, runtime_env={"env_vars": env})
        deadline = time.time() + 120
        while len(node_ids := [n["NodeID"] for n in ray.nodes() if n["Alive"]]) < 2 and time.time() < deadline:
            assert joined.poll() is None, "swerl node join exited"
            time.sleep(0.5)
        t0 = time.time()
        assert len(set(node_ids)) == 2
        head_id = ray.get_runtime_context().get_node_id()
        node_ids.sort(key=lambda nid: nid != head_id)  # head first

        def on(nid: str):
            return NodeAffinitySchedulingStrategy(node_id=nid, soft=False)

        replicas = [
            StandInReplica.options(name=f"vllm_server_{k}_0", scheduling_strategy=on(nid)).remote(
                str(smol_dir), 0.0, 0.4, seed=k
            )
            for k, nid in enumerate(node_ids)
        ]
        workers = [
            StandInAgentLoopWorker.options(scheduling_strategy=on(nid)).remote(str(smol_dir)) for nid in node_ids
        ]
        # boot each node's stack now (through the same `node_stack()` the agent loop calls, from an actor pinned
        # to the node that keeps the handle: a stack lives as long as its creator), overlapping the proxies' start
        # with the workers' imports; the workers must find these same actors
        warmers = [ray.remote(num_cpus=0)(_Warmer).options(scheduling_strategy=on(nid)).remote() for nid in node_ids]
        warm = [w.boot.remote(str(cfg_path), "mn", str(paths.run_state_file)) for w in warmers]
        ray.get([r.get_server_address.remote() for r in replicas])
        parts = ray.get(
            [w.run_prompts.remote(hello_prompts(hello, f"n{k}", PROMPTS), N) for k, w in enumerate(workers)],
            timeout=600,
        )
        print(f"\nphase: cluster up {t0 - t_start:.1f}s, step {time.time() - t0:.1f}s", flush=True)
        warmed = ray.get(warm, timeout=300)
        stacks = {
            a["name"]: ray.get_actor(a["name"], namespace=a.get("namespace"))
            for a in ray.util.list_named_actors(all_namespaces=True)
            if a["name"].startswith(ACTOR_PREFIX)
        }
        infos = {name: ray.get(s.info.remote()) for name, s in stacks.items()}
        # the preflight from the head, in its own process as `swerl check` runs it: it finds the cluster by
        # $RAY_ADDRESS, connects, lists both nodes and has each read the probe file the head wrote
        pre_run = subprocess.run(
            [sys.executable, "-c", _PREFLIGHT, str(cfg_path)],
            env={**os.environ, "RAY_ADDRESS": cluster.address},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert pre_run.returncode == 0, pre_run.stderr[-2000:]
        pre = [(Status(s), label) for s, label, _ in json.loads(pre_run.stdout.strip().splitlines()[-1])]
        # a node that cannot see the file: the probe says so (file removed before the read)
        lost = mn.shared_fs(
            [tmp_path], [mn.NodeView(node_ids[1], "worker", True, 0)], probe=lambda f, t, ids: {ids[0]: False}
        )
    finally:
        ray.shutdown()
        if joined is not None:  # leave the cluster as Ctrl-C would (ray start --block ignores a lone SIGTERM)
            _end_session(joined)
        cluster.shutdown()

    # two stacks, one per node id, each pinned to (and running on) its node
    assert len(stacks) == 2
    by_node = {info["node_id"]: info for info in infos.values()}
    assert set(by_node) == set(node_ids)
    assert all(name.endswith(info["node_id"][:16]) for name, info in infos.items())
    assert sorted(w["node_id"] for w in warmed) == sorted(node_ids)
    assert {w["pid"] for w in warmed} == {i["pid"] for i in infos.values()}  # the workers found the same actors
    # each node: its own proxy and gateway processes and ports
    proxy_ports = {nid: int(i["proxy_url"].rsplit(":", 1)[1].split("/")[0]) for nid, i in by_node.items()}
    gw_ports = {nid: int(i["gateway_url"].rsplit(":", 1)[1].split("/")[0]) for nid, i in by_node.items()}
    assert len({i["proxy_pid"] for i in infos.values()}) == 2 and len(set(proxy_ports.values())) == 2
    assert len({i["gateway_pid"] for i in infos.values()}) == 2 and len(set(gw_ports.values())) == 2
    state = json.loads(paths.run_state_file.read_text())
    assert sorted(p["pid"] for p in state["procs"] if p["name"] == "litellm") == sorted(
        i["proxy_pid"] for i in infos.values()
    )
    # each node's trials went through its own proxy: the agent's endpoint recorded per trial names its port
    results = {}
    for k, (nid, part) in enumerate(zip(node_ids, parts, strict=True)):
        assert len(part) == PROMPTS * N
        results |= part
        assert all(key.startswith(f"n{k}x") for key in part)
        trial_ids = {o[-1].extra_fields["swerl_trial_id"] for o in part.values() if o}
        assert trial_ids, f"node {k}: no trial produced output"
        for tid in trial_ids:
            (d,) = list(paths.trials_dir.glob(f"step_1/{tid}"))
            assert _trial_port(d) == proxy_ports[nid], (k, tid)
            assert (d / "tokens.jsonl").stat().st_size > 0  # the gateway's token records
            assert (d / "litellm-trajectory.jsonl").stat().st_size > 0  # the proxy's callback wrote it
    assert len(results) == 2 * PROMPTS * N
    # both nodes' stats files, merged: counts sum
    bodies = step_records(paths.state_dir, "train", 1)[1]
    assert sorted(b["node"] for b in bodies) == sorted(node_ids)
    assert [b["metrics"]["rollout/done"] for b in bodies] == [PROMPTS * N, PROMPTS * N]
    merged = read_step_stats(paths.state_dir, 1)
    assert merged["rollout/done"] == 2 * PROMPTS * N
    n_masked = sum(json.loads(p.read_text())["masked"] for p in paths.trials_dir.glob("step_1/*/outcome.json"))
    assert merged["rollout/masked"] == n_masked
    # the preflight saw both nodes and the shared root from each; no probe file left behind
    assert [s for s, label in pre if label.startswith("node ")] == [Status.OK, Status.OK], pre
    assert [s for s, label in pre if label.startswith("shared fs")] == [Status.OK, Status.OK], pre
    assert not list(tmp_path.rglob(f"{mn.PROBE_PREFIX}*"))
    assert [s for s, *_ in lost] == [Status.FAIL]
    # every node's gateway and proxy went with the cluster
    deadline = time.time() + 30

    def left() -> list[int]:
        return swerl_procs(str(tmp_path), PROXY_MODULE) + swerl_procs(str(tmp_path), GATEWAY_MODULE)

    while time.time() < deadline and left():
        time.sleep(0.5)
    assert left() == []


def _trial_port(d: Path) -> int:
    """The proxy port the trial's agent was pointed at: Harbor's trial config.json, `agent.kwargs.api_base`."""
    from urllib.parse import urlparse

    return int(urlparse(json.loads((d / "config.json").read_text())["agent"]["kwargs"]["api_base"]).port or 0)


class _Warmer:
    """On the node it is pinned to: gets or creates that node's NodeStack (the agent loop's `node_stack()`),
    boots it and keeps the handle."""

    async def boot(self, config_path: str, exp: str, state_file: str) -> dict:
        from swerl.train.verl_engine.node_stack import node_stack

        self.stack = node_stack(config_path, exp, state_file)
        return await self.stack.ready.remote()


def _end_session(proc: subprocess.Popen) -> None:
    """Stop `swerl node join` and the Ray node it started (its own session): SIGINT as Ctrl-C would, then SIGKILL
    whatever of that session is left (pids of this test's own session only)."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)
