"""`swerl health`: is the inference chain alive? Exit 0 = all good, 1 = proxy down, 2 = ping failed, 3 = replicas missing.

Also reads the newest step's `tokens.jsonl` files: a warning when its trials made no tool calls (parser
mismatch), and the engine's throughput. Warnings do not change the exit code."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import typer
from rich.console import Console
from rich.table import Table

console = Console()


def health(
    config: Path = typer.Option(Path("config.yaml"), "--config", "-c"),
    url: str = typer.Option("", "--url", help="Proxy base URL (default: infrastructure.litellm_host:litellm_port)."),
    ray: bool = typer.Option(False, "--ray", help="Also list the Ray vLLM actors (GPU runs)."),
    timeout: float = typer.Option(30.0, "--timeout"),
    exp: str = typer.Option(
        "", "--exp", help="Experiment whose trials to read (default: exp_name, else .swerl/run.json's)."
    ),
) -> None:
    """Liveliness, an end-to-end ping through the proxy with the served name, the Ray replica list, and the
    newest step's tool calls (warns at zero: parser mismatch) and throughput, from its tokens.jsonl files."""
    from swerl.config.load import load_config

    cfg = load_config(config)
    infra = cfg.input.infrastructure
    base = (
        url
        or f"http://{'127.0.0.1' if infra.litellm_host in ('0.0.0.0', '') else infra.litellm_host}:{infra.litellm_port}"
    )
    key = os.environ.get(cfg.input.credentials.proxy_master_key_env, "")
    table = Table("check", "result", "detail")
    code = 0
    try:
        r = httpx.get(f"{base}/health/liveliness", timeout=5)
        table.add_row("liveliness", "[green]up[/]" if r.status_code == 200 else "[red]down[/]", f"HTTP {r.status_code}")
        code = 0 if r.status_code == 200 else 1
    except httpx.HTTPError as exc:
        table.add_row("liveliness", "[red]down[/]", f"{base}: {type(exc).__name__}")
        code = 1
    if code == 0:
        served = cfg.input.model.served_model_name
        t0 = time.time()
        try:
            r = httpx.post(
                f"{base}/v1/chat/completions",
                headers={"Authorization": f"Bearer {key}"},
                timeout=timeout,
                json={"model": served, "messages": [{"role": "user", "content": "ping"}], "max_tokens": 3},
            )
            ok = r.status_code == 200
            detail = f"{(time.time() - t0) * 1000:.0f} ms" if ok else f"HTTP {r.status_code}: {r.text[:120]}"
            if r.status_code == 401 and not key:
                detail += f" — export ${cfg.input.credentials.proxy_master_key_env} (the run's proxy key)"
        except httpx.HTTPError as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        table.add_row(f"ping {served}", "[green]ok[/]" if ok else "[red]failed[/]", detail)
        code = 0 if ok else 2
    if ray:
        from swerl.serve.discovery import expected_replicas, list_vllm_actors

        import ray as _ray

        _ray.init(address="auto", ignore_reinit_error=True, log_to_driver=False)
        actors = list_vllm_actors()
        want = expected_replicas(cfg)
        table.add_row(
            "ray vllm actors",
            "[green]all[/]" if len(actors) >= want else "[yellow]missing[/]",
            f"{len(actors)}/{want}: " + ", ".join(sorted(a["name"] for a in actors)),
        )
        if len(actors) < want and code == 0:
            code = 3
    _activity_rows(table, cfg, exp)
    console.print(table)
    raise typer.Exit(code)


def _activity_rows(table: Table, cfg, exp: str) -> None:
    from swerl.config.paths import RunPaths
    from swerl.run.state import read_state
    from swerl.serve.activity import step_activity

    paths = RunPaths.of(cfg)
    if not (exp or cfg.input.experiment.exp_name):
        st = read_state(paths.run_state_file)
        exp = st.exp if st else ""
    if not (exp or paths.exp):
        table.add_row("trials", "[dim]-[/]", "no experiment: pass --exp (or start a run)")
        return
    paths = RunPaths.of(cfg, exp or None)
    a = step_activity(paths.trials_dir)
    if a is None:
        table.add_row("trials", "[dim]-[/]", f"no tokens.jsonl under {paths.trials_dir} yet")
        return
    where = f"step {a.step}: {a.trials} trials, {a.calls} calls"
    if a.tool_calls == 0:
        table.add_row(
            "tool calls",
            "[yellow]warn[/]",
            f"{where}, 0 tool calls parsed — the model's output does not match "
            f"vllm.tool_call_parser={cfg.input.vllm.tool_call_parser!r}? (look at a reply in {a.step_dir})",
        )
    else:
        table.add_row(
            "tool calls",
            "[green]ok[/]",
            f"{where}, {a.tool_calls} tool calls ({a.trials_with_tool_calls}/{a.trials} trials)",
        )
    table.add_row(
        "throughput",
        "[green]ok[/]" if a.tokens_per_s > 0 else "[yellow]warn[/]",
        f"{a.tokens_per_s:.1f} tokens/s ({a.completion_tokens} tokens in {a.wall_s:.1f} s; "
        f"median call {a.call_tokens_per_s_median:.1f} tokens/s)",
    )
