"""`swerl clean` / scripts/clean.sh: remove the transient leftovers of OUR finished runs.

What is ours comes from .swerl/run.json (pids with matching start times, generated files, whether we started
Ray) and from our labels (`swerl.run=<exp>` containers, `harbor-run=<prefix>` pods). Checkpoints and wandb
are never touched. Plan first (`--dry-run` prints it), then act.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from swerl.config.paths import RunPaths
from swerl.config.schema import SwerlConfig
from swerl.run import index, live, procs
from swerl.run.state import read_state

RAY_TMP = Path("/tmp/ray")
GENERATED_PREFIXES = ("litellm", "proxy", "gateway")
"""Names of per-run generated configs under .swerl/ (the proxy/gateway layers write them there)."""


class CleanRefused(Exception):
    """Clean would be unsafe now; the message says why and what to do."""


@dataclass
class Action:
    kind: str
    """process | file | dir | container | network | pod | gpu-process"""
    target: str
    why: str
    do: Callable[[], None] = field(repr=False, default=lambda: None)


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Things seen and deliberately left alone (not ours), with the reason."""


def _rm(path: Path) -> Callable[[], None]:
    def do() -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    return do


def _kill(pid: int, ticks: int | None) -> Callable[[], None]:
    def do() -> None:
        if procs.signal_pid(pid, ticks, signal.SIGTERM):
            for _ in range(40):
                if not procs.alive(pid, ticks):
                    return
                time.sleep(0.25)
            procs.signal_pid(pid, ticks, signal.SIGKILL)

    return do


def _our_exps(paths: RunPaths, last_exp: str) -> set[str]:
    """Every experiment this output root's ledger names (none is live: plan() refuses while ours is), so the
    sandboxes of a run that died by kill -9 are found by label even after its state file was replaced."""
    exps = {last_exp} if last_exp else set()
    try:
        exps |= {r.exp for r in index.read_index(paths.index_file) if r.exp}
    except index.IndexError_:
        pass
    return exps


def _containers(exps: set[str], docker_host: str, plan: Plan) -> None:
    if not exps:
        return
    try:
        import docker

        client = docker.DockerClient(base_url=docker_host) if docker_host else docker.from_env()
        client.ping()
    except Exception as exc:  # noqa: BLE001 — any daemon problem means: nothing to clean there
        plan.kept.append(f"containers: docker not reachable ({type(exc).__name__}) — skipped")
        return
    for exp in sorted(exps):
        for c in client.containers.list(all=True, filters={"label": f"swerl.run={exp}"}):
            plan.actions.append(
                Action(
                    "container",
                    f"{c.name} ({c.short_id}, {c.status})",
                    f"label swerl.run={exp}",
                    lambda c=c: c.remove(force=True),
                )
            )
        # The run's sandbox network (sandbox_egress: proxy_only; its relay is a labelled container, above).
        for n in client.networks.list(filters={"label": f"swerl.run={exp}"}):
            plan.actions.append(Action("network", n.name, f"label swerl.run={exp}", lambda n=n: n.remove()))


def _recorded(p: Plan, entries: list[tuple[str, int | None, int | None]], why: str) -> set[int]:
    """Kill actions for the recorded (name, pid, start ticks) still alive with that start time; a reused pid is
    reported and left alone. → the pids planned."""
    planned = set()
    for name, pid, ticks in entries:
        if pid and procs.alive(pid, ticks):
            p.actions.append(Action("process", f"{pid} ({name})", why, _kill(pid, ticks)))
            planned.add(pid)
        elif pid and procs.alive(pid):
            p.kept.append(
                f"process {pid}: run.json names it ({name}) but its start time differs — pid reused, left alone"
            )
    return planned


def _by_env(p: Plan, root: Path, planned: set[int], run_id: str = "", skip_group: int | None = None) -> None:
    """Kill actions for live processes started with this output root in their environment (a launcher exports
    it to everything it starts) — of one run when `run_id` is given — that are not planned yet."""
    for x in procs.find_by_env("SWERL_OUTPUT_ROOT", str(root)):
        run = procs.environ(x.pid).get("SWERL_RUN_ID", "?")
        if x.pid in planned or (run_id and run != run_id) or (skip_group is not None and x.pgid == skip_group):
            continue
        p.actions.append(
            Action(
                "process",
                f"{x.pid} ({x.cmd[:60]})",
                f"started by run {run} of this output root (SWERL_OUTPUT_ROOT in its environment), which is not live",
                _kill(x.pid, procs.start_ticks(x.pid)),
            )
        )
        planned.add(x.pid)


def reap_run(cfg: SwerlConfig, exp: str, st) -> list[str]:
    """At a run's end (normal or signalled): its still-live recorded helpers, anything else it started (found
    by its run id in the environment — e.g. wandb's monitor in the trainer's group), and its labelled
    sandboxes go. The launcher's own group (its log tee) is left to it. Returns what was removed."""
    p = Plan()
    if st:
        planned = _recorded(p, [(t.name, t.pid, t.start) for t in st.local_procs()], "outlived its run")
        if st.run_id:
            _by_env(
                p, RunPaths.of(cfg, "").root, planned, run_id=st.run_id, skip_group=st.pgid or procs.pgid_of(st.pid)
            )
    if exp:
        _containers({exp}, cfg.input.harbor_agent.docker_host, p)
    execute(p)
    return [f"{a.kind} {a.target}" for a in p.actions]


def _pods(prefix: str, namespace: str, core_api, plan: Plan) -> None:
    if not prefix.strip():
        raise CleanRefused("k8s.pod_name_prefix is empty — refusing --pods (it would match every pod); set a prefix")
    selector = f"harbor-run={prefix}"
    for pod in core_api.list_namespaced_pod(namespace, label_selector=selector).items:
        name = pod.metadata.name
        plan.actions.append(
            Action(
                "pod",
                f"{namespace}/{name}",
                f"label {selector}",
                lambda name=name: core_api.delete_namespaced_pod(name, namespace),
            )
        )


def k8s_api(cfg: SwerlConfig):
    from kubernetes import client, config

    kc = cfg.input.k8s.kubeconfig
    config.load_kube_config(config_file=os.path.expanduser(kc) if kc else None)
    return client.CoreV1Api()


def _gpu_pids() -> list[int]:
    if not shutil.which("nvidia-smi"):
        return []
    r = subprocess.run(
        ["nvidia-smi", "--query-compute-apps=pid", "--format=csv,noheader"], capture_output=True, text=True, timeout=20
    )
    return [int(x) for x in r.stdout.split() if x.strip().isdigit()]


def refuse_if_live(paths: RunPaths) -> live.Liveness:
    """CleanRefused while our run is live (nothing of a live run is cleaned, on any node); else what is live."""
    lv = live.check(paths.run_state_file)
    if lv.ours:
        raise CleanRefused(
            f"run {lv.ours.run_id or ''} (pid {lv.ours.pid}) is live — stop it first (swerl stop), then clean"
        )
    return lv


def plan(cfg: SwerlConfig, *, logs: bool = False, trials: bool = False, pods: bool = False, core_api=None) -> Plan:
    paths = RunPaths.of(cfg, "")
    lv = refuse_if_live(paths)
    p = Plan()
    st = lv.last
    if lv.others:
        p.kept += [
            f"process {x.pid} (etime {procs.fmt_etime(x.etime)}): not started by this run — left alone"
            for x in lv.others
        ]
    # Processes our run recorded (orphaned proxy/gateway/engine…): only while pid + start time still match.
    planned: set[int] = set()
    if st:
        planned = _recorded(
            p,
            [
                ("start.sh", st.pid, st.pid_start),
                ("trainer", st.train_pid, st.train_pid_start),
                *[(t.name, t.pid, t.start) for t in st.local_procs()],
            ],
            "recorded in run.json, start time matches",
        )
        if note := st.remote_note():
            p.kept.append(note)
        for f in st.generated:
            if Path(f).exists():
                p.actions.append(Action("file", f, "generated by our run", _rm(Path(f))))
        if st.started_ray and RAY_TMP.exists():
            if lv.others:
                p.kept.append(f"{RAY_TMP}: another training process is live — left alone")
            else:
                p.actions.append(Action("dir", str(RAY_TMP), "our run started Ray", _rm(RAY_TMP)))
    # Helpers of a dead run no state file names any more: found by the output root their launcher exported.
    _by_env(p, paths.root, planned)
    try:
        running = [r for r in index.read_index(paths.index_file) if r.status == "running"]
    except index.IndexError_:
        running = []
    for row in running:  # launcher died before archiving (kill -9, reboot); none is live (checked above)
        e = row.exp or (st.exp if st and st.run_id == row.id else "")
        p.actions.append(
            Action(
                "ledger-row",
                f"{row.id} running → failed",
                "no live process; exit never recorded",
                lambda rid=row.id, e=e: index.update_row(
                    paths.index_file,
                    rid,
                    status="failed",
                    completed_at=index.utc_now(),
                    notes=f"exp={e} launcher vanished without recording its exit (killed or host "
                    f"restart); leftovers reaped by the next launch/clean",
                ),
            )
        )
    for gpid in _gpu_pids():
        if gpid in planned:
            continue
        if os.environ.get("RL_CLEAN_FORCE_GPU_KILL") == "1":
            p.actions.append(
                Action("gpu-process", str(gpid), "RL_CLEAN_FORCE_GPU_KILL=1", _kill(gpid, procs.start_ticks(gpid)))
            )
        else:
            p.kept.append(f"GPU process {gpid}: not ours — left alone (RL_CLEAN_FORCE_GPU_KILL=1 to kill)")
    # Stale run state and generated proxy configs under .swerl/ (never the ledger).
    if paths.state_dir.exists():
        for f in sorted(paths.state_dir.iterdir()):
            if f.name.startswith("."):
                continue
            if f == paths.run_state_file or f.name.startswith(GENERATED_PREFIXES):
                p.actions.append(Action("file", str(f), "stale run state / generated config of a finished run", _rm(f)))
            else:
                p.kept.append(f"{f}: not a run file this command knows — left alone")
    _containers(_our_exps(paths, st.exp if st else ""), cfg.input.harbor_agent.docker_host, p)
    if pods:
        _pods(cfg.input.k8s.pod_name_prefix, cfg.input.k8s.namespace, core_api or k8s_api(cfg), p)
    if logs and paths.logs_dir.exists():
        p.actions += [Action("file", str(f), "--logs", _rm(f)) for f in sorted(paths.logs_dir.glob("*.log"))]
    if trials and (paths.root / "trials").exists():
        p.actions.append(Action("dir", str(paths.root / "trials"), "--trials", _rm(paths.root / "trials")))
    p.kept.append(f"checkpoints ({paths.root / 'checkpoints'}) and wandb — always kept")
    return p


def node_plan(cfg: SwerlConfig) -> Plan:
    """What a multi-node run left on THIS worker node (`swerl clean --nodes` runs it on every other node through
    Ray): the helpers this host recorded in the shared run.json, processes started with our output root in their
    environment, our labelled containers on this node's Docker daemon. Shared files (run state, ledger, logs,
    trials) are the head's `plan` to remove, after this; the node's own Ray is live (it runs this), so kept."""
    paths = RunPaths.of(cfg, "")
    p = Plan()
    st = read_state(paths.run_state_file)
    here = procs.this_host()
    planned = _recorded(
        p, [(t.name, t.pid, t.start) for t in (st.procs if st else []) if t.host == here], f"recorded by {here}"
    )
    _by_env(p, paths.root, planned)
    _containers(_our_exps(paths, st.exp if st else ""), cfg.input.harbor_agent.docker_host, p)
    return p


def execute(p: Plan) -> list[tuple[Action, str]]:
    """Run the plan in order (processes first, as planned); returns (action, error) for those that failed."""
    failed = []
    for a in p.actions:
        try:
            a.do()
        except Exception as exc:  # noqa: BLE001 — report and go on with the rest
            failed.append((a, f"{type(exc).__name__}: {exc}"))
    return failed
