"""Run archives: the `running` row at start, and at exit the final status + `artifacts/archives/run_NNN/`.

An archive holds small things only — config snapshot (secrets redacted), log tails, a trajectory sample,
the scripts that ran, metadata.yaml. Checkpoints stay where the trainer wrote them (only their path is kept).
"""

from __future__ import annotations

import os
import re
from collections import Counter
import shutil
import sys
import signal as _signal
from pathlib import Path

import yaml

from swerl.config.load import ConfigError, load_config, overrides
from swerl.config.paths import RunPaths, auto_exp_name, utc_stamp
from swerl.config.schema import SwerlConfig
from swerl.run import index, logs, meta, orphan, procs
from swerl.run.fsio import atomic_write
from swerl.run.output import run_output, write_output
from swerl.run.redact import redact_values, redact_yaml_text, secret_values
from swerl.run.state import RunState, merge_state, read_state

TAIL_LINES = 200
TRIAL_SAMPLES = 3
LINES_PER_FILE = 3
MAX_LINE_CHARS = 20_000
SCRIPTS = (
    "scripts/start.sh",
    "swerl/run/supervise.py",
    "scripts/train_1node_cc.sh",
    "scripts/archive_run.sh",
    "scripts/setup_env.sh",
)


def resolve_exp(cfg: SwerlConfig) -> str:
    return cfg.input.experiment.exp_name or os.environ.get("SWERL_EXP_NAME") or auto_exp_name()


def status_for(rc: int, sig: str = "") -> index.Status:
    """completed on 0; interrupted on SIGINT/SIGTERM (to the launcher, or the trainer dying of one); else failed."""
    if sig.upper().removeprefix("SIG") in ("INT", "TERM", "HUP") or rc in (128 + _signal.SIGINT, 128 + _signal.SIGTERM):
        return "interrupted"
    return "completed" if rc == 0 else "failed"


class LaunchRefused(RuntimeError):
    """A launch must not start; the message names the cause and the fix (start.sh prints it and exits 1)."""


def keep_state(paths: RunPaths, st: RunState | None) -> None:
    """A run's state outlives the next launch: `.swerl/runs/<run_id>.json` (history, never overwritten)."""
    if st and st.run_id:
        atomic_write(paths.state_dir / "runs" / f"{st.run_id}.json", st.model_dump_json(indent=2) + "\n")


def close_dead(cfg: SwerlConfig, log=print) -> None:
    """Before a new launch: the previous run (not live) is closed and cleaned — its helpers (recorded, or found
    by the output root in their environment), its sandboxes (by label, for every exp in the ledger), its
    generated files; a `running` row it left becomes `failed` with the reason. Its state is kept per run."""
    from swerl.run import clean

    paths = RunPaths.of(cfg, "")
    prev = read_state(paths.run_state_file)
    keep_state(paths, prev)
    try:
        plan = clean.plan(cfg)
    except clean.CleanRefused as exc:
        raise LaunchRefused(str(exc)) from None
    acts = [a for a in plan.actions if not (a.kind == "file" and a.target == str(paths.run_state_file))]
    if not acts:
        return
    counts = Counter(a.kind for a in acts)
    failed = clean.execute(plan)
    summary = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in sorted(counts.items()))
    log(
        f"closed the previous run{f' {prev.run_id} (exp {prev.exp})' if prev and prev.run_id else ''}: {summary} "
        "reaped/closed" + (f"; {len(failed)} failed: {failed[0][1]}" if failed else "")
    )


def choose_exp(cfg: SwerlConfig, paths: RunPaths, new: bool) -> tuple[str, str]:
    """(exp, what to say). A fixed exp_name (or the env) is used as is — the trainer resumes it by itself.
    With the default `exp_name: ""`, the last run of this output root, if it failed or was interrupted and
    left a complete checkpoint, is resumed under its own exp name; `--new` starts a fresh run instead."""
    fixed = cfg.input.experiment.exp_name or os.environ.get("SWERL_EXP_NAME", "")
    if fixed:
        return fixed, ""
    if new:
        return auto_exp_name(), "--new: starting a fresh run"
    try:
        rows = index.read_index(paths.index_file)
    except index.IndexError_:
        rows = []
    last = rows[-1] if rows else None
    if last and last.exp and last.status in ("failed", "interrupted"):
        if cfg.input.training.resume_mode == "disable":
            return auto_exp_name(), f"last run {last.id} {last.status}; training.resume_mode=disable → a fresh run"
        ckpt = meta.latest_checkpoint(RunPaths.of(cfg, last.exp).checkpoints_dir)
        if ckpt:
            return last.exp, (
                f"resuming exp {last.exp} from {Path(ckpt).name} (run {last.id} {last.status}) — "
                "pass --new to start a fresh run"
            )
    return auto_exp_name(), ""


def start(config: str, pid: int, new: bool = False, log=print) -> dict[str, str]:
    """Close the dead previous run, pass the preflight gate, pick (or resume) the exp, allocate run_NNN (row
    `running`) and record the run state; returns the env the launcher exports. Raises LaunchRefused."""
    from swerl.run import live, preflight_gate

    cfg = load_config(config)
    paths0 = RunPaths.of(cfg, "")
    lv = live.check(paths0.run_state_file)
    if lv.ours:
        raise LaunchRefused(
            f"run {lv.ours.run_id or '?'} (exp {lv.ours.exp}, pid {lv.ours.pid}) is live — let it finish "
            f"or stop it (swerl stop --config {config}), then relaunch"
        )
    close_dead(cfg, log)
    if os.environ.get("SWERL_GATE_DONE") != "1":  # `swerl run` ran the same gate just before
        gate = preflight_gate.run_gate(str(cfg._source))
        if not gate.ok:
            cause = preflight_gate.first_failure(gate.output)
            raise LaunchRefused(f"preflight failed: {cause} — fix it and relaunch (full report: {gate.command})")
    exp, said = choose_exp(cfg, paths0, new)
    if said:
        log(said)
    paths = RunPaths.of(cfg, exp)
    row = index.add_running(paths.index_file, exp=exp, notes=f"exp={exp}")
    launch_log = os.environ.get("SWERL_LAUNCH_LOG") or str(paths.launch_log(utc_stamp()))
    infra, k8s = cfg.input.infrastructure, cfg.input.k8s
    merge_state(
        paths.run_state_file,
        pid,
        pgid=procs.pgid_of(pid),
        started_at=row.started_at,
        config=str(cfg._source),
        exp=exp,
        run_id=row.id,
        launch_log=launch_log,
        exp_log=str(paths.exp_log),
        ports={
            "litellm": infra.litellm_port,
            "gateway": infra.gateway_port,
            "ray": infra.ray_port,
            "ray_dashboard": infra.ray_dashboard_port,
        },
        litellm_host=infra.litellm_host,
        sandbox_label=f"swerl.run={exp}",
        pod_label=f"harbor-run={k8s.pod_name_prefix}" if k8s.pod_name_prefix else "",
    )
    return {
        "SWERL_RUN_ID": row.id,
        "SWERL_EXP_NAME": exp,
        "SWERL_OUTPUT_ROOT": str(paths.root),
        "SWERL_RUN_STATE": str(paths.run_state_file),
        "SWERL_LAUNCH_LOG": launch_log,
        "SWERL_TRIALS_ROOT": str(paths.trials_dir),
        # the trainer's parent watchdog: it dies with this launcher (kill -9 of the launcher's group included)
        orphan.PID_ENV: str(pid),
        orphan.START_ENV: str(procs.start_ticks(pid) or ""),
    }


def record_child(config: str, pid: int, child: int) -> None:
    path = RunPaths.of(load_config(config), "").run_state_file
    merge_state(path, pid, train_pid=child, train_pid_start=procs.start_ticks(child), train_pgid=procs.pgid_of(child))


def _copy_lines(src: Path, dst: Path, n: int, secrets: list[str]) -> bool:
    try:
        with open(src, errors="replace") as fh:
            lines = [line[:MAX_LINE_CHARS] for _, line in zip(range(n), fh)]
    except OSError:
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(redact_values("".join(lines), secrets))
    return True


def _trajectory_sample(trials: Path, out: Path, secrets: list[str]) -> list[str]:
    found = sorted(trials.glob("*/*/litellm-trajectory.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True)
    found += [
        p
        for p in sorted(trials.glob("*/*/tokens.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True)
        if not (p.parent / "litellm-trajectory.jsonl").exists()
    ]
    taken: list[str] = []
    for f in found[:TRIAL_SAMPLES]:
        trial = f.parent
        for name in ("litellm-trajectory.jsonl", "tokens.jsonl", "result.json"):
            lines = 10_000 if name == "result.json" else LINES_PER_FILE
            _copy_lines(trial / name, out / trial.name / name, lines, secrets)
        taken.append(trial.name)
    return taken


_ERRORISH = re.compile(r"error|exception|traceback|failed|no such|not found|killed", re.I)


def _last_error(tail: list[str]) -> str:
    """The trainer's most telling last line: the newest error-looking one, else the newest line at all
    (the launcher's own `[start]`/`[archive]` lines and box-drawing frames are skipped)."""
    lines = [ln.strip(" \t│╭╰╮╯─|") for ln in tail if not ln.lstrip().startswith(("[start]", "[archive]"))]
    lines = [ln for ln in lines if ln]
    return next((ln for ln in reversed(lines) if _ERRORISH.search(ln)), lines[-1] if lines else "")


def _notes(exp: str, status: str, rc: int, last: tuple[int, dict[str, float]] | None, tail: list[str]) -> str:
    parts = [f"exp={exp}", status if rc == 0 or status == "interrupted" else f"{status} rc={rc}"]
    if last:
        parts.append(f"step={last[0]}")
        if rw := logs.reward_of(last[1]):
            parts.append(f"{rw[0]}={rw[1]:.4g}")
    if status == "failed" and (err := _last_error(tail)):
        parts.append(f"last error: {err[:160]}")
    return " ".join(parts)


def finish(config: str, run_id: str, rc: int, sig: str = "", notes: str = "") -> index.IndexRow:
    """Write archives/run_NNN/ and close the row. Idempotent: a closed row is left as it is."""
    cfg = load_config(config)
    root_paths = RunPaths.of(cfg, "")
    st = read_state(root_paths.run_state_file)
    exp = (st.exp if st and st.run_id == run_id else "") or resolve_exp(cfg)
    paths = RunPaths.of(cfg, exp)
    rows = {r.id: r for r in index.read_index(paths.index_file)}
    if run_id in rows and rows[run_id].status != "running":
        return rows[run_id]
    status = status_for(rc, sig)
    secrets = secret_values((cfg.input.credentials.proxy_master_key_env,))
    if len(cfg_key := cfg.input.credentials.wandb_api_key) >= 6:
        secrets = sorted({*secrets, cfg_key}, key=len, reverse=True)
    out = paths.artifacts_dir / "archives" / run_id
    out.mkdir(parents=True, exist_ok=True)

    src = Path(cfg._source)
    (out / "config.yaml").write_text(redact_values(redact_yaml_text(src.read_text()), secrets))
    launch_log = Path(st.launch_log) if st and st.run_id == run_id and st.launch_log else None
    log_files = [p for p in (launch_log, paths.exp_log) if p and p.exists()]
    tail: list[str] = []
    for p in log_files:
        lines = logs.tail_lines(p, TAIL_LINES)
        tail = tail or lines
        (out / "logs").mkdir(exist_ok=True)
        (out / "logs" / f"{p.name}.tail").write_text(redact_values("\n".join(lines) + "\n", secrets))
    sample = _trajectory_sample(paths.trials_dir, out / "trajectory_sample", secrets)
    repo = meta.repo_root()
    for rel in SCRIPTS:
        if (repo / rel).exists():
            (out / "scripts").mkdir(exist_ok=True)
            shutil.copy2(repo / rel, out / "scripts" / Path(rel).name)

    last = logs.last_step(*log_files)
    completed_at = index.utc_now()
    ckpt = meta.latest_checkpoint(paths.checkpoints_dir)
    metadata = {
        "run_id": run_id,
        "exp": exp,
        "project": paths.project,
        "status": status,
        "exit_code": rc,
        "signal": sig or None,
        "started_at": rows[run_id].started_at if run_id in rows else None,
        "completed_at": completed_at,
        "config": str(src),
        "config_overrides": overrides(),
        "output_root": str(paths.root),
        "git": meta.git_info(repo),
        "packages": meta.package_versions(),
        "final_step": last[0] if last else None,
        "final_metrics": last[1] if last else {},
        "checkpoint_path": ckpt,
        "training_log": str(paths.exp_log),
        "launch_log": str(launch_log) if launch_log else None,
        "trajectory_log": str(paths.trials_dir),
        "trajectory_sample": sample,
    }
    (out / "metadata.yaml").write_text(redact_values(yaml.safe_dump(metadata, sort_keys=False), secrets))

    try:  # the hand-off contract: runtime_info.output in config.yaml (comments and layout preserved)
        write_output(src, run_output(cfg, exp, run_id, status, last[1] if last else {}))
    except (OSError, ValueError, ConfigError) as exc:
        print(f"[archive] warning: runtime_info.output not written to {src}: {exc}", file=sys.stderr)

    note = notes or _notes(exp, status, rc, last, tail)
    archive_rel = os.path.relpath(out, paths.root) + "/"
    fields = dict(status=status, completed_at=completed_at, archive=archive_rel, notes=note, exp=exp)
    if run_id in rows:
        row = index.update_row(paths.index_file, run_id, **fields)
    else:  # started by hand without `archive start`: still record it
        row = index.IndexRow(id=run_id, started_at=completed_at, **fields)
    if st and st.run_id == run_id:
        st = merge_state(root_paths.run_state_file, st.pid, finished_at=completed_at, status=status)
        keep_state(root_paths, st)
    try:  # nothing the run started outlives it: stray helpers, sandboxes of trials cut short
        from swerl.run.clean import reap_run

        reaped = reap_run(cfg, exp, st if st and st.run_id == run_id else None)
        if reaped:
            print(f"[archive] reaped {len(reaped)} leftover(s) of {run_id}: {'; '.join(reaped)[:300]}", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 — the archive is written; the next launch/clean retries the reaping
        print(f"[archive] warning: could not reap leftovers of {run_id}: {exc}", file=sys.stderr)
    return row
