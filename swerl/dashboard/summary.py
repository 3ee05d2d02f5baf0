"""`swerl dashboard summary`: the read-only text block of SPEC "Dashboard" (how is training going?).

Live state comes from the run layer (`swerl.run.status`: run.json + process table + LiteLLM probe); this
module adds the config at a glance, the newest log's step/score and last lines, GPU use, and the web UI.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from swerl.config.paths import RunPaths
from swerl.config.schema import SwerlConfig
from swerl.dashboard import control, health
from swerl.dashboard.runs import RunIndex


def backend(cfg: SwerlConfig) -> str:
    h = cfg.input.harbor_agent
    if cfg.input.k8s.kubeconfig or "kubernetes" in h.environment_import_path.lower():
        return "k8s"
    return "docker remote" if h.docker_host.startswith("tcp://") else "docker local"


def gpu_summary(timeout: float = 5.0) -> str | None:
    """`N× <name>: util avg A% (min–max), mem U/T GiB` from nvidia-smi; None without one."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return None
    try:
        out = subprocess.run(
            [exe, "--query-gpu=name,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        ).stdout
    except (subprocess.SubprocessError, OSError) as exc:
        return f"nvidia-smi failed ({type(exc).__name__})"
    return parse_nvidia_smi(out)


def parse_nvidia_smi(out: str) -> str:
    rows = []
    for line in out.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 4:
            continue
        try:
            rows.append((parts[0], float(parts[1]), float(parts[2]), float(parts[3])))
        except ValueError:
            continue
    if not rows:
        return "nvidia-smi gave no readable rows"
    utils = [r[1] for r in rows]
    used, total = sum(r[2] for r in rows) / 1024, sum(r[3] for r in rows) / 1024
    return (
        f"{len(rows)}× {rows[0][0]}: util avg {sum(utils) / len(utils):.0f}% "
        f"({min(utils):.0f}–{max(utils):.0f}%), mem {used:.0f}/{total:.0f} GiB"
    )


def _newest_run(paths: RunPaths, exp: str = "") -> tuple[str, dict] | None:
    """(run name, facts) of the live run, else of the most recently written log."""
    idx = RunIndex(paths.root)
    rows = idx.summaries()
    if not rows:
        return None
    row = next((r for r in rows if r["name"] == exp), rows[0])
    run = idx.runs()[row["name"]]
    upstream = [f for f in run.files if not f.path.name.startswith("launch_")] or run.files  # the <exp>.log
    newest = max(upstream, key=lambda f: f.mtime)
    h = health.health(idx.metrics(row["name"], health.WANTED) or {})
    return row["name"], {
        **row,
        "tail": newest.tail[-3:],
        "upstream": str(newest.path.relative_to(paths.root)),
        "health": h,
    }


def health_lines(h: dict) -> list[str]:
    """The advisories (warnings) and the async panel's summary of one run, as summary lines."""
    lines = []
    for a in h.get("advisories", []):
        lines.append(f"  WARNING step {a['step']}: {a['message']} [{a['steps_over']}/{a['steps_with_metric']} steps]")
    if not lines:
        lines.append("  health: no advisory (thresholds: " + ", ".join(_threshold(t) for t in health.RULES) + ")")
    panel = h.get("async")
    if panel:
        s = panel["summary"]

        def f(v, spec: str) -> str:
            return "—" if v is None else format(v, spec)

        lines.append(
            f"  async: trainer idle {f(s['trainer_idle_s_total'], '.0f')}s over {len(panel['steps'])} steps "
            f"(idle ratio mean {f(s['idle_ratio_mean'], '.0%')}), staleness mean {f(s['staleness_mean'], '.2f')} "
            f"max {f(s['staleness_max'], '.0f')}, dropped stale {f(s['dropped_stale_total'], '.0f')}"
        )
    return lines


def _threshold(r: health.Rule) -> str:
    return f"{r.metric} {r.op} {r.threshold:g}"


def render(cfg: SwerlConfig, paths: RunPaths, cwd: Path) -> str:
    from swerl.run.status import status

    st = status(paths)
    i = cfg.input
    lines = [f"## rl dashboard — {cwd}", ""]
    if st.state == "training":
        head = f"training (pid={st.pid}, up {st.uptime})"
    elif st.state == "training-elsewhere":
        head = "training elsewhere (not launched from here: " + "; ".join(st.others)[:160] + ")"
    else:
        head = f"idle — last run {st.last_run.status}" if st.last_run else "idle"
        if st.last_run and st.last_run.status == "running":
            head += " (but no process of it is alive: it died without closing its ledger row)"
    lines.append(f"Status: {head}")
    model = Path(i.model.model_path).name or "(unset)"
    lines.append(f"Model:  {model}   Backend: {backend(cfg)}   Workers: {i.harbor_runtime.num_workers}")
    lines.append(
        f"Algo:   {i.algorithm.adv_estimator}/{i.algorithm.policy_loss_mode}   "
        f"wandb: {i.credentials.wandb_mode} ({i.experiment.project_name})"
    )
    newest = _newest_run(paths, st.exp)
    if st.state == "training":
        lines += ["", "Live:"]
        gpu = gpu_summary()
        lines.append(f"  litellm: {st.litellm}" + (f"   gpu: {gpu}" if gpu else ""))
    else:
        lines += ["", "Newest log:"]
    if newest:
        name, r = newest
        score = f"{r['last_score']:.4g}" if r["last_score"] is not None else "—"
        lines.append(f"  run: {name} ({r['state']})   upstream log: {r['upstream']}")
        lines.append(f"  step: {r['last_step'] if r['last_step'] is not None else '—'}   critic/score/mean: {score}")
        lines += health_lines(r["health"])
        if r["tail"]:
            lines.append("  last lines:")
            lines += [f'    "{ln.strip()[:160]}"' for ln in r["tail"]]
    else:
        lines.append(f"  no logs yet in {paths.logs_dir}")
    lines.append("")
    if st.ledger_error:
        lines.append(f"Latest run (artifacts/index.yaml): unreadable — {st.ledger_error}")
    elif st.last_run:
        lr = st.last_run
        lines.append(
            f"Latest run (artifacts/index.yaml): {lr.id} — {lr.status} — {lr.notes or '(no notes)'}"
            + (f"   [{lr.started_at} → {lr.completed_at or '…'}]" if lr.started_at else "")
        )
    else:
        lines.append("Latest run (artifacts/index.yaml): none yet")
    lines.append("")
    rec = control.running(control.Files(paths.root))
    if rec and control.healthy(rec["host"], rec["port"]):
        lines.append(f"Web dashboard: running at {control.url(rec['host'], rec['port'])} (pid {rec['pid']})")
    else:
        lines.append("Web dashboard: not running — `swerl dashboard start` (or `bash dashboard/serve.sh start`)")
    return "\n".join(lines)
