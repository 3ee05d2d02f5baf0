"""GPU count vs infrastructure.ngpus_per_node (nvidia-smi), plus GPUs already busy with other processes."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from swerl.preflight.context import Context
from swerl.preflight.report import Report


@dataclass(frozen=True)
class GpuApp:
    pid: int
    name: str
    used_mib: str


def nvidia_smi(*args: str) -> list[list[str]] | None:
    """CSV rows from nvidia-smi, or None when it is missing or failing."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, *args, "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return [[c.strip() for c in line.split(",")] for line in out.stdout.splitlines() if line.strip()]


def gpus() -> list[list[str]] | None:
    return nvidia_smi("--query-gpu=index,name,memory.total,memory.used,utilization.gpu")


def gpu_apps() -> list[GpuApp]:
    rows = nvidia_smi("--query-compute-apps=pid,process_name,used_memory") or []
    return [GpuApp(int(r[0]), r[1], r[2]) for r in rows if r and r[0].isdigit()]


def run(ctx: Context, r: Report) -> None:
    want = ctx.i.infrastructure.ngpus_per_node
    rows = gpus()
    if want == 0:
        r.warn("gpu", f"skipped: CPU profile (infrastructure.ngpus_per_node=0); {len(rows or [])} GPU(s) visible")
        return
    if rows is None:
        r.fail(
            "gpu",
            f"nvidia-smi not found or failing: 0 GPUs visible, infrastructure.ngpus_per_node={want} — not enough GPUs to launch (use a GPU host, or a CPU profile with ngpus_per_node: 0)",
        )
        return
    if len(rows) < want:
        r.fail(
            "gpu",
            f"{len(rows)} GPU(s) visible < infrastructure.ngpus_per_node={want} — not enough GPUs to launch (lower ngpus_per_node or free GPUs)",
        )
    else:
        r.ok("gpu", f"{len(rows)} GPU(s) visible ({rows[0][1]}), need {want}")
    for app in gpu_apps():
        r.warn("gpu busy", f"gpu in use by pid {app.pid} ({app.name}) {app.used_mib} MiB", pid=app.pid)
