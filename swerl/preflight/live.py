"""The live layer of `swerl check`: what is running right now (read-only; never kills or writes)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from swerl.preflight.checks.gpu import gpu_apps, gpus
from swerl.preflight.context import Context
from swerl.preflight.report import Report, Status
from swerl.preflight.runstate import LiveRun, live_run, live_run_pids
from swerl.run import procs

WARMING_SEC = 30 * 60

PASS, BLOCK, ADVISE, SKIP = "✓", "✗", "⚠", "·"


@dataclass
class Row:
    check: str
    glyph: str
    detail: str
    fix: str = ""

    @property
    def blocks(self) -> bool:
        return self.glyph == BLOCK


def job_row(run: LiveRun) -> Row:
    if not run.running:
        return Row("job", PASS, "job:none")
    pid = run.root_pid
    return Row(
        "job",
        BLOCK,
        f"job:running pid={pid} etime={procs.fmt_etime(procs.elapsed_s(pid) if pid else None)}",
        f"a run is live (pid {pid}): let it finish, or stop it (`kill -INT {pid}` then `bash scripts/clean.sh`)",
    )


def ports_row(r: Report) -> Row:
    busy = [ln for ln in r.lines if ln.label.startswith("port ") and "pid" in ln.data]
    if not busy:
        return Row("ports", PASS, "port:free")
    conflicts = [ln for ln in busy if not ln.data.get("mine")]
    if conflicts:
        worst = [ln for ln in conflicts if ln.status is Status.FAIL] or conflicts
        glyph = BLOCK if worst[0].status is Status.FAIL else ADVISE
        items = ", ".join(f"{ln.data['port']}({ln.data['comm']} pid {ln.data['pid']})" for ln in conflicts)
        return Row("ports", glyph, f"port:conflict:{items}", f"free the port(s): {conflicts[0].detail}")
    return Row("ports", ADVISE, "port:mine " + ", ".join(str(ln.data["port"]) for ln in busy))


def gpu_row(ctx: Context) -> Row:
    if gpus() is None:
        return Row("gpu", SKIP, "skip:no-nvidia-smi")
    apps = gpu_apps()
    if not apps:
        return Row("gpu", PASS, "gpu:idle")
    ours = live_run_pids(ctx)
    foreign = [a for a in apps if not ({a.pid, *procs.ancestors(a.pid)} & ours)]
    if foreign:
        who = ", ".join(f"pid {a.pid} ({a.name}, {a.used_mib} MiB)" for a in foreign)
        return Row(
            "gpu",
            BLOCK,
            f"gpu:foreign {who}",
            f"GPUs busy with processes that are not this run: {who} — free them first",
        )
    return Row("gpu", ADVISE, "gpu:mine")


def litellm_row(ctx: Context, run: LiveRun) -> Row:
    if not run.running:
        return Row("litellm", SKIP, "skip:no-live-run")
    port = ctx.i.infrastructure.litellm_port
    try:
        ok = httpx.get(f"http://127.0.0.1:{port}/health/liveliness", timeout=5).status_code == 200
    except httpx.HTTPError:
        ok = False
    if ok:
        return Row("litellm", PASS, "litellm:up")
    age = procs.elapsed_s(run.root_pid) if run.root_pid else None
    if age is not None and age < WARMING_SEC:
        return Row("litellm", ADVISE, "litellm:warming", "")
    log = ctx.paths.exp_log if ctx.i.experiment.exp_name else ctx.paths.logs_dir / "<exp>.log"
    return Row("litellm", ADVISE, "litellm:down", f"LiteLLM silent on :{port} for ≥30 min — read {log}")


def live_rows(ctx: Context, r: Report) -> list[Row]:
    run = live_run(ctx)
    return [job_row(run), ports_row(r), gpu_row(ctx), litellm_row(ctx, run)]
