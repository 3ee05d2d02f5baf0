"""Run archives: the `running` row at start, and at exit the final status + `artifacts/archives/run_NNN/`.

An archive holds small things only — config snapshot (secrets redacted), log tails, a trajectory sample,
the scripts that ran, metadata.yaml. Checkpoints stay where the trainer wrote them (only their path is kept).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import signal as _signal
from pathlib import Path

import yaml

from swerl.config.load import ConfigError, load_config
from swerl.config.paths import RunPaths, auto_exp_name, utc_stamp
from swerl.config.schema import SwerlConfig
from swerl.run import index, logs, meta, procs
from swerl.run.output import write_output
from swerl.run.redact import redact_values, redact_yaml_text, secret_values
from swerl.run.state import merge_state, read_state

TAIL_LINES = 200
TRIAL_SAMPLES = 3
LINES_PER_FILE = 3
MAX_LINE_CHARS = 20_000
SCRIPTS = ("scripts/start.sh", "scripts/train_1node_cc.sh", "scripts/archive_run.sh", "scripts/setup_env.sh")


def resolve_exp(cfg: SwerlConfig) -> str:
    return cfg.input.experiment.exp_name or os.environ.get("SWERL_EXP_NAME") or auto_exp_name()


def status_for(rc: int, sig: str = "") -> index.Status:
    """completed on 0; interrupted on SIGINT/SIGTERM (to the launcher, or the trainer dying of one); else failed."""
    if sig.upper().removeprefix("SIG") in ("INT", "TERM", "HUP") or rc in (128 + _signal.SIGINT, 128 + _signal.SIGTERM):
        return "interrupted"
    return "completed" if rc == 0 else "failed"


def _repair_stale(paths: RunPaths) -> None:
    """A previous launcher that died without its EXIT trap (kill -9, reboot) leaves a `running` row: close it."""
    prev = read_state(paths.run_state_file)
    if not prev or not prev.run_id or prev.live():
        return
    rows = {r.id: r for r in index.read_index(paths.index_file)}
    row = rows.get(prev.run_id)
    if row and row.status == "running":
        index.update_row(paths.index_file, prev.run_id, status="failed", completed_at=index.utc_now(),
                         notes=f"exp={prev.exp} launcher vanished without recording its exit (killed or host restart)")


def start(config: str, pid: int) -> dict[str, str]:
    """Allocate run_NNN (row `running`), record the run state; returns the env the launcher exports."""
    cfg = load_config(config)
    exp = resolve_exp(cfg)
    paths = RunPaths.of(cfg, exp)
    _repair_stale(paths)
    row = index.add_running(paths.index_file, exp=exp, notes=f"exp={exp}")
    launch_log = os.environ.get("SWERL_LAUNCH_LOG") or str(paths.launch_log(utc_stamp()))
    infra, k8s = cfg.input.infrastructure, cfg.input.k8s
    merge_state(
        paths.run_state_file, pid,
        pgid=procs.pgid_of(pid), started_at=row.started_at, config=str(cfg._source), exp=exp, run_id=row.id,
        launch_log=launch_log, exp_log=str(paths.exp_log),
        ports={"litellm": infra.litellm_port, "gateway": infra.gateway_port, "ray": infra.ray_port,
               "ray_dashboard": infra.ray_dashboard_port},
        litellm_host=infra.litellm_host, sandbox_label=f"swerl.run={exp}",
        pod_label=f"harbor-run={k8s.pod_name_prefix}" if k8s.pod_name_prefix else "",
    )
    return {
        "SWERL_RUN_ID": row.id, "SWERL_EXP_NAME": exp, "SWERL_OUTPUT_ROOT": str(paths.root),
        "SWERL_RUN_STATE": str(paths.run_state_file), "SWERL_LAUNCH_LOG": launch_log,
        "SWERL_TRIALS_ROOT": str(paths.trials_dir),
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
    found += [p for p in sorted(trials.glob("*/*/tokens.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True)
              if not (p.parent / "litellm-trajectory.jsonl").exists()]
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
        "run_id": run_id, "exp": exp, "project": paths.project, "status": status, "exit_code": rc, "signal": sig or None,
        "started_at": rows[run_id].started_at if run_id in rows else None, "completed_at": completed_at,
        "config": str(src), "output_root": str(paths.root),
        "git": meta.git_info(repo), "packages": meta.package_versions(),
        "final_step": last[0] if last else None, "final_metrics": last[1] if last else {},
        "checkpoint_path": ckpt, "training_log": str(paths.exp_log),
        "launch_log": str(launch_log) if launch_log else None, "trajectory_log": str(paths.trials_dir),
        "trajectory_sample": sample,
    }
    (out / "metadata.yaml").write_text(redact_values(yaml.safe_dump(metadata, sort_keys=False), secrets))

    try:  # the hand-off contract: runtime_info.output in config.yaml (comments and layout preserved)
        write_output(src, {"checkpoint_path": ckpt, "training_log": str(paths.exp_log),
                           "trajectory_log": str(paths.trials_dir), "run_id": run_id, "status": status,
                           "final_metrics": last[1] if last else {}})
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
        merge_state(root_paths.run_state_file, st.pid, finished_at=completed_at, status=status)
    return row
